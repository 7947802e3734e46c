// The incident list and an incident's timeline at size (100k incidents / 1M timeline entries on the
// embedded store; a smaller stated size on MongoDB via FerretDB), read over the real HTTP API of a
// real Vigil, and that Vigil's resident memory once it has served them.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Incident, TimelineEntry } from '../../server/src/contract/index.ts';
import { AuthService } from '../../server/src/auth/service.ts';
import { createLogger } from '../../server/src/logger.ts';
import { createStore } from '../../server/src/store/index.ts';
import type { Store } from '../../server/src/store/types.ts';
import { startFerretDb, type FerretDb } from '../../server/test/harness/ferretdb.ts';
import { NO_DOCKER } from './fanout.ts';
import { row, summarize, type Row } from './stats.ts';
import { ADMIN_PASSWORD, Session, startVigil, type VigilProcess } from './vigil.ts';

const QUERY_GOAL_MS = 20;
const RSS_GOAL_MB = 200;
const SERVICES = 200;
const ACTIVE = 25;
const YEAR_MS = 365 * 86_400_000;

const STEPS = [
  { source: 'docker', kind: 'container.kill', message: (s: string) => `${s} was sent SIGKILL` },
  { source: 'docker', kind: 'container.die', message: (s: string) => `${s} died (exit code 137, SIGKILL)` },
  { source: 'supervisor', kind: 'supervisor.decision', message: (s: string) => `${s} was killed; the supervisor restarts it in 500 ms (attempt 1)` },
  { source: 'supervisor', kind: 'supervisor.restart', message: (s: string) => `supervisor restarted ${s} (attempt 1, next back-off 1 s)` },
  { source: 'docker', kind: 'container.start', message: (s: string) => `${s} started` },
  { source: 'alertmanager', kind: 'alert.firing', message: (s: string) => `BackendDown firing for ${s}: ${s} is down` },
  { source: 'user', kind: 'user.acknowledge', message: () => 'admin acknowledged the incident' },
  { source: 'user', kind: 'user.note', message: () => 'admin: looking into it, the deploy at 03:12 is suspect' },
  { source: 'alertmanager', kind: 'alert.resolved', message: (s: string) => `BackendDown resolved for ${s}` },
  { source: 'system', kind: 'incident.resolved', message: () => 'resolved after 60 s of quiet' },
] as const;

/** `incidents` incidents over the past year, `perIncident` entries each; the newest ACTIVE still open. */
async function fill(store: Store, incidents: number, perIncident: number, inFlight: number): Promise<number> {
  const started = performance.now();
  // The admin Vigil would create at its first start, made here so it can sign in at once.
  await new AuthService(store, { sessionTtlMs: 3_600_000, logger: createLogger('silent') }).ensureAdmin(ADMIN_PASSWORD, () => ADMIN_PASSWORD);
  const now = Date.now();
  const write = async (i: number) => {
    const service = `svc-${i % SERVICES}`;
    const opened = now - YEAR_MS + Math.floor((i / incidents) * (YEAR_MS - 3_600_000));
    const id = `inc_bench_${i.toString(36).padStart(6, '0')}`;
    const active = i >= incidents - ACTIVE;
    const last = opened + (perIncident - 1) * 10_000;
    const incident: Incident = {
      id, title: `${service} is down`, service, host: 'unix:///var/run/docker.sock',
      status: active ? 'open' : 'resolved', severity: i % 7 === 0 ? 'critical' : 'warning',
      openedAt: new Date(opened).toISOString(), lastEventAt: new Date(last).toISOString(),
      ...(active ? {} : { acknowledgedAt: new Date(opened + 60_000).toISOString(), acknowledgedBy: 'admin', mitigatedAt: new Date(opened + 5_000).toISOString(), resolvedAt: new Date(last).toISOString() }),
      sources: ['docker', 'alertmanager'],
    };
    await store.incidents.upsert(incident);
    for (let k = 0; k < perIncident; k += 1) {
      const step = STEPS[k % STEPS.length] as typeof STEPS[number];
      const entry: TimelineEntry = {
        id: `tl_${id}_${k}`, incidentId: id, at: new Date(opened + k * 10_000).toISOString(), source: step.source, kind: step.kind,
        message: step.message(service), ...(step.source === 'user' ? { actor: 'admin' } : {}),
        data: { signals: [{ id: `sig_${id}_${k}`, kind: step.kind, attributes: { containerId: 'f'.repeat(64), exitCode: 137, name: service } }] },
      };
      await store.timeline.append(entry);
    }
  };
  let next = 0;
  await Promise.all(Array.from({ length: inFlight }, async () => {
    while (next < incidents) await write(next++);
  }));
  return (performance.now() - started) / 1000;
}

async function timed(runs: number, request: (i: number) => Promise<unknown>): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < runs; i += 1) {
    const t0 = performance.now();
    await request(i);
    out.push(performance.now() - t0);
  }
  return out;
}

async function measure(label: string, vigil: VigilProcess, incidents: number, runs: number, note: string): Promise<Row[]> {
  const s = await Session.signIn(vigil.url);
  const pick = (i: number) => `inc_bench_${((i * 7_919) % incidents).toString(36).padStart(6, '0')}`;
  // Warm-up: the first requests compile the routes and fill SQLite's page cache.
  for (let i = 0; i < 20; i += 1) {
    await s.get('/api/incidents?status=all&limit=50');
    await s.get(`/api/incidents/${pick(i + 1_000)}`);
  }
  const cursors: string[] = [];
  let cursor: string | null = null;
  for (let p = 0; p < 20; p += 1) {
    const page = await s.get(`/api/incidents?status=all&limit=50${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`) as { items: unknown[]; nextCursor: string | null };
    if (page.items.length !== 50) throw new Error(`${label}: page ${p} has ${page.items.length} incidents`);
    cursor = page.nextCursor;
    if (cursor) cursors.push(cursor);
  }
  const first = await timed(runs, () => s.get('/api/incidents?status=all&limit=50'));
  const open = await timed(runs, () => s.get('/api/incidents?status=open&limit=50'));
  const byService = await timed(runs, (i) => s.get(`/api/incidents?status=all&service=svc-${(i * 37) % SERVICES}&limit=50`));
  const deep = await timed(runs, (i) => s.get(`/api/incidents?status=all&limit=50&cursor=${encodeURIComponent(cursors[i % cursors.length] as string)}`));
  const timeline = await timed(runs, async (i) => {
    const body = await s.get(`/api/incidents/${pick(i)}`) as { timeline: unknown[] };
    if (body.timeline.length === 0) throw new Error(`${label}: an incident without its timeline`);
  });
  const list = [...first, ...open, ...byService, ...deep];
  const ls = summarize(list);
  const ts = summarize(timeline);
  const per = (xs: number[]) => summarize(xs).p99;
  const mem = vigil.memory();
  const mb = (n: number) => Math.round(n / 2 ** 20);
  return [
    row('queries', `incident list p99, ${label}`, ls.p99, 'ms', { kind: 'max', value: QUERY_GOAL_MS },
      `${note}; GET /api/incidents, 50 per page, ${runs} each of: newest (p99 ${per(first)}), open (${per(open)}), one service (${per(byService)}), pages 2–21 by cursor (${per(deep)}) ms; p50 ${ls.p50} ms`, { latencyMs: list }),
    row('queries', `incident timeline p99, ${label}`, ts.p99, 'ms', { kind: 'max', value: QUERY_GOAL_MS },
      `${note}; GET /api/incidents/:id (incident, its timeline and analytics), ${runs} random incidents; p50 ${ts.p50} ms`, { latencyMs: timeline }),
    row('queries', `server RSS after the queries, ${label}`, mb(mem.rss), 'MB', label.startsWith('embedded') ? { kind: 'max', value: RSS_GOAL_MB } : undefined,
      `${note}; peak (VmHWM) ${mb(mem.peak)} MB`),
  ];
}

export async function queriesBench(options: { incidents: number; entriesPerIncident: number; mongoIncidents: number; runs: number; mongoRuns: number; logDir: string }): Promise<Row[]> {
  const rows: Row[] = [];
  const k = (n: number) => (n >= 1_000_000 ? `${n / 1_000_000}M` : n >= 1_000 ? `${n / 1_000}k` : String(n));

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-bench-queries-'));
  let vigil: VigilProcess | undefined;
  try {
    const store = await createStore({ dataDir: dir });
    await store.init();
    const seconds = await fill(store, options.incidents, options.entriesPerIncident, 1);
    await store.close();
    const size = `${k(options.incidents)} incidents / ${k(options.incidents * options.entriesPerIncident)} entries`;
    const dbMb = Math.round(fs.readdirSync(dir).reduce((sum, f) => sum + fs.statSync(path.join(dir, f)).size, 0) / 2 ** 20);
    vigil = await startVigil({ name: 'queries-embedded', logDir: options.logDir, dataDir: dir, env: { DOCKER_HOSTS: NO_DOCKER } });
    rows.push(...await measure(`embedded ${size}`, vigil, options.incidents, options.runs, `filled through the store API in ${seconds.toFixed(0)} s, ${dbMb} MB on disk`));
  } finally {
    await vigil?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }

  let ferret: FerretDb | undefined;
  vigil = undefined;
  try {
    ferret = await startFerretDb();
    const url = `${ferret.url}vigil_bench_queries`;
    const store = await createStore({ dataDir: dir, mongodbUrl: url });
    await store.init();
    const seconds = await fill(store, options.mongoIncidents, options.entriesPerIncident, 16);
    await store.close();
    const size = `${k(options.mongoIncidents)} incidents / ${k(options.mongoIncidents * options.entriesPerIncident)} entries`;
    vigil = await startVigil({ name: 'queries-mongo', logDir: options.logDir, env: { DOCKER_HOSTS: NO_DOCKER, MONGODB_URL: url } });
    rows.push(...await measure(`MongoDB (FerretDB) ${size}`, vigil, options.mongoIncidents, options.mongoRuns,
      `a smaller size: filling FerretDB through the store API ran at ${Math.round((options.mongoIncidents * (1 + options.entriesPerIncident)) / seconds)} writes/s (${seconds.toFixed(0)} s)`));
  } catch (err) {
    rows.push({ bench: 'queries', metric: 'queries MongoDB (FerretDB) (did not run)', value: Number.NaN, unit: '', verdict: 'FAIL', note: err instanceof Error ? err.message.split('\n')[0] : String(err) });
  } finally {
    await vigil?.stop();
    await ferret?.stop();
  }
  return rows;
}
