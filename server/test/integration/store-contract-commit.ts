// The store contract for ingest commits: a batch of signals, decisions and cursors is stored whole or
// not at all, wherever the writing stops — or, on a store without transactions (MongoDB), its
// signals are stored and given back as unapplied, for the engine's restore to settle. The fault
// point throws at the n-th place a store offers (SQLite: before each statement of the transaction;
// MongoDB: after each step); the store object is then dropped without closing — what a SIGKILL
// leaves — and the data is opened again.
import { afterEach, describe, expect, it } from 'vitest';
import type { Decision } from '../../src/domain/decisions.ts';
import type { CommitBatch, Store } from '../../src/store/types.ts';
import { entry, incident, signal, t } from './store-contract.ts';

/** Fresh, empty data; `open` gives a store over it (not yet initialised) whose fault point may throw. */
export interface FaultyData {
  open(fault?: () => void): Store;
}

/** Thrown by the fault point: the stand-in for the process dying there. */
class Killed extends Error {}

async function content(store: Store) {
  const signals = (await store.signals.listAfter(null, 1_000)).map((s) => s.id).sort();
  const incidents = (await store.incidents.list({ status: 'all', limit: 100 })).items.map((i) => `${i.id}:${i.status}`).sort();
  const entries: string[] = [];
  for (const id of ['i1', 'i2', 'i3']) entries.push(...(await store.timeline.forIncident(id)).map((e) => `${id}/${e.id}`));
  return { signals, incidents, entries: entries.sort(), cursor: await store.cursors.get('docker', 'local') };
}

/** Before: i1 open with e1, e2; i2 open with e3. The batch moves i1 on, drops i2 (merged), opens i3. */
/** A batch whose decisions are these, whatever is new. */
function batchOf(signals: CommitBatch['signals'], decisions: Decision[], cursors: CommitBatch['cursors']): CommitBatch {
  return { signals, decide: () => decisions, ...(cursors ? { cursors } : {}) };
}

const before = batchOf(
  [signal('s1', t(1)), signal('s2', t(2))],
  [
    { type: 'incident:upsert', incident: incident('i1', t(1)) },
    { type: 'incident:upsert', incident: incident('i2', t(2)) },
    { type: 'timeline:append', entry: entry('e1', 'i1', t(1)) },
    { type: 'timeline:append', entry: entry('e2', 'i1', t(1, 500)) },
    { type: 'timeline:append', entry: entry('e3', 'i2', t(2)) },
  ],
  [{ source: 'docker', host: 'local', value: 'cursor-1' }],
);
const decisions: Decision[] = [
  { type: 'timeline:remove', entryId: 'e2', incidentId: 'i1' },
  { type: 'timeline:remove', entryId: 'e3', incidentId: 'i2' },
  { type: 'incident:remove', incidentId: 'i2' },
  { type: 'incident:upsert', incident: incident('i1', t(1), { status: 'acknowledged', acknowledgedAt: t(3) }) },
  { type: 'incident:upsert', incident: incident('i3', t(4)) },
  { type: 'timeline:append', entry: entry('e4', 'i1', t(3)) },
  { type: 'timeline:append', entry: entry('e5', 'i3', t(4)) },
];
const batch = batchOf([signal('s3', t(3)), signal('s4', t(4)), signal('s5', t(5))], decisions, [{ source: 'docker', host: 'local', value: 'cursor-2' }]);
const NONE = {
  signals: ['s1', 's2'], incidents: ['i1:open', 'i2:open'], entries: ['i1/e1', 'i1/e2', 'i2/e3'], cursor: 'cursor-1',
};
/** Only the signals: what a store without transactions keeps when it dies between its two writes. */
const SIGNALS_ONLY = { ...NONE, signals: ['s1', 's2', 's3', 's4', 's5'] };
const ALL = {
  signals: ['s1', 's2', 's3', 's4', 's5'], incidents: ['i1:acknowledged', 'i3:open'], entries: ['i1/e1', 'i1/e4', 'i3/e5'], cursor: 'cursor-2',
};

export function commitContract(name: string, makeData: () => FaultyData): void {
  describe(`store commits: ${name}`, () => {
    const opened: Store[] = [];
    afterEach(async () => {
      await Promise.all(opened.splice(0).map((s) => s.close().catch(() => undefined)));
    });

    async function open(data: FaultyData, fault?: () => void): Promise<Store> {
      const store = data.open(fault);
      opened.push(store);
      await store.init();
      return store;
    }

    it('stores the whole batch and tells which signals were new; a second commit of it changes nothing', async () => {
      const store = await open(makeData());
      await store.commit(before);
      expect(await content(store)).toEqual(NONE);
      const seen: string[][] = [];
      const first = await store.commit({ ...batch, decide: (fresh) => { seen.push(fresh.map((s) => s.id)); return decisions; } });
      expect(seen).toEqual([['s3', 's4', 's5']]);
      expect(first.fresh.map((s) => s.id)).toEqual(['s3', 's4', 's5']);
      expect(first.fresh.every((s) => typeof s.receivedAt === 'string')).toBe(true);
      expect(await content(store)).toEqual(ALL);
      const again = await store.commit({ ...batch, signals: [signal('s1', t(1)), ...batch.signals, signal('s6', t(6))], decide: (fresh) => { seen.push(fresh.map((s) => s.id)); return decisions; } });
      expect(seen[1]).toEqual(['s6']);
      expect(again.fresh.map((s) => s.id)).toEqual(['s6']);
      expect(await store.signals.unapplied()).toEqual([]);
    });

    it('a decide that throws stores nothing of the batch', async () => {
      const store = await open(makeData());
      await store.commit(before);
      await expect(store.commit({ ...batch, decide: () => { throw new Error('engine defect'); } })).rejects.toThrow('engine defect');
      expect(await content(store)).toEqual(NONE);
      expect(await store.signals.unapplied()).toEqual([]);
    });

    it('a removed incident leads to the one that took over its time, through later merges; nowhere once that is gone', async () => {
      const store = await open(makeData());
      await store.commit(before);
      expect(await store.incidents.successor('i2')).toBeNull();
      await store.commit(batchOf([], [{ type: 'incident:remove', incidentId: 'i2', replacedBy: 'i1' }], undefined));
      expect(await store.incidents.get('i2')).toBeNull();
      expect(await store.incidents.successor('i2')).toBe('i1');
      // i1 turns out to be part of i3 in turn: both old ids lead there.
      await store.commit(batchOf([], [
        { type: 'incident:remove', incidentId: 'i1', replacedBy: 'i3' },
        { type: 'incident:upsert', incident: incident('i3', t(0, 500)) },
      ], undefined));
      expect(await store.incidents.successor('i1')).toBe('i3');
      expect(await store.incidents.successor('i2')).toBe('i3');
      // Removed with no incident covering its time, i3 leads nowhere, and neither does what led to it.
      await store.commit(batchOf([], [{ type: 'incident:remove', incidentId: 'i3' }], undefined));
      expect(await store.incidents.successor('i1')).toBeNull();
      expect(await store.incidents.successor('i2')).toBeNull();
      expect(await store.incidents.successor('never-there')).toBeNull();
    });

    it('an append never replaces an entry that is there: the first write wins', async () => {
      const store = await open(makeData());
      await store.commit(before);
      await store.commit(batchOf([], [{ type: 'timeline:append', entry: entry('e1', 'i1', t(1), { message: 'other words' }) }], undefined));
      expect((await store.timeline.forIncident('i1')).map((e) => e.message)).toEqual(['backend died (exit 137)', 'backend died (exit 137)']);
    });

    it('killed at any point of a commit, the data opened again holds all of the batch, none of it, or its signals given back as unapplied', async () => {
      let points = 0;
      const probe = await open(makeData(), () => { points += 1; });
      await probe.commit(before);
      points = 0;
      await probe.commit(batch);
      expect(points).toBeGreaterThan(1);
      const outcomes: string[] = [];
      for (let k = 1; k <= points; k += 1) {
        const data = makeData();
        const setup = await open(data);
        await setup.commit(before);
        let calls = 0;
        const dying = await open(data, () => {
          calls += 1;
          if (calls === k) throw new Killed(`killed at fault point ${k}`);
        });
        await expect(dying.commit(batch)).rejects.toBeInstanceOf(Killed);
        // The dying store is never used again (a dead process writes nothing more); the data is opened afresh.
        const after = await open(data);
        const got = await content(after);
        const unapplied = (await after.signals.unapplied()).map((s) => s.id);
        if (unapplied.length > 0) {
          // A store without transactions died between its writes: the signals are there and given
          // back, whatever part of the decisions was written (the engine's restore settles those).
          expect(unapplied, `killed at fault point ${k} of ${points}`).toEqual(['s3', 's4', 's5']);
          expect(got.signals).toEqual(SIGNALS_ONLY.signals);
          // The next commit (what the engine's restore makes) marks them applied.
          await after.commit(batchOf([], [], undefined));
          expect(await after.signals.unapplied()).toEqual([]);
          outcomes.push('signals');
        } else {
          expect([NONE, ALL], `killed at fault point ${k} of ${points}`).toContainEqual(got);
          outcomes.push(got.cursor === 'cursor-2' ? 'all' : 'none');
        }
      }
      expect(outcomes).toHaveLength(points);
    });
  });
}
