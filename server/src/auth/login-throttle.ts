// Brute-force defence for sign-in: failed attempts are counted per username and per client IP in a
// sliding window; too many locks that key for a while. The counts are kept in the store
// (store.loginThrottle), so a restart does not forget them and every replica sharing the store
// sees the same ones. Keys are hashed: a name typed at sign-in may be a password in the wrong field.
import type { Logger } from '../logger.ts';
import type { LoginThrottleRepository, ThrottleEntry } from '../store/types.ts';
import { usernameKey } from '../store/usernames.ts';
import { sha256 } from './secrets.ts';

export interface ThrottleRule {
  /** Failures within `windowMs` that trigger a lock. */
  maxFailures: number;
  windowMs: number;
  lockMs: number;
}

export interface LoginThrottleOptions {
  perUsername: ThrottleRule;
  perIp: ThrottleRule;
  /** Keys kept at most (the soonest to expire are pruned first), so a spray of made-up names cannot grow the store without bound. */
  maxKeys?: number;
  /** Prune expired keys after this many failures (or a minute), whichever comes first. */
  pruneEvery?: number;
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

interface Counted {
  count: number;
  lockedUntil?: number;
}

/**
 * One failure on an entry, as a pure function of the entry and the time: what the store keeps
 * next, and the failures in the window (with the lock this one started, if any).
 */
export function recordFailure(current: ThrottleEntry | null, rule: ThrottleRule, now: number): { entry: ThrottleEntry; result: Counted } {
  // Only the last maxFailures can ever matter to the rule: the entry stays small.
  const failures = [...(current?.failures ?? []).filter((t) => t > now - rule.windowMs), now].slice(-rule.maxFailures);
  let lockedUntil = current?.lockedUntil ?? 0;
  let result: Counted = { count: failures.length };
  if (lockedUntil <= now && failures.length >= rule.maxFailures) {
    lockedUntil = now + rule.lockMs;
    // A lock served in full starts the count afresh.
    failures.length = 0;
    result = { count: rule.maxFailures, lockedUntil };
  }
  const lastFailure = failures.at(-1) ?? 0;
  return { entry: { failures, lockedUntil, expiresAt: Math.max(lockedUntil, lastFailure + rule.windowMs) }, result };
}

const PRUNE_INTERVAL_MS = 60_000;

export class LoginThrottle {
  private readonly entries: LoginThrottleRepository;
  private readonly options: LoginThrottleOptions;
  private readonly maxKeys: number;
  private readonly pruneEvery: number;
  private readonly now: () => number;
  private readonly log: Logger | undefined;
  private failuresSincePrune = 0;
  private lastPrune = 0;

  constructor(entries: LoginThrottleRepository, options: LoginThrottleOptions = DEFAULT_LOGIN_THROTTLE, logger?: Logger) {
    this.entries = entries;
    this.options = options;
    this.maxKeys = options.maxKeys ?? 50_000;
    this.pruneEvery = options.pruneEvery ?? 100;
    this.now = options.now ?? Date.now;
    this.log = logger?.child({ module: 'login-throttle' });
  }

  /** The lock in force for this attempt, if any: checked before the password is, so a locked account cannot be guessed at. */
  async check(username: string, ip: string | undefined): Promise<Lock | undefined> {
    const now = this.now();
    const locks: Lock[] = [];
    const user = await this.entries.get(userKey(username));
    if (user && user.lockedUntil > now) locks.push({ scope: 'username', until: user.lockedUntil, retryAfterMs: user.lockedUntil - now });
    const addr = ip === undefined ? null : await this.entries.get(ipKey(ip));
    if (addr && addr.lockedUntil > now) locks.push({ scope: 'ip', until: addr.lockedUntil, retryAfterMs: addr.lockedUntil - now });
    return locks.sort((a, b) => b.until - a.until)[0];
  }

  async failure(username: string, ip: string | undefined): Promise<FailureOutcome> {
    const now = this.now();
    const u = await this.entries.update(userKey(username), (e) => recordFailure(e, this.options.perUsername, now));
    const i: Counted = ip === undefined ? { count: 0 } : await this.entries.update(ipKey(ip), (e) => recordFailure(e, this.options.perIp, now));
    const outcome: FailureOutcome = { failures: { username: u.count, ip: i.count } };
    if (u.lockedUntil !== undefined) outcome.locked = { scope: 'username', until: u.lockedUntil, retryAfterMs: u.lockedUntil - now };
    else if (i.lockedUntil !== undefined) outcome.locked = { scope: 'ip', until: i.lockedUntil, retryAfterMs: i.lockedUntil - now };
    await this.maybePrune(now);
    return outcome;
  }

  /** A successful sign-in clears that username's failures (the address's count stays: it may be guessing other names). */
  async success(username: string): Promise<void> {
    await this.entries.delete(userKey(username));
  }

  /** An admin lifts a username's lock. */
  async unlock(username: string): Promise<void> {
    await this.entries.delete(userKey(username));
  }

  private async maybePrune(now: number): Promise<void> {
    this.failuresSincePrune += 1;
    if (this.failuresSincePrune < this.pruneEvery && now - this.lastPrune < PRUNE_INTERVAL_MS) return;
    this.failuresSincePrune = 0;
    this.lastPrune = now;
    try {
      const removed = await this.entries.prune(now, this.maxKeys);
      if (removed > 0) this.log?.debug({ removed }, 'pruned sign-in throttle keys');
    } catch (err) {
      // Pruning is housekeeping: the next failure tries again.
      this.log?.warn({ err }, 'could not prune sign-in throttle keys');
    }
  }
}

/** The store's own key for a username (unique regardless of case): one account, one count. */
function userKey(username: string): string {
  return `user:${sha256(usernameKey(username))}`;
}

function ipKey(ip: string): string {
  return `ip:${sha256(ip)}`;
}

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
