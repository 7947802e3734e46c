// Fault: Vigil SIGKILLed again and again in the middle of a burst of 10,000 alerts (4,000 on FerretDB) delivered by
// Alertmanager-like senders (several notifications in flight, each retried until answered 200), and
// started again each time. The kills land at 20 points drawn from a seed (printed, and given back by
// VIGIL_FAULT_SEED to replay a run): after each ack count, a random few milliseconds more, so they
// fall inside commits as well as between them. What Vigil acknowledged before a kill is in the store
// at the moment it died; once every notification is acknowledged, each alert is stored once and on a
// timeline once, and each service has one incident. On the embedded store and on MongoDB (FerretDB).
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { expect, test } from 'vitest';
import { alertSignalId } from '../../src/sources/alertmanager/normalize.ts';
import { createStore } from '../../src/store/index.ts';
import type { Store } from '../../src/store/types.ts';
import { describeWith, requireComponent } from '../harness/components.ts';
import { probeFerretDb, startFerretDb } from '../harness/ferretdb.ts';
import { freePort } from '../harness/ports.ts';
import type { TrackedProcess } from '../harness/resources.ts';
import { alertBatches, AlertSender, queueDrained, signalsOnTimelines, startVigilProcess, storedSignalIds } from './fault-support.ts';

const SIGNALS = 10_000;
/**
 * On FerretDB 1.24 (SQLite backend) every query other than by _id reads the whole collection, so a
 * burst costs O(n²) there: 10,000 alerts took 340 s of a 400 s budget on a loaded machine. The burst
 * is smaller, the kills as many (20, inside commits as well as between them).
 */
const FERRET_SIGNALS = 4_000;
const PER_NOTIFICATION = 50;
const SERVICES = 40;
const IN_FLIGHT = 8;
const KILLS = 20;

const ferret = await requireComponent('FerretDB', probeFerretDb);

/** 20 kill points: after which ack (increasing, inside the burst) and how many ms after it. */
function killPlan(seed: number, notifications: number): Array<{ afterAck: number; delayMs: number }> {
  const [acks, delays] = fc.sample(fc.tuple(
    fc.uniqueArray(fc.integer({ min: 1, max: notifications - 10 }), { minLength: KILLS, maxLength: KILLS }),
    fc.array(fc.integer({ min: 0, max: 40 }), { minLength: KILLS, maxLength: KILLS }),
  ), { seed, numRuns: 1 })[0] ?? [[], []];
  return acks.sort((a, b) => a - b).map((afterAck, i) => ({ afterAck, delayMs: delays[i] ?? 0 }));
}

async function burstWithKills(storeEnv: Record<string, string>, openStore: (dataDir: string) => Promise<Store>, signals = SIGNALS): Promise<void> {
  const seed = process.env['VIGIL_FAULT_SEED'] ? Number(process.env['VIGIL_FAULT_SEED']) : Date.now() % 2 ** 31;
  const say = `seed ${seed} (VIGIL_FAULT_SEED=${seed} replays it)`;
  const tag = randomBytes(3).toString('hex');
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-fault-kill-'));
  const env = {
    ...storeEnv, PORT: String(await freePort()), DATA_DIR: dataDir, QUIET_PERIOD_SECONDS: '3600', LOG_LEVEL: 'error',
    // No Docker here: the alerts are the only signals.
    DOCKER_HOSTS: `unix://${path.join(dataDir, 'no-docker.sock')}`,
  };
  const batches = alertBatches({
    count: signals, size: PER_NOTIFICATION, services: SERVICES, tag, startMs: Date.now() - 60_000,
    ids: (fingerprint, startsAt) => alertSignalId(fingerprint, startsAt, 'firing'),
  });
  const everyId = batches.flatMap((b) => b.ids);
  expect(new Set(everyId).size).toBe(signals);
  const plan = killPlan(seed, batches.length);
  const store = await openStore(dataDir);
  const procs: TrackedProcess[] = [];
  let sender: AlertSender | undefined;
  try {
    let up = await startVigilProcess(env);
    procs.push(up.proc);
    sender = new AlertSender(() => up.url, batches, IN_FLIGHT);
    const acks = sender.acked;
    let storeOpen = false;
    for (const [i, point] of plan.entries()) {
      // Wait for the ack count, then a few ms more, then kill.
      const dying = up.proc;
      await new Promise<void>((resolve) => {
        const check = () => {
          if (acks.size >= point.afterAck) resolve();
          else setTimeout(check, 1);
        };
        check();
      });
      await new Promise((r) => setTimeout(r, point.delayMs));
      const ackedAtKill = [...acks];
      dying.child.kill('SIGKILL');
      expect(await dying.exited, say).toMatch(/SIGKILL/);
      // Vigil is dead: every notification answered 200 so far must be in its store now.
      if (!storeOpen) {
        await store.init();
        storeOpen = true;
      }
      const atKill = new Set(await storedSignalIds(store));
      const lost = ackedAtKill.flatMap((b) => batches[b]?.ids ?? []).filter((id) => !atKill.has(id));
      expect(lost, `kill ${i + 1} of ${KILLS} (after ack ${point.afterAck} + ${point.delayMs} ms), ${say}: acknowledged, not stored`).toEqual([]);
      up = await startVigilProcess(env);
      procs.push(up.proc);
    }
    await sender.done;
    expect(sender.acked.size, say).toBe(batches.length);
    expect(sender.attempts.filter((a) => a.status === 'refused').length, 'notifications in flight at the kills were retried').toBeGreaterThan(0);

    // The last Vigil leads once the lease of the one killed before it has expired, and applies the queue.
    await queueDrained(store);
    const stored = await storedSignalIds(store);
    expect(stored.length, say).toBe(signals);
    expect(new Set(stored)).toEqual(new Set(everyId));
    const onTimelines = await signalsOnTimelines(store);
    const notOnce = everyId.filter((id) => onTimelines.get(id) !== 1).map((id) => `${id}×${onTimelines.get(id) ?? 0}`);
    expect(notOnce, `alerts not on exactly one timeline entry, ${say}`).toEqual([]);
    expect(onTimelines.size).toBe(signals);
    // One incident per service, none opened twice by the restarts.
    const incidents = await store.incidents.list({ status: 'all', limit: 1_000 });
    expect(incidents.items.map((i) => i.service).sort(), say).toEqual([...new Set(batches.map((b) => b.service))].sort());
  } finally {
    sender?.stop();
    for (const proc of procs) await proc.stop();
    await store.close().catch(() => undefined);
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

test(`embedded store: ${KILLS} SIGKILLs during a burst of 10,000 alerts, each followed by a restart: none lost, none twice`, async () => {
  await burstWithKills({}, (dataDir) => createStore({ dataDir }));
}, 400_000);

describeWith(ferret, 'MongoDB store (FerretDB)', (binary) => {
  test(`${KILLS} SIGKILLs during a burst of ${FERRET_SIGNALS.toLocaleString('en')} alerts, each followed by a restart: none lost, none twice`, async () => {
    const db = await startFerretDb(binary);
    const url = `${db.url}vigil_fault_kill_${randomBytes(4).toString('hex')}`;
    try {
      await burstWithKills({ MONGODB_URL: url }, () => createStore({ dataDir: os.tmpdir(), mongodbUrl: url }), FERRET_SIGNALS);
    } finally {
      await db.stop();
    }
  }, 400_000);
});
