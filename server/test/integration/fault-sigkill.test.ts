// Fault: Vigil SIGKILLed in the middle of a burst of 10,000 alerts delivered by Alertmanager-like
// senders (several notifications in flight, each retried until answered 200), then started again.
// What it acknowledged before the kill is in the store at the moment it died; once every
// notification is acknowledged, each of the 10,000 alerts is stored once and on a timeline once.
// On the embedded store and on MongoDB (FerretDB).
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, test } from 'vitest';
import { alertSignalId } from '../../src/sources/alertmanager/normalize.ts';
import { createStore } from '../../src/store/index.ts';
import type { Store } from '../../src/store/types.ts';
import { describeWith, requireComponent } from '../harness/components.ts';
import { probeFerretDb, startFerretDb } from '../harness/ferretdb.ts';
import { freePort } from '../harness/ports.ts';
import type { TrackedProcess } from '../harness/resources.ts';
import { alertBatches, AlertSender, signalsOnTimelines, startVigilProcess, storedSignalIds } from './fault-support.ts';

const SIGNALS = 10_000;
const PER_NOTIFICATION = 50;
const SERVICES = 40;
const IN_FLIGHT = 8;
/** Killed once this many notifications are acknowledged: well inside the burst. */
const KILL_AFTER = 60;

const ferret = await requireComponent('FerretDB', probeFerretDb);

async function burstKillRestart(storeEnv: Record<string, string>, openStore: (dataDir: string) => Store): Promise<void> {
  const tag = randomBytes(3).toString('hex');
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-fault-kill-'));
  const env = {
    ...storeEnv, PORT: String(await freePort()), DATA_DIR: dataDir, QUIET_PERIOD_SECONDS: '3600', LOG_LEVEL: 'error',
    // No Docker here: the alerts are the only signals.
    DOCKER_HOSTS: `unix://${path.join(dataDir, 'no-docker.sock')}`,
  };
  const batches = alertBatches({
    count: SIGNALS, size: PER_NOTIFICATION, services: SERVICES, tag, startMs: Date.now() - 60_000,
    ids: (fingerprint, startsAt) => alertSignalId(fingerprint, startsAt, 'firing'),
  });
  const everyId = batches.flatMap((b) => b.ids);
  expect(new Set(everyId).size).toBe(SIGNALS);
  const store = openStore(dataDir);
  let first: TrackedProcess | undefined;
  let second: TrackedProcess | undefined;
  let sender: AlertSender | undefined;
  try {
    const up = await startVigilProcess(env);
    first = up.proc;
    const dying = first;
    sender = new AlertSender(() => up.url, batches, IN_FLIGHT);
    let killedWith = -1;
    sender.onAck = (acked) => {
      if (acked >= KILL_AFTER && killedWith < 0) {
        killedWith = acked;
        dying.child.kill('SIGKILL');
      }
    };
    const how = await Promise.race([first.exited, sender.done.then(() => 'the burst ended before the kill')]);
    expect(how).toMatch(/SIGKILL/);

    // Vigil is dead: every notification answered 200 so far must be in its store now.
    const ackedAtKill = [...sender.acked];
    expect(ackedAtKill.length).toBeGreaterThanOrEqual(killedWith);
    await store.init();
    const atKill = new Set(await storedSignalIds(store));
    const lost = ackedAtKill.flatMap((b) => batches[b]?.ids ?? []).filter((id) => !atKill.has(id));
    expect(lost, 'acknowledged before the kill, not in the store').toEqual([]);
    expect(atKill.size, 'the kill came in the middle of the burst').toBeLessThan(SIGNALS);
    const refusedAfterKill = sender.attempts.filter((a) => a.status === 'refused').length;

    const again = await startVigilProcess(env);
    second = again.proc;
    await sender.done;
    expect(sender.acked.size).toBe(batches.length);
    expect(refusedAfterKill + sender.attempts.filter((a) => a.status === 'refused').length, 'notifications in flight at the kill were retried').toBeGreaterThan(0);

    const stored = await storedSignalIds(store);
    expect(stored.length).toBe(SIGNALS);
    expect(new Set(stored)).toEqual(new Set(everyId));
    const onTimelines = await signalsOnTimelines(store);
    const notOnce = everyId.filter((id) => onTimelines.get(id) !== 1).map((id) => `${id}×${onTimelines.get(id) ?? 0}`);
    expect(notOnce, 'alerts not on exactly one timeline entry').toEqual([]);
    expect(onTimelines.size).toBe(SIGNALS);
    // One incident per service, none opened twice by the restart.
    const incidents = await store.incidents.list({ status: 'all', limit: 1_000 });
    expect(incidents.items.map((i) => i.service).sort()).toEqual([...new Set(batches.map((b) => b.service))].sort());
  } finally {
    sender?.stop();
    await first?.stop();
    await second?.stop();
    await store.close().catch(() => undefined);
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

test('embedded store: SIGKILL during a burst of 10,000 alerts, restart: none lost, none twice', async () => {
  await burstKillRestart({}, (dataDir) => createStore({ dataDir }));
}, 120_000);

describeWith(ferret, 'MongoDB store (FerretDB)', (binary) => {
  test('SIGKILL during a burst of 10,000 alerts, restart: none lost, none twice', async () => {
    const db = await startFerretDb(binary);
    const url = `${db.url}vigil_fault_kill_${randomBytes(4).toString('hex')}`;
    try {
      await burstKillRestart({ MONGODB_URL: url }, () => createStore({ dataDir: os.tmpdir(), mongodbUrl: url }));
    } finally {
      await db.stop();
    }
  }, 180_000);
});
