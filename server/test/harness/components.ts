// Decides what an integration suite does when a real component (Docker, Prometheus, FerretDB,
// Chromium…) is missing: with CI=true it fails loudly; elsewhere it skips with a one-line reason.
import { describe, test } from 'vitest';

export const inCI = process.env.CI === 'true' || process.env.CI === '1';

export type Availability<T> = { ok: true; value: T } | { ok: false; reason: string };

/**
 * Probes a component. `probe` returns the value the suite needs or throws with a reason a person
 * can act on. In CI a failed probe throws (the suite fails); otherwise it reports and returns ok:false.
 */
export async function requireComponent<T>(name: string, probe: () => Promise<T> | T): Promise<Availability<T>> {
  try {
    return { ok: true, value: await probe() };
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    if (inCI) {
      throw new Error(`${name} is required in CI but is not available: ${reason}`, { cause: err });
    }
    process.stderr.write(`skip: ${name} not available (${reason})\n`);
    return { ok: false, reason };
  }
}

/** `describe` that runs only when the component is there (never skips in CI: requireComponent throws first). */
export function describeWith<T>(availability: Availability<T>, name: string, body: (value: T) => void): void {
  if (availability.ok) {
    describe(name, () => body(availability.value));
  } else {
    // One placeholder test, so the skip shows in the run's counts with its reason.
    describe.skipIf(true)(name, () => {
      test(`needs a component that is not available: ${availability.reason}`, () => undefined);
    });
  }
}
