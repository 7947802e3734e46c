// Shared by the fault-*.test.ts suites: a Vigil run as its own process (so it can be SIGKILLed), a
// sender that delivers Alertmanager webhooks the way Alertmanager does (retry until 2xx), a FerretDB
// that can be stopped and started again on the same port and data, and reading back what a store
// really holds: every signal and how many timeline entries carry it.
import path from 'node:path';
import { ferretDbBinary } from '../harness/ferretdb.ts';
import { freePort, waitForPort } from '../harness/ports.ts';
import { makeTempDir, removeTempDir, startProcess, waitForHttp, type TrackedProcess } from '../harness/resources.ts';
import { NO_DOCKER } from '../harness/vigil.ts';
import type { Store } from '../../src/store/types.ts';

export const WEBHOOK_TOKEN = 'fault-suite-webhook-token-0123456789';
export const WEBHOOK_ROUTE = '/api/webhooks/alertmanager';
const repo = path.resolve(import.meta.dirname, '../../..');

/**
 * `node server/src/main.ts` with this environment; resolves once /readyz answers 200: the store is up
 * and first-start setup (the admin, the webhook token, the engine restored) is done. /healthz answers
 * earlier, and a sign-in sent then gets 503 store_unavailable on a loaded machine.
 */
export async function startVigilProcess(env: Record<string, string>): Promise<{ proc: TrackedProcess; url: string }> {
  const url = `http://127.0.0.1:${env['PORT']}`;
  const proc = startProcess(process.execPath, [path.join(repo, 'server/src/main.ts')], {
    cwd: repo,
    env: { ...process.env, HOST: '127.0.0.1', LOG_LEVEL: 'warn', PROMETHEUS_POLL_SECONDS: '0', PROMETHEUS_URL: 'http://127.0.0.1:9', DOCKER_HOSTS: NO_DOCKER, WEBHOOK_TOKEN, ...env },
  });
  await waitForHttp(`${url}/readyz`, proc, 60_000);
  return { proc, url };
}

export interface AlertBatch {
  /** The webhook body: one Alertmanager group notification. */
  body: Record<string, unknown>;
  /** The ids Vigil gives the alerts of this body (alertSignalId). */
  ids: string[];
  service: string;
}

/**
 * `count` firing alerts in notifications of `size`, numbered from `first`; each group's alerts belong
 * to one service and start a millisecond apart, so a service's alerts are in time order.
 */
export function alertBatches(options: { count: number; size: number; services: number; tag: string; startMs: number; ids: (fingerprint: string, startsAt: string) => string }): AlertBatch[] {
  const batches: AlertBatch[] = [];
  const perService = Math.ceil(options.count / options.size / options.services);
  for (let b = 0; b * options.size < options.count; b += 1) {
    const service = `${options.tag}-svc-${Math.floor(b / perService)}`;
    const alerts = [];
    const ids: string[] = [];
    for (let i = b * options.size; i < Math.min((b + 1) * options.size, options.count); i += 1) {
      const fingerprint = `${options.tag}${i.toString(16).padStart(8, '0')}`;
      const startsAt = new Date(options.startMs + i).toISOString();
      ids.push(options.ids(fingerprint, startsAt));
      alerts.push({
        status: 'firing',
        labels: { alertname: 'FaultBurst', service, instance: `${service}:${i}`, severity: 'warning' },
        annotations: { summary: `alert ${i} of the burst` },
        startsAt,
        endsAt: '0001-01-01T00:00:00Z',
        generatorURL: 'http://prometheus.invalid/graph',
        fingerprint,
      });
    }
    batches.push({
      service, ids,
      body: {
        receiver: 'vigil', status: 'firing', alerts,
        groupLabels: { alertname: 'FaultBurst', service }, commonLabels: { alertname: 'FaultBurst', service },
        commonAnnotations: {}, externalURL: 'http://alertmanager.fault:9093', version: '4',
        groupKey: `{}:{alertname="FaultBurst", service="${service}"}`, truncatedAlerts: 0,
      },
    });
  }
  return batches;
}

export interface Delivery {
  status: number | 'refused';
  startedMs: number;
  endedMs: number;
}

/**
 * Delivers notifications like Alertmanager: each until it is answered 2xx, with a short back-off
 * after a refusal, an error status or a dropped connection. `workers` notifications in flight.
 * A status other than 200 or 503 is a defect and ends the delivery with an error.
 */
export class AlertSender {
  readonly acked = new Set<number>();
  readonly attempts: Array<Delivery & { batch: number }> = [];
  private readonly url: () => string;
  private readonly batches: AlertBatch[];
  private stopped = false;
  readonly done: Promise<void>;
  /** Called after each 200, with the number of notifications acknowledged so far. */
  onAck: (acked: number) => void = () => undefined;

  constructor(url: () => string, batches: AlertBatch[], workers: number, options: { retryMs?: number; spacingMs?: number } = {}) {
    this.url = url;
    this.batches = batches;
    let next = 0;
    const worker = async (): Promise<void> => {
      while (!this.stopped && next < batches.length) {
        const index = next;
        next += 1;
        await this.deliver(index, options.retryMs ?? 100);
        if (options.spacingMs) await new Promise((r) => setTimeout(r, options.spacingMs));
      }
    };
    this.done = Promise.all(Array.from({ length: workers }, worker)).then(() => undefined);
  }

  stop(): void {
    this.stopped = true;
  }

  private async deliver(index: number, retryMs: number): Promise<void> {
    const body = JSON.stringify(this.batches[index]?.body);
    while (!this.stopped) {
      const startedMs = Date.now();
      let status: number | 'refused';
      let text = '';
      try {
        const res = await fetch(this.url() + WEBHOOK_ROUTE, {
          method: 'POST', body, signal: AbortSignal.timeout(60_000),
          headers: { 'content-type': 'application/json', authorization: `Bearer ${WEBHOOK_TOKEN}` },
        });
        status = res.status;
        text = await res.text();
      } catch {
        status = 'refused';
      }
      this.attempts.push({ batch: index, status, startedMs, endedMs: Date.now() });
      if (status === 200) {
        this.acked.add(index);
        this.onAck(this.acked.size);
        return;
      }
      if (status !== 503 && status !== 'refused') throw new Error(`notification ${index} answered ${status}: ${text}`);
      await new Promise((r) => setTimeout(r, retryMs));
    }
  }
}

/** The signal ids on every timeline in the store, with how many entries carry each. */
export async function signalsOnTimelines(store: Store): Promise<Map<string, number>> {
  const seen = new Map<string, number>();
  let cursor: string | undefined;
  do {
    const page = await store.incidents.list({ status: 'all', limit: 200, ...(cursor ? { cursor } : {}) });
    for (const incident of page.items) {
      for (const entry of await store.timeline.forIncident(incident.id)) {
        const data = entry.data as { signals?: Array<{ id: string }> } | null;
        for (const s of data?.signals ?? []) seen.set(s.id, (seen.get(s.id) ?? 0) + 1);
      }
    }
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return seen;
}

/**
 * Every stored signal id: in `signals`, and (MongoDB) in the queue of signals a replica took in while
 * it did not lead — a Vigil restarted after a SIGKILL is a follower until the dead one's lease
 * expires, and stores what it takes in there for the leader to apply. Each id once.
 */
export async function storedSignalIds(store: Store): Promise<string[]> {
  const ids = new Set<string>();
  let after: { at: string; id: string } | null = null;
  for (;;) {
    const page = await store.signals.listAfter(after, 2_000);
    for (const s of page) ids.add(s.id);
    const last = page.at(-1);
    if (page.length < 2_000 || last === undefined) break;
    after = { at: last.at, id: last.id };
  }
  for (const s of await store.cluster?.forwarded(10_000) ?? []) ids.add(s.id);
  return [...ids];
}

/** Resolves once no signal waits in the followers' queue (a leader applied them all); at once on the embedded store. */
export async function queueDrained(store: Store, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while ((await store.cluster?.forwarded(1) ?? []).length > 0) {
    if (Date.now() > deadline) throw new Error(`signals still queued for the leader after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export interface RestartableFerretDb {
  url: string;
  /** SIGTERM and wait: the port refuses connections until start(). */
  stopServer(): Promise<void>;
  /** Again on the same port and data. */
  startServer(): Promise<void>;
  /** SIGSTOP: connections stay open and nothing is answered. */
  freeze(): void;
  /** SIGCONT after freeze(): it answers again, on the same connections. */
  thaw(): void;
  /** SIGKILL (a frozen one too), and wait until it is gone. */
  killServer(): Promise<void>;
  /** Stops it and removes its data. */
  stop(): Promise<void>;
}

/** A FerretDB whose data outlives a stop, unlike the harness's (which removes it on stop). */
export async function startRestartableFerretDb(): Promise<RestartableFerretDb> {
  const binary = ferretDbBinary();
  const dir = makeTempDir('ferretdb-fault');
  const port = await freePort();
  let proc: TrackedProcess | undefined;
  const args = [
    '--handler=sqlite', `--sqlite-url=file:${dir}/`, `--state-dir=${dir}`, `--listen-addr=127.0.0.1:${port}`,
    '--debug-addr=-', '--telemetry=disable', '--log-level=error',
  ];
  const startServer = async (): Promise<void> => {
    proc = startProcess(binary, args);
    const started = proc;
    const early = started.exited.then((how) => { throw new Error(`FerretDB: ${how}\n${started.output()}`); });
    early.catch(() => undefined);
    await Promise.race([waitForPort(port, 20_000), early]);
  };
  const stopServer = async (): Promise<void> => {
    await proc?.stop(5_000);
  };
  await startServer();
  return {
    url: `mongodb://127.0.0.1:${port}/`,
    startServer,
    stopServer,
    freeze: () => { proc?.child.kill('SIGSTOP'); },
    thaw: () => { proc?.child.kill('SIGCONT'); },
    killServer: async () => {
      proc?.child.kill('SIGKILL');
      await proc?.exited;
    },
    stop: async () => {
      await stopServer();
      await removeTempDir(dir);
    },
  };
}
