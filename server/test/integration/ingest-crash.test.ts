// The interleaving that put 200 alerts on two timeline entries each in the SIGKILL fault test: a later
// notification of a service arrives first (its first alert opens an incident), then the earlier one
// (its first alert opens the same service's incident earlier, so the first incident merges into it:
// its entries and itself are removed, the new one written). Vigil dies at every write of that second
// commit in turn; started again on the same data, and with the notification re-delivered (Alertmanager
// was not answered), the store holds exactly what the signals make: one incident, every alert on one
// entry. On the embedded store and on MongoDB (FerretDB).
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { project } from '../../src/domain/engine.ts';
import type { Signal } from '../../src/domain/signal.ts';
import { IngestPipeline } from '../../src/ingest/pipeline.ts';
import type { Broadcaster } from '../../src/ingest/pipeline.ts';
import { alertmanagerWebhookSchema, alertmanagerWebhookToSignals, alertSignalId, DEFAULT_ALERT_SERVICE_MAPPING } from '../../src/sources/alertmanager/normalize.ts';
import { MongoStore } from '../../src/store/mongo/store.ts';
import { SqliteStore } from '../../src/store/sqlite/store.ts';
import type { Store } from '../../src/store/types.ts';
import { describeWith, requireComponent } from '../harness/components.ts';
import { probeFerretDb, startFerretDb } from '../harness/ferretdb.ts';
import type { FerretDb } from '../harness/ferretdb.ts';
import { alertBatches } from './fault-support.ts';

const silent = pino({ level: 'silent' });
const nobody: Broadcaster = { incidentUpsert() {}, incidentRemove() {}, timelineAppend() {}, timelineRemove() {} };
const OPTIONS = { quietPeriodMs: 3_600_000, defaultHost: 'local' };

class Killed extends Error {}

/** Two notifications of one service, 50 alerts each, the second one's alerts later than the first's. */
function notifications(): [Signal[], Signal[]] {
  const batches = alertBatches({
    count: 100, size: 50, services: 1, tag: randomBytes(3).toString('hex'), startMs: Date.now() - 60_000,
    ids: (fingerprint, startsAt) => alertSignalId(fingerprint, startsAt, 'firing'),
  });
  const [first, second] = batches.map((b) => alertmanagerWebhookToSignals(alertmanagerWebhookSchema.parse(b.body), 'alertmanager', DEFAULT_ALERT_SERVICE_MAPPING));
  if (first === undefined || second === undefined) throw new Error('two notifications expected');
  return [first, second];
}

async function everything(store: Store) {
  const incidents = (await store.incidents.list({ status: 'all', limit: 100 })).items;
  const timelines: Record<string, unknown[]> = {};
  const carried = new Map<string, number>();
  for (const incident of incidents) {
    const timeline = await store.timeline.forIncident(incident.id);
    timelines[incident.id] = timeline.map((e) => `${e.at} ${e.kind} ${e.message}`);
    for (const e of timeline) {
      const signals = (e.data as { signals?: Array<{ id: string }> }).signals ?? [];
      for (const s of signals) carried.set(s.id, (carried.get(s.id) ?? 0) + 1);
    }
  }
  return { incidents, timelines, carried };
}

interface Data {
  open(fault?: () => void): Store;
  cleanup(): Promise<void>;
}

function crashSuite(makeData: () => Data): void {
  async function run(k: number): Promise<{ points: number; killed: boolean }> {
    const data = makeData();
    const opened: Store[] = [];
    const open = async (fault?: () => void) => {
      const store = data.open(fault);
      opened.push(store);
      await store.init();
      return store;
    };
    try {
      const [earlier, later] = notifications();
      let calls = 0;
      let armed = false;
      const store = await open(() => {
        if (!armed) return;
        calls += 1;
        if (calls === k) throw new Killed(`killed at write ${k}`);
      });
      const first = new IngestPipeline({ store, broadcast: nobody, logger: silent, options: OPTIONS });
      await first.start();
      await first.ingest(later);
      armed = true;
      let killed = false;
      try {
        await first.ingest(earlier);
      } catch (err) {
        if (!(err instanceof Killed)) throw err;
        killed = true;
      }
      armed = false;
      await first.stop();
      // Vigil starts again on the same data; Alertmanager re-delivers what was not answered.
      const again = await open();
      const second = new IngestPipeline({ store: again, broadcast: nobody, logger: silent, options: OPTIONS });
      await second.start();
      await second.ingest(earlier);
      await second.ingest(later);
      await second.stop();
      const got = await everything(again);
      const all = [...earlier, ...later];
      const expected = project(all.map((s) => ({ ...s, receivedAt: s.receivedAt ?? new Date().toISOString() })), OPTIONS);
      expect(got.incidents.map((i) => i.id), `killed at write ${k}`).toEqual(expected.incidents.map((i) => i.id));
      expect(Object.keys(got.timelines)).toEqual(Object.keys(expected.timelines));
      const twice = all.filter((s) => got.carried.get(s.id) !== 1).map((s) => `${s.id}×${got.carried.get(s.id) ?? 0}`);
      expect(twice, `killed at write ${k}: alerts not on exactly one entry`).toEqual([]);
      expect(await again.signals.count()).toBe(100);
      return { points: calls, killed };
    } finally {
      await Promise.all(opened.map((s) => s.close().catch(() => undefined)));
      await data.cleanup();
    }
  }

  test('killed at every write of the merging commit, started again: one incident, each alert on one entry', async () => {
    const probe = await run(Number.POSITIVE_INFINITY);
    expect(probe.killed).toBe(false);
    // The merging commit writes 50 signals, removes 50 entries and an incident, writes one and 100 entries.
    expect(probe.points).toBeGreaterThan(2);
    for (let k = 1; k <= probe.points; k += 1) expect((await run(k)).killed).toBe(true);
  }, 300_000);
}

describe('embedded store', () => {
  crashSuite(() => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-ingest-crash-'));
    return {
      open: (fault) => new SqliteStore(dir, fault ? { beforeCommitWrite: fault } : {}),
      cleanup: async () => fs.rmSync(dir, { recursive: true, force: true }),
    };
  });
});

const ferretBinary = await requireComponent('FerretDB', probeFerretDb);

describeWith(ferretBinary, 'MongoDB store (FerretDB)', (binary) => {
  let ferret: FerretDb;
  beforeAll(async () => {
    ferret = await startFerretDb(binary);
  });
  afterAll(async () => {
    await ferret?.stop();
  });
  crashSuite(() => {
    const url = `${ferret.url}vigil_crash_${randomBytes(4).toString('hex')}`;
    return {
      open: (fault) => new MongoStore(url, fault ? { afterCommitStep: fault } : {}),
      cleanup: async () => undefined,
    };
  });
});
