// A lease store call that never answers (the MongoDB driver's pool can wait without bound) must not
// stop the lease loop: each call is bounded, a renewal past the bound counts as a failed renewal
// (the leader suspends once its lease may have run out), and the loop comes round and leads on once
// the store answers again. The store is an in-memory stand-in that can be made to hang.
import { expect, test } from 'vitest';
import { LeaseMembership, type LeaseTimings } from '../../../src/cluster/lease.ts';
import { createLogger } from '../../../src/logger.ts';
import type { ClusterStore, LeaseRecord } from '../../../src/store/types.ts';

const TIMINGS: LeaseTimings = { ttlMs: 400, renewEveryMs: 40, pollEveryMs: 20, marginMs: 100, callTimeoutMs: 60 };

class MemoryLease implements Pick<ClusterStore, 'readLease' | 'acquire' | 'renew' | 'release'> {
  lease: LeaseRecord | null = null;
  hang = false;
  calls = { renew: 0 };

  private answer<T>(value: () => T): Promise<T> {
    return this.hang ? new Promise<T>(() => undefined) : Promise.resolve(value());
  }

  readLease() { return this.answer(() => this.lease); }
  acquire(input: { holder: string; now: string; expiresAt: string; seenTerm: number | null }) {
    return this.answer(() => {
      const l = this.lease;
      if (l !== null && (l.term !== input.seenTerm || (l.expiresAt >= input.now && l.holder !== input.holder))) return null;
      this.lease = { holder: input.holder, expiresAt: input.expiresAt, term: (l?.term ?? 0) + 1 };
      return this.lease;
    });
  }
  renew(input: { holder: string; term: number; expiresAt: string }) {
    this.calls.renew += 1;
    return this.answer(() => {
      if (this.lease?.holder !== input.holder || this.lease.term !== input.term) return false;
      this.lease = { ...this.lease, expiresAt: input.expiresAt };
      return true;
    });
  }
  release() { return this.answer(() => undefined); }
}

async function until(what: string, check: () => boolean): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`${what}: not within 15 s`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

test('renewals that never answer: the loop keeps coming round, the leader suspends, and leads on once the store answers', async () => {
  const store = new MemoryLease();
  const m = new LeaseMembership({ store: store as unknown as ClusterStore, replica: 'r1', logger: createLogger('silent'), timings: TIMINGS });
  m.start();
  try {
    await until('leading', () => m.isLeader);
    store.hang = true;
    const hungAt = store.calls.renew;
    // Several renewals tried while the store hangs: each one timed out and the loop came round.
    await until('renewals tried again after hanging ones', () => store.calls.renew >= hungAt + 3);
    await until('suspended: its lease may have run out', () => !m.isLeader);
    expect(m.state()).toMatchObject({ role: 'follower', term: 1 });
    store.hang = false;
    await until('leading again once the store answers', () => m.isLeader);
    expect(m.state()).toMatchObject({ role: 'leader', term: 1 });
  } finally {
    store.hang = false;
    await m.stop();
  }
}, 30_000);

test('a follower whose reads never answer keeps looking, and takes the lease once they do', async () => {
  const store = new MemoryLease();
  store.hang = true;
  const m = new LeaseMembership({ store: store as unknown as ClusterStore, replica: 'r2', logger: createLogger('silent'), timings: TIMINGS });
  m.start();
  try {
    await m.firstLook;
    expect(m.isLeader).toBe(false);
    store.hang = false;
    await until('leading once the store answers', () => m.isLeader);
  } finally {
    await m.stop();
  }
}, 30_000);
