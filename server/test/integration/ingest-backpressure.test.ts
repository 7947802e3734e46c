// Back-pressure, not memory: when the store cannot keep up, the sources that can wait are made to.
// (1) A real Vigil on MongoDB (FerretDB) whose store is frozen (SIGSTOP) answers the Alertmanager
// webhook 503 ingest_busy with Retry-After once INGEST_MAX_BACKLOG signals wait, acknowledges
// nothing it has not stored, and once the store answers again takes every retried notification:
// each alert stored once and on one timeline entry. (2) A Docker watcher on the real daemon whose
// commits are held stops reading its /events stream at its queue bound, and once released hands on
// every event of the test's containers, once each and in the daemon's order.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Dockerode from 'dockerode';
import { expect, test } from 'vitest';
import type { Signal } from '../../src/domain/index.ts';
import type { IngestOptions, SignalSink } from '../../src/ingest/pipeline.ts';
import { createLogger } from '../../src/logger.ts';
import { alertSignalId } from '../../src/sources/alertmanager/normalize.ts';
import { DockerWatcher } from '../../src/sources/docker/watcher.ts';
import { StatusBoard } from '../../src/status.ts';
import { createStore } from '../../src/store/index.ts';
import { BASE_IMAGE, ensureBaseImage } from '../harness/base-image.ts';
import { describeWith, requireComponent } from '../harness/components.ts';
import { docker, ensureDockerDaemon } from '../harness/docker.ts';
import { probeFerretDb } from '../harness/ferretdb.ts';
import { freePort } from '../harness/ports.ts';
import { trackContainer } from '../harness/resources.ts';
import {
  AlertSender, alertBatches, signalsOnTimelines, startRestartableFerretDb, startVigilProcess, storedSignalIds, WEBHOOK_ROUTE, WEBHOOK_TOKEN,
} from './fault-support.ts';

const ferret = await requireComponent('FerretDB', probeFerretDb);
const daemon = await requireComponent('Docker', async () => {
  const d = await ensureDockerDaemon();
  await ensureBaseImage();
  return d;
});

async function until<T>(what: string, timeoutMs: number, probe: () => T | undefined | false | Promise<T | undefined | false>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describeWith(ferret, 'webhook back-pressure with the store frozen (FerretDB SIGSTOPped)', () => {
  test('503 ingest_busy past INGEST_MAX_BACKLOG, nothing acknowledged unstored, every retried alert stored once', async () => {
    const db = await startRestartableFerretDb();
    const mongodbUrl = `${db.url}vigil_backpressure_${randomBytes(4).toString('hex')}`;
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-backpressure-'));
    const tag = randomBytes(3).toString('hex');
    const batches = alertBatches({
      count: 3_000, size: 100, services: 6, tag, startMs: Date.now() - 60_000,
      ids: (fingerprint, startsAt) => alertSignalId(fingerprint, startsAt, 'firing'),
    });
    const everyId = batches.flatMap((b) => b.ids);
    let sender: AlertSender | undefined;
    const up = await startVigilProcess({
      MONGODB_URL: mongodbUrl, PORT: String(await freePort()), DATA_DIR: dataDir, INGEST_MAX_BACKLOG: '500',
      QUIET_PERIOD_SECONDS: '3600', LOG_LEVEL: 'error', DOCKER_HOSTS: `unix://${path.join(dataDir, 'no-docker.sock')}`,
    });
    const store = await createStore({ dataDir: os.tmpdir(), mongodbUrl });
    try {
      await until('the store ready', 20_000, async () => {
        const res = await fetch(`${up.url}/readyz`);
        return res.ok && ((await res.json()) as { store?: { state?: string } }).store?.state === 'up';
      });
      db.freeze();
      // All 30 notifications at once: 500 alerts fill the backlog while the store does not answer.
      sender = new AlertSender(() => up.url, batches, batches.length, { retryMs: 50 });
      const refusals = () => sender?.attempts.filter((a) => a.status === 503).length ?? 0;
      await until('503 answers while the store is frozen', 30_000, () => refusals() >= 25);
      expect(sender.acked.size, 'a notification acknowledged while its alerts could not be stored').toBe(0);
      expect(sender.attempts.filter((a) => a.status !== 503), 'only refusals come back while the store is frozen').toEqual([]);

      const probe = await fetch(up.url + WEBHOOK_ROUTE, {
        method: 'POST', body: JSON.stringify(batches[0]?.body), signal: AbortSignal.timeout(10_000),
        headers: { 'content-type': 'application/json', authorization: `Bearer ${WEBHOOK_TOKEN}` },
      });
      expect(probe.status).toBe(503);
      expect(probe.headers.get('retry-after')).toMatch(/^[1-9]\d*$/);
      const refused = (await probe.json()) as { error: { code: string; message: string } };
      expect(refused.error.code).toBe('ingest_busy');
      expect(refused.error.message).toMatch(/nothing was stored/);

      db.thaw();
      await sender.done;
      expect(sender.acked.size).toBe(batches.length);
      const metrics = await (await fetch(`${up.url}/metrics`)).text();
      const busy = Number(/^vigil_alertmanager_webhook_busy_total (\d+)/m.exec(metrics)?.[1]);
      expect(busy).toBeGreaterThanOrEqual(refusals() + 1);

      await store.init();
      const stored = await storedSignalIds(store);
      expect(stored.length).toBe(everyId.length);
      expect(new Set(stored)).toEqual(new Set(everyId));
      const onTimelines = await signalsOnTimelines(store);
      expect(everyId.filter((id) => onTimelines.get(id) !== 1), 'alerts not on exactly one timeline entry').toEqual([]);
    } finally {
      sender?.stop();
      db.thaw();
      await up.proc.stop();
      await store.close().catch(() => undefined);
      await db.stop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  }, 180_000);
});

/** A sink whose commits wait until released; records what it was handed, in order. */
class HeldSink implements SignalSink {
  readonly handed: Signal[] = [];
  private release: (() => void) | undefined;
  private gate: Promise<void> | undefined = new Promise((resolve) => { this.release = resolve; });

  async ingest(signals: Signal[], _options?: IngestOptions): Promise<Signal[]> {
    await this.gate;
    this.handed.push(...signals);
    return signals;
  }

  open(): void {
    this.gate = undefined;
    this.release?.();
  }
}

describeWith(daemon, 'Docker watcher back-pressure on the real daemon', ({ endpoint }) => {
  test('stops reading at its queue bound while storing is held, then hands on every event once, in order', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-watcher-bp-'));
    const store = await createStore({ dataDir });
    await store.init();
    const sink = new HeldSink();
    const socketPath = endpoint.replace(/^unix:\/\//, '');
    const watcher = new DockerWatcher({
      endpoint, docker: new Dockerode(endpoint.startsWith('unix://') ? { socketPath } : { host: endpoint }),
      store, sink, status: new StatusBoard(), logger: createLogger('silent'),
      hooks: { received: () => undefined, connected: async () => [] },
      ready: async () => undefined, queueBounds: { high: 6, low: 2 },
    });
    const tag = `bp-${randomBytes(4).toString('hex')}`;
    let maxQueued = 0;
    const sampler = setInterval(() => { maxQueued = Math.max(maxQueued, watcher.queued); }, 2);
    try {
      watcher.start();
      await until('the watcher connected', 20_000, () => watcher.connected);
      const since = Math.floor(Date.now() / 1000) - 1;
      // 40 create + destroy pairs: 80 events of the test's own, far past the bound of 6.
      for (let i = 0; i < 40; i += 1) {
        const id = await docker(['create', '--label', 'vigil.test=1', '--label', `vigil.bp=${tag}`, '--network', 'none', BASE_IMAGE, 'true']);
        trackContainer(id);
        await docker(['rm', id]);
      }
      await until('the stream paused', 20_000, () => watcher.streamPaused);
      expect(sink.handed, 'nothing is stored while the sink is held').toEqual([]);
      // The daemon's own account of the test's events (after they happened, independent of the watcher).
      const until_ = Math.floor(Date.now() / 1000) + 1;
      const listed = (await docker(['events', '--since', String(since), '--until', String(until_), '--filter', `label=vigil.bp=${tag}`, '--format', '{{json .}}']))
        .split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as { Action: string; Actor: { ID: string }; timeNano: number })
        .filter((e) => e.Action === 'create' || e.Action === 'destroy');
      expect(listed.length).toBe(80);
      expect(maxQueued, 'the queue grew past its bound: the stream was not paused').toBeLessThanOrEqual(6 + 4);

      sink.open();
      const ours = new Set(listed.map((e) => e.Actor.ID));
      const mine = () => sink.handed.filter((s) => s.container !== undefined && ours.has(s.container));
      await until('every event of the test handed on', 30_000, () => mine().length >= 80);
      const handed = mine().map((s) => `${s.container}:${s.kind}`);
      const expected = listed.map((e) => `${e.Actor.ID}:${e.Action === 'create' ? 'container.create' : 'container.destroy'}`);
      expect(new Set(handed).size, 'an event handed on twice').toBe(handed.length);
      expect(handed).toEqual(expected);
      expect(watcher.streamPaused).toBe(false);
    } finally {
      clearInterval(sampler);
      await watcher.close();
      await store.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  }, 120_000);
});
