// Brute-force defence for sign-in: failed attempts are counted per username and per client IP in a
// sliding window; too many locks that key for a while. In memory (one Vigil process): a restart
// forgets the counts, which is acceptable for a lockout that lasts minutes.
import { usernameKey } from '../store/usernames.ts';

export interface ThrottleRule {
  /** Failures within `windowMs` that trigger a lock. */
  maxFailures: number;
  windowMs: number;
  lockMs: number;
}

export interface LoginThrottleOptions {
  perUsername: ThrottleRule;
  perIp: ThrottleRule;
  /** Keys remembered at most (oldest forgotten first), so a spray of made-up names cannot grow memory without bound. */
  maxKeys?: number;
  now?: () => number;
}

/** 5 failures for one username in 15 min, or 30 from one address: locked for 15 min. */
export const DEFAULT_LOGIN_THROTTLE: LoginThrottleOptions = {
  perUsername: { maxFailures: 5, windowMs: 15 * 60_000, lockMs: 15 * 60_000 },
  perIp: { maxFailures: 30, windowMs: 15 * 60_000, lockMs: 15 * 60_000 },
};

export type LockScope = 'username' | 'ip';

export interface Lock {
  scope: LockScope;
  /** Milliseconds until the lock ends (≥ 1). */
  retryAfterMs: number;
  until: number;
}

/** What a failure did: `locked` is set when this failure started a lock (to be audited once). */
export interface FailureOutcome {
  locked?: Lock;
  failures: { username: number; ip: number };
}

interface Entry {
  failures: number[];
  lockedUntil: number;
}

class Counter {
  private readonly entries = new Map<string, Entry>();
  private readonly rule: ThrottleRule;
  private readonly maxKeys: number;

  constructor(rule: ThrottleRule, maxKeys: number) {
    this.rule = rule;
    this.maxKeys = maxKeys;
  }

  lockedUntil(key: string, now: number): number | undefined {
    const e = this.entries.get(key);
    return e && e.lockedUntil > now ? e.lockedUntil : undefined;
  }

  /** Records a failure; returns the failures in the window and whether this one started a lock. */
  fail(key: string, now: number): { count: number; lockedUntil?: number } {
    let e = this.entries.get(key);
    if (e) this.entries.delete(key); // re-inserted below: Map order is then least recently failed first
    else e = { failures: [], lockedUntil: 0 };
    e.failures = e.failures.filter((t) => t > now - this.rule.windowMs);
    e.failures.push(now);
    this.entries.set(key, e);
    this.evict();
    if (e.lockedUntil <= now && e.failures.length >= this.rule.maxFailures) {
      e.lockedUntil = now + this.rule.lockMs;
      // A lock served in full starts the count afresh.
      e.failures = [];
      return { count: this.rule.maxFailures, lockedUntil: e.lockedUntil };
    }
    return { count: e.failures.length };
  }

  reset(key: string): void {
    this.entries.delete(key);
  }

  private evict(): void {
    while (this.entries.size > this.maxKeys) {
      const oldest = this.entries.keys().next();
      if (oldest.done) return;
      this.entries.delete(oldest.value);
    }
  }
}

export class LoginThrottle {
  private readonly byUsername: Counter;
  private readonly byIp: Counter;
  private readonly now: () => number;

  constructor(options: LoginThrottleOptions = DEFAULT_LOGIN_THROTTLE) {
    const maxKeys = options.maxKeys ?? 50_000;
    this.byUsername = new Counter(options.perUsername, maxKeys);
    this.byIp = new Counter(options.perIp, maxKeys);
    this.now = options.now ?? Date.now;
  }

  /** The lock in force for this attempt, if any: checked before the password is, so a locked account cannot be guessed at. */
  check(username: string, ip: string | undefined): Lock | undefined {
    const now = this.now();
    const locks: Lock[] = [];
    const userUntil = this.byUsername.lockedUntil(userKey(username), now);
    if (userUntil !== undefined) locks.push({ scope: 'username', until: userUntil, retryAfterMs: userUntil - now });
    const ipUntil = ip === undefined ? undefined : this.byIp.lockedUntil(ip, now);
    if (ipUntil !== undefined) locks.push({ scope: 'ip', until: ipUntil, retryAfterMs: ipUntil - now });
    return locks.sort((a, b) => b.until - a.until)[0];
  }

  failure(username: string, ip: string | undefined): FailureOutcome {
    const now = this.now();
    const u = this.byUsername.fail(userKey(username), now);
    const i = ip === undefined ? { count: 0 } : this.byIp.fail(ip, now);
    const outcome: FailureOutcome = { failures: { username: u.count, ip: i.count } };
    if (u.lockedUntil !== undefined) outcome.locked = { scope: 'username', until: u.lockedUntil, retryAfterMs: u.lockedUntil - now };
    else if ('lockedUntil' in i && i.lockedUntil !== undefined) outcome.locked = { scope: 'ip', until: i.lockedUntil, retryAfterMs: i.lockedUntil - now };
    return outcome;
  }

  /** A successful sign-in clears that username's failures (the address's count stays: it may be guessing other names). */
  success(username: string): void {
    this.byUsername.reset(userKey(username));
  }

  /** An admin lifts a username's lock. */
  unlock(username: string): void {
    this.byUsername.reset(userKey(username));
  }
}

/** The store's own key for a username (unique regardless of case): one account, one count. */
const userKey = usernameKey;

/** Whole seconds for a Retry-After header, never 0. */
export function retryAfterSeconds(lock: Lock): number {
  return Math.max(1, Math.ceil(lock.retryAfterMs / 1000));
}

/** "14 minutes", "40 seconds": for the message a person reads. */
export function humanDuration(ms: number): string {
  const seconds = Math.max(1, Math.ceil(ms / 1000));
  if (seconds < 90) return `${seconds} second${seconds === 1 ? '' : 's'}`;
  const minutes = Math.ceil(seconds / 60);
  return `${minutes} minute${minutes === 1 ? '' : 's'}`;
}
