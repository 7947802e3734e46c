// Signals through the real ingestion path (IngestPipeline: new signals stored, the engine's decisions
// stored with them in one commit) on each store: the embedded SQLite file, and MongoDB as FerretDB on
// its SQLite and on its PostgreSQL backend. First many services are opened (an alert each), so what is
// measured is the late phase of a storm; then Docker events run through Docker's own normalizer:
// kill, die and start cycles over more services.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { randomBytes } from 'node:crypto';
import { IngestPipeline, type Broadcaster } from '../../server/src/ingest/pipeline.ts';
import { createLogger } from '../../server/src/logger.ts';
import { dockerEventToSignal } from '../../server/src/sources/docker/normalize.ts';
import type { Signal } from '../../server/src/domain/signal.ts';
import { createStore } from '../../server/src/store/index.ts';
import type { Store } from '../../server/src/store/types.ts';
import { startFerretDb, type FerretBackend, type FerretDb } from '../../server/test/harness/ferretdb.ts';
import { startPostgres, type Postgres } from './postgres.ts';
import { row, summarize, type Row } from './stats.ts';

const THROUGHPUT_GOAL = 20_000;
const HOST = 'unix:///var/run/docker.sock';

/**
 * Docker's kill → die → start cycle for one service after another, 20 µs apart, as the normalizer
 * makes them; about ten cycles per service (one container each), so incidents keep a realistic size.
 */
export function dockerSignals(count: number): Signal[] {
  const services = Math.max(10, Math.round(count / 30));
  const containers = Array.from({ length: services }, () => randomBytes(32).toString('hex'));
  const base = BigInt(Date.now()) * 1_000_000n;
  const steps = [
    { Action: 'kill', extra: { signal: '9' } },
    { Action: 'die', extra: { exitCode: '137' } },
    { Action: 'start', extra: {} },
  ];
  const out: Signal[] = [];
  for (let i = 0; out.length < count; i += 1) {
    const service = Math.floor(i / steps.length) % services;
    const step = steps[i % steps.length] as typeof steps[number];
    const nanos = base + BigInt(i) * 20_000n;
    const signal = dockerEventToSignal({
      Type: 'container',
      Action: step.Action,
      Actor: { ID: containers[service], Attributes: { name: `bench-svc-${service}`, image: 'bench:1', ...step.extra } },
      time: Number(nanos / 1_000_000_000n),
      timeNano: nanos.toString(),
    }, HOST);
    if (!signal) throw new Error('the Docker normalizer refused a synthetic event');
    out.push(signal);
  }
  return out;
}

/** One firing alert for each of `count` services: each opens an incident that stays open. */
export function openServices(count: number, tag: string): Signal[] {
  const at = new Date(Date.now() - 60_000).toISOString();
  return Array.from({ length: count }, (_, i): Signal => {
    const service = `open-${tag}-${i}`;
    return {
      id: `open-${tag}-${i}`, source: 'alertmanager', host: 'alertmanager', at, kind: 'alert.firing', service,
      attributes: { fingerprint: `${tag}${i}`, alertname: 'BenchOpen', severity: 'warning', labels: { alertname: 'BenchOpen', service }, summary: 'kept open' },
      raw: null,
    };
  });
}

const silentBroadcast: Broadcaster = {
  incidentUpsert: () => undefined,
  incidentRemove: () => undefined,
  timelineAppend: () => undefined,
  timelineRemove: () => undefined,
};

interface Phase {
  signalsPerSecond: number;
  latencyMs: number[];
}

/** `inFlight` producers, each handing `batch` signals at a time to the pipeline and awaiting it. */
async function drive(pipeline: IngestPipeline, signals: Signal[], batch: number, inFlight: number): Promise<Phase> {
  const batches: Signal[][] = [];
  for (let i = 0; i < signals.length; i += batch) batches.push(signals.slice(i, i + batch));
  const latencyMs: number[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(Array.from({ length: inFlight }, async () => {
    while (next < batches.length) {
      const b = batches[next++] as Signal[];
      const t0 = performance.now();
      await pipeline.ingest(b);
      latencyMs.push(performance.now() - t0);
    }
  }));
  const seconds = (performance.now() - started) / 1000;
  return { signalsPerSecond: signals.length / seconds, latencyMs };
}

async function benchStore(label: string, store: Store, count: number, servicesOpen: number): Promise<Row[]> {
  await store.init();
  const pipeline = new IngestPipeline({ store, broadcast: silentBroadcast, logger: createLogger('silent') });
  try {
    await pipeline.start();
    const opening = openServices(servicesOpen, randomBytes(3).toString('hex'));
    for (let i = 0; i < opening.length; i += 500) await pipeline.ingest(opening.slice(i, i + 500));
    const latencyCount = Math.min(2_000, Math.max(200, Math.round(count / 10)));
    const all = dockerSignals(500 + latencyCount + count * 2);
    let at = 0;
    const take = (n: number) => all.slice(at, (at += n));
    await drive(pipeline, take(500), 1, 1); // warm-up: JIT, statement caches, first incidents
    const one = await drive(pipeline, take(latencyCount), 1, 1);
    const single = await drive(pipeline, take(count), 1, 64);
    const batched = await drive(pipeline, take(count), 100, 4);
    const stored = await store.signals.count();
    if (stored !== all.length + opening.length) throw new Error(`${label}: ${stored} signals stored, ${all.length + opening.length} ingested`);
    const open = `${servicesOpen.toLocaleString('en-US')} services already open, ${pipeline.servicesInMemory.toLocaleString('en-US')} in the engine at the end`;
    const l1 = summarize(one.latencyMs);
    const ls = summarize(single.latencyMs);
    const lb = summarize(batched.latencyMs);
    const goal = { kind: 'min' as const, value: THROUGHPUT_GOAL };
    return [
      row('ingest', `ingest ${label}: throughput, 1 signal per call`, Math.round(single.signalsPerSecond), 'signals/s', goal,
        `${label}: ${count.toLocaleString('en-US')} signals, 64 calls in flight (how single alerts and Docker events arrive under load), ${open}`, { latencyMs: single.latencyMs }),
      row('ingest', `ingest ${label}: call latency p99 at 64 in flight`, ls.p99, 'ms', label === 'embedded' ? { kind: 'max', value: 50 } : undefined,
        `${label}: ingest() call → its commit stored, 1 signal per call, 64 in flight (p50 ${ls.p50} ms)`),
      row('ingest', `ingest ${label}: throughput, 100 signals per call`, Math.round(batched.signalsPerSecond), 'signals/s', goal,
        `${label}: ${count.toLocaleString('en-US')} signals, 4 calls in flight (the Docker watcher batches what queued meanwhile; a webhook carries a group); call p99 ${lb.p99} ms`, { latencyMs: batched.latencyMs }),
      row('ingest', `ingest ${label}: commit latency p50`, l1.p50, 'ms', undefined, `${label}: ${l1.n} signals one at a time: ingest() call → stored, engine applied, decisions stored`),
      row('ingest', `ingest ${label}: commit latency p99`, l1.p99, 'ms', undefined, `${label}: ${l1.n} signals one at a time: ingest() call → stored, engine applied, decisions stored`, { latencyMs: one.latencyMs }),
    ];
  } finally {
    await pipeline.stop();
    await store.close();
  }
}

export async function ingestBench(options: { signals: number; mongoSignals: number; servicesOpen: number; mongoServicesOpen: number; logDir: string }): Promise<Row[]> {
  const rows: Row[] = [];
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-bench-ingest-'));
  try {
    rows.push(...await benchStore('embedded', await createStore({ dataDir: dir }), options.signals, options.servicesOpen));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  const backends: Array<{ label: string; start: () => Promise<{ backend: FerretBackend; stop: () => Promise<void> }> }> = [
    { label: 'MongoDB (FerretDB/SQLite)', start: async () => ({ backend: { handler: 'sqlite' }, stop: async () => undefined }) },
    {
      label: 'MongoDB (FerretDB/PostgreSQL)',
      start: async () => {
        const pg: Postgres = await startPostgres();
        return { backend: { handler: 'postgresql', url: pg.url }, stop: () => pg.stop() };
      },
    },
  ];
  for (const b of backends) {
    let ferret: FerretDb | undefined;
    let backing: { stop: () => Promise<void> } | undefined;
    try {
      const started = await b.start();
      backing = started;
      ferret = await startFerretDb(undefined, started.backend);
      rows.push(...await benchStore(b.label, await createStore({ dataDir: dir, mongodbUrl: `${ferret.url}vigil_bench` }), options.mongoSignals, options.mongoServicesOpen));
    } catch (err) {
      rows.push({ bench: 'ingest', metric: `ingest ${b.label} (did not run)`, value: Number.NaN, unit: '', verdict: 'FAIL', note: err instanceof Error ? err.message.split('\n')[0] : String(err) });
    } finally {
      await ferret?.stop();
      await backing?.stop();
    }
  }
  return rows;
}
