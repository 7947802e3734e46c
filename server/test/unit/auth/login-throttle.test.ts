import { describe, expect, test } from 'vitest';
import { humanDuration, LoginThrottle, retryAfterSeconds } from '../../../src/auth/login-throttle.ts';
import type { LoginThrottleRepository, ThrottleEntry } from '../../../src/store/types.ts';

const MIN = 60_000;

/** The repository's contract in memory (both stores run it in store-contract-accounts.ts): the rules without I/O. */
class MemoryEntries implements LoginThrottleRepository {
  readonly map = new Map<string, ThrottleEntry>();
  async get(key: string) { return this.map.get(key) ?? null; }
  async update<T>(key: string, change: (current: ThrottleEntry | null) => { entry: ThrottleEntry | null; result: T }) {
    const { entry, result } = change(this.map.get(key) ?? null);
    if (entry) this.map.set(key, entry);
    else this.map.delete(key);
    return result;
  }
  async delete(key: string) { this.map.delete(key); }
  async prune(now: number, maxKeys: number) {
    let removed = 0;
    for (const [k, e] of this.map) if (e.expiresAt <= now) { this.map.delete(k); removed++; }
    const newestFirst = [...this.map].sort((a, b) => b[1].expiresAt - a[1].expiresAt);
    for (const [k] of newestFirst.slice(maxKeys)) { this.map.delete(k); removed++; }
    return removed;
  }
  async count() { return this.map.size; }
}

function throttle(maxKeys?: number) {
  const clock = { t: 1_000_000 };
  const entries = new MemoryEntries();
  const t = new LoginThrottle(entries, {
    pruneEvery: 1,
    perUsername: { maxFailures: 5, windowMs: 15 * MIN, lockMs: 15 * MIN },
    perIp: { maxFailures: 8, windowMs: 15 * MIN, lockMs: 10 * MIN },
    now: () => clock.t,
    ...(maxKeys !== undefined ? { maxKeys } : {}),
  });
  return { t, clock, entries };
}

describe('per username', async () => {
  test('the 5th failure within the window locks the username; the lock ends after lockMs', async () => {
    const { t, clock } = throttle();
    for (let i = 1; i <= 4; i++) {
      expect((await t.failure('alice', `10.0.0.${i}`)).locked).toBeUndefined();
      clock.t += MIN;
    }
    expect(await t.check('alice', '10.0.0.9')).toBeUndefined();
    const fifth = await t.failure('alice', '10.0.0.5');
    expect(fifth.locked).toMatchObject({ scope: 'username', retryAfterMs: 15 * MIN });
    // From any address, and whatever the case of the name.
    expect(await t.check('ALICE', '10.0.0.77')).toMatchObject({ scope: 'username' });
    expect(await t.check('bob', '10.0.0.77')).toBeUndefined();
    clock.t += 15 * MIN - 1;
    expect(retryAfterSeconds((await t.check('alice', undefined))!)).toBe(1);
    clock.t += 1;
    expect(await t.check('alice', undefined)).toBeUndefined();
    // A served lock starts the count afresh.
    expect((await t.failure('alice', '10.0.0.5')).failures.username).toBe(1);
  });

  test('failures older than the window do not count', async () => {
    const { t, clock } = throttle();
    for (let i = 0; i < 4; i++) await t.failure('carol', undefined);
    clock.t += 15 * MIN + 1;
    expect(await t.failure('carol', undefined)).toEqual({ failures: { username: 1, ip: 0 } });
  });

  test('a successful sign-in resets the username count; unlock lifts a lock', async () => {
    const { t } = throttle();
    for (let i = 0; i < 4; i++) await t.failure('dave', undefined);
    await t.success('dave');
    expect((await t.failure('dave', undefined)).failures.username).toBe(1);
    for (let i = 0; i < 4; i++) await t.failure('dave', undefined);
    expect((await t.check('dave', undefined))?.scope).toBe('username');
    await t.unlock('dave');
    expect(await t.check('dave', undefined)).toBeUndefined();
  });
});

describe('per address', async () => {
  test('8 failures from one address across many usernames lock the address, not the names', async () => {
    const { t, clock } = throttle();
    let last;
    for (let i = 0; i < 8; i++) last = await t.failure(`user${i}`, '192.0.2.1');
    expect(last?.locked).toMatchObject({ scope: 'ip', retryAfterMs: 10 * MIN });
    expect((await t.check('someone', '192.0.2.1'))?.scope).toBe('ip');
    expect(await t.check('someone', '192.0.2.2')).toBeUndefined();
    // A success elsewhere does not lift the address lock.
    await t.success('user1');
    expect((await t.check('user1', '192.0.2.1'))?.scope).toBe('ip');
    clock.t += 10 * MIN;
    expect(await t.check('user1', '192.0.2.1')).toBeUndefined();
  });

  test('when both are locked, the later end is reported', async () => {
    const { t } = throttle();
    for (let i = 0; i < 8; i++) await t.failure(i < 5 ? 'erin' : `x${i}`, '192.0.2.9');
    expect(await t.check('erin', '192.0.2.9')).toMatchObject({ scope: 'username', retryAfterMs: 15 * MIN });
  });
});

test('the store is bounded: expired keys are pruned, and beyond maxKeys the soonest to expire go first', async () => {
  const { t, clock, entries } = throttle(100);
  for (let i = 0; i < 4; i++) await t.failure('target', undefined);
  for (let i = 0; i < 500; i++) {
    clock.t += 1;
    await t.failure(`spray${i}`, undefined);
  }
  expect(await entries.count()).toBeLessThanOrEqual(100);
  expect((await t.failure('target', undefined)).failures.username).toBe(1);
  // Once every window has passed, the next failure's prune leaves only its own key.
  clock.t += 16 * MIN;
  await t.failure('late', undefined);
  expect(await entries.count()).toBe(1);
});

test('the counts live in the store: a new throttle on the same entries (a restart, another replica) sees the lock', async () => {
  const { t, clock, entries } = throttle();
  for (let i = 0; i < 5; i++) await t.failure('frank', '192.0.2.50');
  const again = new LoginThrottle(entries, {
    perUsername: { maxFailures: 5, windowMs: 15 * MIN, lockMs: 15 * MIN },
    perIp: { maxFailures: 8, windowMs: 15 * MIN, lockMs: 10 * MIN },
    now: () => clock.t,
  });
  expect(await again.check('Frank', undefined)).toMatchObject({ scope: 'username', retryAfterMs: 15 * MIN });
  // Names typed at sign-in (perhaps a password in the wrong field) are not kept as typed.
  expect([...entries.map.keys()].some((k) => k.includes('frank') || k.includes('192.0.2.50'))).toBe(false);
});

test('durations read as a person would say them', async () => {
  expect(humanDuration(1)).toBe('1 second');
  expect(humanDuration(40_000)).toBe('40 seconds');
  expect(humanDuration(15 * MIN)).toBe('15 minutes');
  expect(humanDuration(14 * MIN + 10_000)).toBe('15 minutes');
});
