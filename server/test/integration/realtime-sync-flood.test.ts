// The `sync` flood that brought Vigil down (issue 18): a viewer opens 3 sockets and sends 120 syncs
// from 1970 at once against a store of 5,000 incidents and 5,000 timeline entries. Against a real
// Vigil process: it must stay up, keep answering /healthz, stay under 500 MB resident, and refuse
// the excess with a clear error. Then a client that was away pages through all 10,000 changes with
// the UI's own catch-up code and gets each exactly once.
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { io as connect, type Socket } from 'socket.io-client';
import type { ClientToServerEvents, Incident, ServerToClientEvents, SyncAnswer, SyncFailure, SyncResult, TimelineEntry } from '../../src/contract/index.ts';
import { AuthService } from '../../src/auth/service.ts';
import { createLogger } from '../../src/logger.ts';
import { createStore } from '../../src/store/index.ts';
import type { Store } from '../../src/store/types.ts';
import { catchUp } from '../../../client/src/lib/catch-up.ts';
import { freePort } from '../harness/ports.ts';
import { makeTempDir, removeTempDir, type TrackedProcess } from '../harness/resources.ts';
import { Client } from '../harness/vigil.ts';
import { startVigilProcess } from './fault-support.ts';

const INCIDENTS = 5_000;
const ENTRIES = 5_000;
const VIEWER = { username: 'flood-viewer', password: 'flood-viewer-password' };
const RSS_LIMIT_MB = 500;
const NO_DOCKER = 'unix:///nonexistent/vigil-flood/docker.sock';

type LiveSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

/** An alert entry as the webhook stores it: labels, annotations and the raw alert (~2.5 kB of JSON). */
function alertEntry(i: number, incidentId: string, at: string): TimelineEntry {
  const service = `svc-${i % 200}`;
  const labels = {
    alertname: 'HighErrorRate', service, instance: `${service}.prod.internal:9100`, job: `${service}-api`,
    severity: i % 5 === 0 ? 'critical' : 'warning', team: `team-${i % 12}`, region: 'eu-central-1', cluster: 'prod-3',
    namespace: 'payments', pod: `${service}-7c9f8d6b5-${(i * 7_919).toString(36).slice(0, 5)}`,
  };
  const annotations = {
    summary: `${service}: 5xx ratio above 5% for 2 minutes`,
    description: `The error ratio of ${service} has been ${(5 + (i % 40) / 10).toFixed(1)}% over the last 2 minutes (threshold 5%). `
      + 'Check the last deploy, the database connection pool and upstream latency; see the runbook for the usual causes and how to roll back safely.\n'
      + `Top failing routes: POST /api/v2/${service}/checkout (61%), GET /api/v2/${service}/cart (23%), GET /api/v2/${service}/session (9%). `
      + 'Upstream p99 latency rose from 180 ms to 2.4 s at the same time; the connection pool reports 64/64 connections in use and 212 waiters.',
    runbook_url: `https://runbooks.example.internal/${service}/high-error-rate`,
    dashboard: `https://grafana.example.internal/d/${service}-overview?var-instance=${service}.prod.internal:9100&from=now-1h`,
    query: `sum by (service) (rate(http_requests_total{service="${service}",code=~"5.."}[2m])) / sum by (service) (rate(http_requests_total{service="${service}"}[2m])) > 0.05`,
    impact: 'Customers see failed checkouts and empty carts; the mobile app retries and doubles the load on the gateway.',
  };
  const fingerprint = (i * 2_654_435_761 % 2 ** 32).toString(16).padStart(16, '0');
  return {
    id: `tl_flood_${i.toString().padStart(5, '0')}`, incidentId, at, source: 'alertmanager', kind: 'alert.firing',
    message: `HighErrorRate firing for ${service}: ${annotations.summary}`,
    data: {
      signals: [{
        id: `sig_flood_${i}`, kind: 'alert.firing', service,
        attributes: { ...labels, fingerprint, status: 'firing' },
        raw: {
          status: 'firing', labels, annotations, startsAt: at, endsAt: '0001-01-01T00:00:00Z', fingerprint,
          receiver: 'vigil', externalURL: 'http://alertmanager.prod.internal:9093',
          groupKey: `{}/{severity=~"warning|critical"}:{alertname="HighErrorRate", service="${service}"}`,
          generatorURL: `http://prometheus.prod.internal:9090/graph?g0.expr=sum(rate(http_requests_total%7Bservice%3D%22${service}%22%2Ccode%3D~%225..%22%7D%5B2m%5D))&g0.tab=1`,
        },
      }],
    },
  };
}

function floodIncident(i: number, openedAt: string): Incident {
  const service = `svc-${i % 200}`;
  return {
    id: `inc_flood_${i.toString().padStart(5, '0')}`, title: `${service} is failing: HighErrorRate`, service,
    host: 'unix:///var/run/docker.sock', status: 'resolved', severity: i % 5 === 0 ? 'critical' : 'warning',
    openedAt, acknowledgedAt: openedAt, acknowledgedBy: 'alice', mitigatedAt: openedAt, resolvedAt: openedAt,
    lastEventAt: openedAt, sources: ['alertmanager', 'prometheus'],
  };
}

async function fill(store: Store): Promise<{ incidents: Set<string>; entries: Set<string>; bytes: number }> {
  const incidents = new Set<string>();
  const entries = new Set<string>();
  let bytes = 0;
  const start = Date.UTC(2026, 0, 1);
  for (let i = 0; i < Math.max(INCIDENTS, ENTRIES); i++) {
    const at = new Date(start + i * 60_000).toISOString();
    const incident = floodIncident(i, at);
    if (i < INCIDENTS) {
      await store.incidents.upsert(incident);
      incidents.add(incident.id);
      bytes += JSON.stringify(incident).length;
    }
    if (i < ENTRIES) {
      const entry = alertEntry(i, incident.id, at);
      await store.timeline.append(entry);
      entries.add(entry.id);
      bytes += JSON.stringify(entry).length;
    }
  }
  return { incidents, entries, bytes };
}

function rssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!m?.[1]) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(m[1]) / 1024;
}

async function openSocket(url: string, cookie: string): Promise<LiveSocket> {
  const socket: LiveSocket = connect(url, { transports: ['websocket'], reconnection: false, extraHeaders: { cookie } });
  await new Promise<void>((resolve, reject) => {
    socket.once('server:hello', () => resolve());
    socket.once('connect_error', reject);
  });
  return socket;
}

const isFailure = (a: SyncAnswer): a is SyncFailure => 'error' in a;

let dataDir: string;
let vigil: { proc: TrackedProcess; url: string } | undefined;
let written: Awaited<ReturnType<typeof fill>>;
let viewer: Client;
const sockets: LiveSocket[] = [];

beforeAll(async () => {
  dataDir = makeTempDir('vigil-sync-flood');
  const store = await createStore({ dataDir });
  await store.init();
  const auth = new AuthService(store, { sessionTtlMs: 3_600_000, logger: createLogger('silent') });
  await auth.ensureAdmin('flood-admin-password', () => 'flood-admin-password');
  await auth.createUser({ ...VIEWER, role: 'viewer' });
  written = await fill(store);
  await store.close();
  vigil = await startVigilProcess({ PORT: String(await freePort()), DATA_DIR: dataDir, DOCKER_HOSTS: NO_DOCKER });
  viewer = new Client(vigil.url);
  expect((await viewer.login(VIEWER.username, VIEWER.password)).status).toBe(200);
});

afterAll(async () => {
  for (const s of sockets) s.close();
  await vigil?.proc.stop();
  if (dataDir) await removeTempDir(dataDir);
});

describe('sync flood', () => {
  test('the store holds what the attack needs: 5,000 incidents and 5,000 entries, about 14 MB as JSON', () => {
    expect(written.incidents.size).toBe(INCIDENTS);
    expect(written.entries.size).toBe(ENTRIES);
    expect(written.bytes).toBeGreaterThan(13 * 2 ** 20);
  });

  test('120 syncs from 1970 over 3 sockets at once: Vigil stays up, /healthz answers, RSS stays under 500 MB, the excess is refused clearly', async () => {
    const running = vigil;
    if (!running) throw new Error('vigil did not start');
    const pid = running.proc.child.pid;
    if (pid === undefined) throw new Error('no pid');
    for (let i = 0; i < 3; i++) sockets.push(await openSocket(running.url, viewer.cookie ?? ''));
    const before = rssMb(pid);

    let flooding = true;
    let peak = before;
    const sampler = setInterval(() => { try { peak = Math.max(peak, rssMb(pid)); } catch { /* exited: asserted below */ } }, 10);
    const health: Array<number | string> = [];
    const prober = (async () => {
      while (flooding) {
        try {
          const res = await fetch(`${running.url}/healthz`, { signal: AbortSignal.timeout(15_000) });
          health.push(res.status);
        } catch (err) {
          health.push(err instanceof Error ? err.message : String(err));
        }
      }
    })();

    const since = '1970-01-01T00:00:00.000Z';
    let answers: SyncAnswer[];
    try {
      answers = await Promise.all(Array.from({ length: 120 }, (_, i) =>
        (sockets[i % 3] as LiveSocket).timeout(60_000).emitWithAck('sync', { since })));
    } finally {
      flooding = false;
      await prober;
      clearInterval(sampler);
    }

    expect(running.proc.child.exitCode, running.proc.output()).toBeNull();
    expect((await fetch(`${running.url}/healthz`)).status).toBe(200);
    expect(health.length).toBeGreaterThan(0);
    expect(health.filter((h) => h !== 200), 'every /healthz probe during the flood answered 200').toEqual([]);
    expect(peak, `RSS ${before.toFixed(0)} MB before, peak ${peak.toFixed(0)} MB`).toBeLessThan(RSS_LIMIT_MB);

    const served = answers.filter((a): a is SyncResult => !isFailure(a));
    const refused = answers.filter(isFailure);
    expect(served.length).toBeGreaterThanOrEqual(3);
    expect(refused.length).toBeGreaterThanOrEqual(100);
    for (const r of refused) {
      expect(['sync_busy', 'sync_rate_limited']).toContain(r.code);
      expect(r.error.length).toBeGreaterThan(20);
      expect(r.retryAfterMs).toBeGreaterThan(0);
    }
    for (const page of served) {
      // One page, capped in bytes, with a cursor to go on from.
      expect(JSON.stringify(page).length).toBeLessThan(600 * 1024);
      expect(page.next).toEqual(expect.any(String));
      expect(page.incidents.length).toBeGreaterThan(0);
    }
  });

  test('a client away during 10,000 changes pages through all of them with the UI\'s catch-up, each exactly once', async () => {
    const socket = sockets[0] ?? await openSocket(vigil?.url ?? '', viewer.cookie ?? '');
    const incidents: string[] = [];
    const entries: string[] = [];
    const outcome = await catchUp((request) => socket.timeout(60_000).emitWithAck('sync', request), '1970-01-01T00:00:00.000Z', {
      apply: (page) => {
        incidents.push(...page.incidents.map((i) => i.id));
        entries.push(...page.entries.map((e) => e.id));
      },
      maxRefusals: 100,
    });
    expect(outcome).toMatchObject({ done: true });
    expect(outcome.done && outcome.pages).toBeGreaterThan(10);
    expect(incidents.length).toBe(INCIDENTS);
    expect(new Set(incidents)).toEqual(written.incidents);
    expect(entries.length).toBe(ENTRIES);
    expect(new Set(entries)).toEqual(written.entries);
  });

  test('a cursor the server did not hand out is refused as an invalid request', async () => {
    const socket = sockets[1] ?? await openSocket(vigil?.url ?? '', viewer.cookie ?? '');
    const answer = await socket.timeout(30_000).emitWithAck('sync', { since: '1970-01-01T00:00:00.000Z', cursor: 'not-a-cursor' });
    expect(answer).toMatchObject({ code: 'invalid_request', error: expect.stringContaining('cursor') });
  });

  test('one viewer sending syncs one after another, on all sockets, is refused for rate once past the limit', async () => {
    const now = new Date().toISOString();
    let accepted = 0;
    let refusal: SyncFailure | undefined;
    for (let i = 0; i < 400 && !refusal; i++) {
      const answer = await (sockets[i % sockets.length] as LiveSocket).timeout(30_000).emitWithAck('sync', { since: now });
      if (!isFailure(answer)) accepted++;
      else if (answer.code === 'sync_rate_limited') refusal = answer;
    }
    expect(refusal?.error).toContain('too many syncs');
    expect(refusal?.retryAfterMs).toBeGreaterThan(0);
    expect(accepted).toBeLessThanOrEqual(40 * 2);
  });
});
