// Percentiles and the result rows every benchmark reports: a figure, its unit, and the goal it is held to.

/** Nearest-rank percentile (p in 0..100) of unsorted samples; NaN when there are none. */
export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))] as number;
}

export interface Summary {
  n: number;
  min: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  mean: number;
}

export function summarize(samples: readonly number[]): Summary {
  const round = (x: number) => Math.round(x * 100) / 100;
  return {
    n: samples.length,
    min: round(Math.min(...samples)),
    p50: round(percentile(samples, 50)),
    p90: round(percentile(samples, 90)),
    p99: round(percentile(samples, 99)),
    max: round(Math.max(...samples)),
    mean: round(samples.reduce((a, b) => a + b, 0) / Math.max(1, samples.length)),
  };
}

export interface Goal {
  /** `max`: the figure must be at most `value`; `min`: at least. */
  kind: 'max' | 'min';
  value: number;
}

export type Verdict = 'PASS' | 'MISS' | 'INFO' | 'FAIL';

export interface Row {
  /** The benchmark that produced it (what --only selects). */
  bench: string;
  /** What was measured, as the table shows it. */
  metric: string;
  value: number;
  unit: string;
  goal?: Goal;
  verdict: Verdict;
  /** Sizes, trial counts and anything a reader needs to interpret the figure. */
  note?: string;
  /** The raw samples behind a percentile, kept in the JSON only. */
  samples?: Record<string, number[]>;
}

export function row(bench: string, metric: string, value: number, unit: string, goal?: Goal, note?: string, samples?: Record<string, number[]>): Row {
  let verdict: Verdict = 'INFO';
  if (!Number.isFinite(value)) verdict = 'FAIL';
  else if (goal) verdict = (goal.kind === 'max' ? value <= goal.value : value >= goal.value) ? 'PASS' : 'MISS';
  return { bench, metric, value, unit, ...(goal ? { goal } : {}), verdict, ...(note ? { note } : {}), ...(samples ? { samples } : {}) };
}

/** A benchmark that could not run (a component missing, an error): shown as FAIL with the reason. */
export function failed(bench: string, reason: string): Row {
  return { bench, metric: `${bench} (did not run)`, value: Number.NaN, unit: '', verdict: 'FAIL', note: reason };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls `check` until it returns something other than undefined, or throws after `timeoutMs`. */
export async function until<T>(what: string, timeoutMs: number, check: () => Promise<T | undefined> | T | undefined, intervalMs = 20): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last = 'not yet';
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (err) {
      last = err instanceof Error ? `${err.message}${err.cause instanceof Error ? `: ${err.cause.message}` : ''}` : String(err);
    }
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms (${last})`);
    await sleep(intervalMs);
  }
}
