// The leader lease on a real FerretDB, in one process with short timings: exactly one of several
// replicas leads; a clean stop hands over at once; a lease left by a dead holder is taken once it
// expires; a process under the same name takes over at once and the one before it is fenced.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { LeaseMembership, NotLeaderError, type LeaseTimings } from '../../src/cluster/lease.ts';
import { createLogger } from '../../src/logger.ts';
import { MongoStore } from '../../src/store/mongo/store.ts';
import { describeWith, requireComponent } from '../harness/components.ts';
import { probeFerretDb, startFerretDb, type FerretDb } from '../harness/ferretdb.ts';
import { until } from './docker-support.ts';

const ferret = await requireComponent('FerretDB', probeFerretDb);
const FAST: Partial<LeaseTimings> = { ttlMs: 1_500, renewEveryMs: 300, pollEveryMs: 100, marginMs: 300 };
const logger = createLogger('silent');

describeWith(ferret, 'FerretDB', (binary) => {
  let db: FerretDb;
  const stores: MongoStore[] = [];
  const members: LeaseMembership[] = [];

  beforeAll(async () => {
    db = await startFerretDb(binary);
  }, 60_000);

  afterAll(async () => {
    for (const m of members) await m.stop();
    for (const s of stores) await s.close();
    await db?.stop();
  }, 60_000);

  async function replicas(dbName: string, names: string[]): Promise<LeaseMembership[]> {
    const made: LeaseMembership[] = [];
    for (const name of names) {
      const store = new MongoStore(`${db.url}${dbName}`);
      await store.init();
      stores.push(store);
      const m = new LeaseMembership({ store: store.cluster, replica: name, logger, timings: FAST });
      members.push(m);
      made.push(m);
    }
    return made;
  }

  const leaders = (ms: readonly LeaseMembership[]) => ms.filter((m) => m.isLeader);

  test('of three replicas started at once exactly one leads, and all name it; a clean stop hands the lease over within a look', async () => {
    const ms = await replicas(`lease_${randomBytes(3).toString('hex')}`, ['a', 'b', 'c']);
    for (const m of ms) m.start();
    await Promise.all(ms.map((m) => m.firstLook));
    const [first] = await until('one leader all agree on', 10_000, () => {
      const l = leaders(ms);
      return l.length === 1 && ms.every((m) => m.state().leader === l[0]?.state().replica) ? l : undefined;
    });
    // Over many renewals and looks, never two.
    for (let i = 0; i < 20; i += 1) {
      expect(leaders(ms).length).toBeLessThanOrEqual(1);
      await new Promise((r) => setTimeout(r, 50));
    }
    const term = first?.state().term ?? 0;
    await first?.stop();
    const rest = ms.filter((m) => m !== first);
    const [next] = await until('another leads after the clean stop', 10_000, () => (leaders(rest).length === 1 ? leaders(rest) : undefined));
    expect(next?.state().term).toBe(term + 1);
    await expect(first?.fence()).rejects.toBeInstanceOf(NotLeaderError);
    await expect(next?.fence()).resolves.toBeUndefined();
  }, 60_000);

  test('a lease left by a holder that died is taken once it expires, not before', async () => {
    const dbName = `lease_${randomBytes(3).toString('hex')}`;
    const [other] = await replicas(dbName, ['other']);
    // A holder that took the lease and died: nothing renews it.
    const store = stores.at(-1) as MongoStore;
    const nowMs = Date.now();
    const ghost = await store.cluster.acquire({ holder: 'ghost', now: new Date(nowMs).toISOString(), expiresAt: new Date(nowMs + 1_500).toISOString(), seenTerm: null });
    expect(ghost?.term).toBe(1);
    other?.start();
    await other?.firstLook;
    expect(other?.isLeader).toBe(false);
    expect(other?.state().leader).toBe('ghost');
    await until('the other leads once the lease expired', 10_000, () => (other?.isLeader ? true : undefined));
    expect(Date.now()).toBeGreaterThanOrEqual(nowMs + 1_500);
    expect(other?.state().term).toBe(2);
    expect(await store.cluster.renew({ holder: 'ghost', term: 1, expiresAt: new Date(Date.now() + 1_500).toISOString() })).toBe(false);
  }, 60_000);

  test('a new process under the same name takes its lease over at once, and the one before it is fenced', async () => {
    const dbName = `lease_${randomBytes(3).toString('hex')}`;
    const [before] = await replicas(dbName, ['same']);
    before?.start();
    await until('it leads', 10_000, () => (before?.isLeader ? true : undefined));
    const term = before?.state().term ?? 0;
    const [after] = await replicas(dbName, ['same']);
    after?.start();
    await after?.firstLook;
    expect(after?.isLeader).toBe(true);
    expect(after?.state().term).toBe(term + 1);
    await expect(before?.fence()).rejects.toBeInstanceOf(NotLeaderError);
  }, 60_000);

  test('three replicas racing for the same next term: exactly one wins it, round after round', async () => {
    const dbName = `lease_${randomBytes(3).toString('hex')}`;
    const racers: MongoStore[] = [];
    for (let i = 0; i < 3; i += 1) {
      const store = new MongoStore(`${db.url}${dbName}`);
      await store.init();
      stores.push(store);
      racers.push(store);
    }
    let seenTerm: number | null = null;
    for (let round = 0; round < 40; round += 1) {
      const nowMs = Date.now();
      // Every lease taken here is already expired, so each round is a fair race for the next term.
      const taken = await Promise.all(racers.map((store, i) => store.cluster.acquire({
        holder: `r${i}`, now: new Date(nowMs).toISOString(), expiresAt: new Date(nowMs - 1).toISOString(), seenTerm,
      })));
      const winners = taken.filter((t) => t !== null);
      expect(winners, `round ${round}`).toHaveLength(1);
      const lease = await racers[0]?.cluster.readLease();
      expect(lease?.holder).toBe(winners[0]?.holder);
      expect(lease?.term).toBe((seenTerm ?? 0) + 1);
      seenTerm = lease?.term ?? null;
    }
  }, 60_000);
});
