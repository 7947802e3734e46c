// The leader lease (cluster/README.md): holder, expiry and term in the shared store. The leader
// renews it every `renewEveryMs`; the others read it every `pollEveryMs` and claim the next term,
// with one atomic write, once it has expired. A leader counts itself leader only until
// `ttlMs - marginMs` after the last renewal it sent (by its monotonic clock), so it stops before any
// other replica may start; `fence()` checks that and the stored term before each leader-only write.
// A leader that finds the term moved on never leads again in this process (`onLost`: fail-stop).
import { EventEmitter } from 'node:events';
import type { ClusterState } from '../contract/index.ts';
import type { Logger } from '../logger.ts';
import type { ClusterStore, LeaseRecord } from '../store/types.ts';
import type { Membership } from './membership.ts';

export class NotLeaderError extends Error {
  override name = 'NotLeaderError';
}

export interface LeaseTimings {
  /** How long a lease holds without renewal. */
  ttlMs: number;
  /** How often the leader renews. */
  renewEveryMs: number;
  /** How often a follower looks whether the lease is free. */
  pollEveryMs: number;
  /** Before the stored expiry, the leader stops counting itself leader this much early (clock skew between hosts). */
  marginMs: number;
  /**
   * How long one call to the lease store may take. The MongoDB driver's pool waits for a connection
   * without bound by default: a call that never answers would stop the loop for good. Past this the
   * call counts as failed (a renewal as a failed renewal) and the loop comes round again.
   */
  callTimeoutMs: number;
}

export const DEFAULT_LEASE_TIMINGS: LeaseTimings = { ttlMs: 10_000, renewEveryMs: 2_000, pollEveryMs: 1_000, marginMs: 2_000, callTimeoutMs: 5_000 };

export class LeaseCallTimeout extends Error {
  override name = 'LeaseCallTimeout';
}

type Phase = 'starting' | 'follower' | 'leader' | 'suspended' | 'lost' | 'stopped';

export class LeaseMembership implements Membership {
  private readonly store: ClusterStore;
  private readonly replica: string;
  private readonly replicaUrl: string | undefined;
  private readonly log: Logger;
  private readonly timings: LeaseTimings;
  private readonly monotonic: () => number;
  private readonly events = new EventEmitter();
  private phase: Phase = 'starting';
  private term = 0;
  /** While leading: by the monotonic clock, when this replica stops counting itself leader. */
  private validUntil = 0;
  private seen: LeaseRecord | null = null;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private decided!: () => void;
  /** Resolves once the first look at the lease is done (taken, or seen held by another). */
  readonly firstLook: Promise<void>;

  constructor(deps: { store: ClusterStore; replica: string; replicaUrl?: string; logger: Logger; timings?: Partial<LeaseTimings>; monotonic?: () => number }) {
    this.store = deps.store;
    this.replica = deps.replica;
    this.replicaUrl = deps.replicaUrl;
    this.log = deps.logger.child({ module: 'cluster', replica: deps.replica });
    this.timings = { ...DEFAULT_LEASE_TIMINGS, ...deps.timings };
    this.monotonic = deps.monotonic ?? (() => performance.now());
    this.firstLook = new Promise((resolve) => { this.decided = resolve; });
  }

  get isLeader(): boolean {
    return this.phase === 'leader' && this.monotonic() < this.validUntil;
  }

  state(): ClusterState {
    const leading = this.isLeader;
    const other = this.seen !== null && this.seen.holder !== this.replica && Date.parse(this.seen.expiresAt) > Date.now() ? this.seen.holder : null;
    return { replica: this.replica, role: leading ? 'leader' : 'follower', leader: leading ? this.replica : other, term: leading ? this.term : (this.seen?.term ?? 0) };
  }

  /** Where the leader answers (REPLICA_URL of the holder), when another replica leads. */
  leaderUrl(): string | undefined {
    if (this.isLeader || this.seen === null || this.seen.holder === this.replica) return undefined;
    return Date.parse(this.seen.expiresAt) > Date.now() ? this.seen.holderUrl : undefined;
  }

  onChange(listener: (state: ClusterState) => void): void {
    this.events.on('change', listener);
  }

  /** Called each time this replica takes the lease (with its term). */
  onLeading(listener: (term: number) => void): void {
    this.events.on('leading', listener);
  }

  /** Called once when this replica led and another took the lease: it must do nothing more as leader. */
  onLost(listener: (reason: string) => void): void {
    this.events.on('lost', listener);
  }

  start(): void {
    if (this.phase !== 'starting') return;
    this.schedule(0);
  }

  /** Resolves while this replica leads with the stored term; throws NotLeaderError otherwise. */
  readonly fence = async (): Promise<void> => {
    if (!this.isLeader) throw new NotLeaderError(this.phase === 'lost' ? 'another replica leads now; this one does nothing more as leader' : 'this replica does not lead right now (its lease is not renewed)');
    const term = this.term;
    const lease = await this.bounded('read', () => this.store.readLease());
    if (lease === null || lease.holder !== this.replica || lease.term !== term) {
      this.lose(lease);
      throw new NotLeaderError(`the lease moved on to ${lease?.holder ?? 'nobody'} (term ${lease?.term ?? '-'}); term ${term} is over`);
    }
    // Paused while reading (a stop signal, a long GC): what was true then may not be now.
    if (!this.isLeader) throw new NotLeaderError('this replica does not lead right now (its lease is not renewed)');
  };

  async stop(): Promise<void> {
    const wasLeading = this.isLeader;
    this.phase = 'stopped';
    clearTimeout(this.timer);
    await this.running?.catch(() => undefined);
    if (!wasLeading) return;
    // Handing the lease back lets another replica lead within one poll instead of one lease.
    await this.bounded('release', () => this.store.release({ holder: this.replica, term: this.term, now: new Date().toISOString() }))
      .catch((err: unknown) => this.log.warn({ err }, 'could not hand the lease back; another replica leads once it expires'));
  }

  /** The store call, or a LeaseCallTimeout once it has taken `callTimeoutMs` (the timer is cleared either way). */
  private async bounded<T>(what: string, call: () => Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const limit = this.timings.callTimeoutMs;
    try {
      return await Promise.race([
        call(),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new LeaseCallTimeout(`the lease store did not answer a ${what} within ${limit} ms`)), limit);
        }),
      ]);
    } finally {
      clearTimeout(timer);
    }
  }

  private schedule(delayMs: number): void {
    if (this.phase === 'stopped' || this.phase === 'lost') return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.running = this.round().finally(() => { this.running = undefined; });
    }, delayMs);
    this.timer.unref();
  }

  private async round(): Promise<void> {
    const before = this.state();
    try {
      if (this.phase === 'leader' || this.phase === 'suspended') await this.renew();
      else await this.look();
    } catch (err) {
      this.log.warn({ err }, 'cannot reach the lease in the store');
      if (this.phase === 'leader' && this.monotonic() >= this.validUntil) this.suspend();
    } finally {
      if (this.phase === 'starting') this.phase = 'follower';
      this.decided();
      const after = this.state();
      if (after.role !== before.role || after.leader !== before.leader || after.term !== before.term) this.events.emit('change', after);
      this.schedule(this.phase === 'leader' || this.phase === 'suspended' ? this.timings.renewEveryMs : this.timings.pollEveryMs);
    }
  }

  private async renew(): Promise<void> {
    const sentAt = this.monotonic();
    const ok = await this.bounded('renewal', () => this.store.renew({ holder: this.replica, term: this.term, expiresAt: new Date(Date.now() + this.timings.ttlMs).toISOString() }));
    if (!ok) {
      this.lose(await this.bounded('read', () => this.store.readLease()).catch(() => null));
      return;
    }
    if (this.phase === 'stopped' || this.phase === 'lost') return;
    this.validUntil = sentAt + this.timings.ttlMs - this.timings.marginMs;
    if (this.phase === 'suspended') this.log.info({ term: this.term }, 'lease renewed again, no other replica led meanwhile: leading on');
    this.phase = 'leader';
    if (this.monotonic() >= this.validUntil) this.suspend();
  }

  private async look(): Promise<void> {
    const lease = await this.bounded('read', () => this.store.readLease());
    this.seen = lease;
    const nowMs = Date.now();
    if (lease !== null && lease.holder !== this.replica && Date.parse(lease.expiresAt) > nowMs) return;
    const sentAt = this.monotonic();
    // A take that timed out here but was written after all shows as this replica's own lease at the
    // next look, which the store lets it take again (acquire accepts its own name): nothing is lost.
    const taken = await this.bounded('take', () => this.store.acquire({
      holder: this.replica, now: new Date(nowMs).toISOString(), expiresAt: new Date(nowMs + this.timings.ttlMs).toISOString(),
      seenTerm: lease?.term ?? null, ...(this.replicaUrl === undefined ? {} : { holderUrl: this.replicaUrl }),
    }));
    if (taken === null || this.phase === 'stopped') return;
    this.seen = taken;
    this.term = taken.term;
    this.validUntil = sentAt + this.timings.ttlMs - this.timings.marginMs;
    this.phase = 'leader';
    this.log.info({ term: taken.term, previous: lease?.holder ?? null }, 'this replica leads now');
    this.events.emit('leading', taken.term);
  }

  private suspend(): void {
    if (this.phase !== 'leader') return;
    this.phase = 'suspended';
    this.log.warn({ term: this.term }, 'the lease was not renewed in time: doing nothing as leader until it is (or another replica leads)');
  }

  private lose(lease: LeaseRecord | null): void {
    if (this.phase === 'lost' || this.phase === 'stopped') return;
    this.seen = lease;
    if (this.phase !== 'leader' && this.phase !== 'suspended') return;
    this.phase = 'lost';
    clearTimeout(this.timer);
    const reason = `the lease moved on to ${lease?.holder ?? 'nobody'} (term ${lease?.term ?? '-'}) while this replica held term ${this.term}`;
    this.log.error({ term: this.term, holder: lease?.holder, newTerm: lease?.term }, `${reason}: doing nothing more as leader`);
    this.events.emit('change', this.state());
    this.events.emit('lost', reason);
  }
}
