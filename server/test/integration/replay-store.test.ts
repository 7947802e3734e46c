// What GET /api/incidents/:id/replay reads, on both stores (SQLite, and MongoDB on a real FerretDB):
// the window's signals of the service on every host, each container's latest before the window,
// nothing of other services or after the window, and the 5,000 cap with its truncated flag.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Signal } from '../../src/domain/signal.ts';
import { incidentReplay, REPLAY_LIMIT } from '../../src/services/replay.ts';
import { MongoStore } from '../../src/store/mongo/store.ts';
import { SqliteStore } from '../../src/store/sqlite/store.ts';
import type { Store } from '../../src/store/types.ts';
import { describeWith, requireComponent } from '../harness/components.ts';
import { probeFerretDb, startFerretDb, type FerretDb } from '../harness/ferretdb.ts';
import { incident } from './store-contract.ts';

const OPENED = '2026-11-24T09:30:00.000Z';
const min = (m: number): string => new Date(Date.parse(OPENED) + m * 60_000).toISOString();

function sig(id: string, at: string, kind: string, over: Partial<Signal> = {}): Signal {
  return { id, source: 'docker', host: 'local', at, kind, service: 'backend', container: 'c-a', attributes: { name: 'backend-a' }, raw: null, ...over };
}

function replayContract(name: string, open: () => Promise<Store>): void {
  describe(`replay reads: ${name}`, () => {
    it('answers the window on every host, each container\'s latest before it, nothing else', async () => {
      const store = await open();
      await store.incidents.upsert(incident('inc-r', OPENED, { status: 'resolved', resolvedAt: min(5) }));
      await store.signals.insertMany([
        // Long before the window: only the latest three of each container come back.
        sig('old-1', min(-60), 'container.create'), sig('old-2', min(-59), 'container.start'),
        sig('old-3', min(-40), 'container.health_status.healthy'), sig('old-4', min(-30), 'container.health_status.healthy'),
        sig('old-5', min(-20), 'container.health_status.healthy'),
        sig('calm-start', min(-50), 'container.start', { container: 'c-calm', host: 'remote', attributes: { name: 'backend-b' } }),
        // Older than the lookback (7 days before the window): not looked at.
        sig('ancient', min(-10 - 7 * 24 * 60 - 1), 'container.start', { container: 'c-gone', attributes: { name: 'backend-gone' } }),
        // In the window, on two hosts.
        sig('kill', min(0), 'container.kill'), sig('die', min(0.01), 'container.die'),
        sig('alert', min(0.5), 'alert.firing', { source: 'alertmanager', host: 'am', container: undefined, attributes: { fingerprint: 'f1', alertname: 'Down' } } as Partial<Signal>),
        sig('far-die', min(1), 'container.die', { container: 'c-far', host: 'remote' }),
        sig('start', min(2), 'container.start'),
        // Another service, and after the window: never.
        sig('other', min(1), 'container.die', { service: 'frontend', container: 'c-f' }),
        sig('late', min(16), 'container.start'),
      ]);
      const answer = await incidentReplay(store, 'inc-r', new Date(min(60)));
      expect(answer).toMatchObject({ incidentId: 'inc-r', service: 'backend', from: min(-10), to: min(15), truncated: false, limit: REPLAY_LIMIT });
      expect(answer.signals.map((s) => s.id)).toEqual(['calm-start', 'old-3', 'old-4', 'old-5', 'kill', 'die', 'alert', 'far-die', 'start']);
      expect(answer.signals.find((s) => s.id === 'far-die')).toMatchObject({ host: 'remote', container: 'c-far', kind: 'container.die' });
      expect(answer.signals.every((s) => typeof s.receivedAt === 'string' && !('raw' in s))).toBe(true);
      await expect(incidentReplay(store, 'inc-none', new Date())).rejects.toMatchObject({ status: 404, code: 'not_found' });
    });

    it('holds at most 5,000 signals and says it left some out', async () => {
      const store = await open();
      await store.incidents.upsert(incident('inc-big', OPENED));
      const many = Array.from({ length: REPLAY_LIMIT + 3 }, (_, i) => sig(`s${String(i).padStart(5, '0')}`, new Date(Date.parse(OPENED) + i * 10).toISOString(), 'container.health_status.healthy'));
      await store.signals.insertMany(many);
      const answer = await incidentReplay(store, 'inc-big', new Date(min(5)));
      expect(answer.truncated).toBe(true);
      expect(answer.signals).toHaveLength(REPLAY_LIMIT);
      // The earliest are the ones left out.
      expect(answer.signals[0]?.id).toBe('s00003');
      expect(answer.signals.at(-1)?.id).toBe(`s${String(REPLAY_LIMIT + 2).padStart(5, '0')}`);
    });
  });
}

const opened: Store[] = [];
afterAll(async () => { await Promise.all(opened.map((s) => s.close())); });

const root = mkdtempSync(path.join(os.tmpdir(), 'vigil-replay-store-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let dirs = 0;
replayContract('embedded (SQLite)', async () => {
  const store = new SqliteStore(path.join(root, `run-${++dirs}`));
  opened.push(store);
  await store.init();
  return store;
});

const ferretBinary = await requireComponent('FerretDB', probeFerretDb);
describeWith(ferretBinary, 'on FerretDB', (binary) => {
  let ferret: FerretDb;
  let databases = 0;
  const runId = randomBytes(3).toString('hex');
  beforeAll(async () => { ferret = await startFerretDb(binary); });
  afterAll(async () => {
    await Promise.all(opened.splice(0).map((s) => s.close()));
    await ferret?.stop();
  });
  replayContract('MongoDB (FerretDB)', async () => {
    const store = new MongoStore(`${ferret.url}vigil_replay_${runId}_${++databases}`);
    opened.push(store);
    await store.init();
    return store;
  });
});
