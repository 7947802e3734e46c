import { describe, expect, test } from 'vitest';
import { humanDuration, LoginThrottle, retryAfterSeconds } from '../../../src/auth/login-throttle.ts';

const MIN = 60_000;

function throttle(maxKeys?: number) {
  const clock = { t: 1_000_000 };
  const t = new LoginThrottle({
    perUsername: { maxFailures: 5, windowMs: 15 * MIN, lockMs: 15 * MIN },
    perIp: { maxFailures: 8, windowMs: 15 * MIN, lockMs: 10 * MIN },
    now: () => clock.t,
    ...(maxKeys !== undefined ? { maxKeys } : {}),
  });
  return { t, clock };
}

describe('per username', () => {
  test('the 5th failure within the window locks the username; the lock ends after lockMs', () => {
    const { t, clock } = throttle();
    for (let i = 1; i <= 4; i++) {
      expect(t.failure('alice', `10.0.0.${i}`).locked).toBeUndefined();
      clock.t += MIN;
    }
    expect(t.check('alice', '10.0.0.9')).toBeUndefined();
    const fifth = t.failure('alice', '10.0.0.5');
    expect(fifth.locked).toMatchObject({ scope: 'username', retryAfterMs: 15 * MIN });
    // From any address, and whatever the case of the name.
    expect(t.check('ALICE', '10.0.0.77')).toMatchObject({ scope: 'username' });
    expect(t.check('bob', '10.0.0.77')).toBeUndefined();
    clock.t += 15 * MIN - 1;
    expect(retryAfterSeconds(t.check('alice', undefined)!)).toBe(1);
    clock.t += 1;
    expect(t.check('alice', undefined)).toBeUndefined();
    // A served lock starts the count afresh.
    expect(t.failure('alice', '10.0.0.5').failures.username).toBe(1);
  });

  test('failures older than the window do not count', () => {
    const { t, clock } = throttle();
    for (let i = 0; i < 4; i++) t.failure('carol', undefined);
    clock.t += 15 * MIN + 1;
    expect(t.failure('carol', undefined)).toEqual({ failures: { username: 1, ip: 0 } });
  });

  test('a successful sign-in resets the username count; unlock lifts a lock', () => {
    const { t } = throttle();
    for (let i = 0; i < 4; i++) t.failure('dave', undefined);
    t.success('dave');
    expect(t.failure('dave', undefined).failures.username).toBe(1);
    for (let i = 0; i < 4; i++) t.failure('dave', undefined);
    expect(t.check('dave', undefined)?.scope).toBe('username');
    t.unlock('dave');
    expect(t.check('dave', undefined)).toBeUndefined();
  });
});

describe('per address', () => {
  test('8 failures from one address across many usernames lock the address, not the names', () => {
    const { t, clock } = throttle();
    let last;
    for (let i = 0; i < 8; i++) last = t.failure(`user${i}`, '192.0.2.1');
    expect(last?.locked).toMatchObject({ scope: 'ip', retryAfterMs: 10 * MIN });
    expect(t.check('someone', '192.0.2.1')?.scope).toBe('ip');
    expect(t.check('someone', '192.0.2.2')).toBeUndefined();
    // A success elsewhere does not lift the address lock.
    t.success('user1');
    expect(t.check('user1', '192.0.2.1')?.scope).toBe('ip');
    clock.t += 10 * MIN;
    expect(t.check('user1', '192.0.2.1')).toBeUndefined();
  });

  test('when both are locked, the later end is reported', () => {
    const { t } = throttle();
    for (let i = 0; i < 8; i++) t.failure(i < 5 ? 'erin' : `x${i}`, '192.0.2.9');
    expect(t.check('erin', '192.0.2.9')).toMatchObject({ scope: 'username', retryAfterMs: 15 * MIN });
  });
});

test('memory is bounded: the least recently failed keys are forgotten first', () => {
  const { t } = throttle(100);
  for (let i = 0; i < 4; i++) t.failure('target', undefined);
  for (let i = 0; i < 500; i++) t.failure(`spray${i}`, undefined);
  expect(t.failure('target', undefined).failures.username).toBe(1);
});

test('durations read as a person would say them', () => {
  expect(humanDuration(1)).toBe('1 second');
  expect(humanDuration(40_000)).toBe('40 seconds');
  expect(humanDuration(15 * MIN)).toBe('15 minutes');
  expect(humanDuration(14 * MIN + 10_000)).toBe('15 minutes');
});
