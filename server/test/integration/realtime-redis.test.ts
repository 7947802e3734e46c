// Live updates across replicas (REDIS_URL): two real Vigils sharing one real redis-server (Debian's).
// An alert that reaches replica A through the Alertmanager webhook opens an incident whose
// `incident:upsert` reaches a browser connected to replica B. With Redis stopped both replicas keep
// answering HTTP and serving their own browsers, /readyz says `redis` is down; once Redis is back
// fan-out works again and B's browsers are told to reconnect (and so catch up what they missed).
// The replicas have separate embedded stores: this is about fan-out only. And a Vigil whose Redis
// never answers starts, serves and stops all the same.
import { randomBytes } from 'node:crypto';
import { io as connect, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { ClientToServerEvents, Incident, ReadyReport, ServerToClientEvents, SourceStatus } from '../../src/contract/index.ts';
import { describeWith, requireComponent } from '../harness/components.ts';
import { freePort } from '../harness/ports.ts';
import { probeRedisServer, startRedisServer, type RedisServer } from '../harness/redis.ts';
import { Client, startVigil, type RunningVigil } from '../harness/vigil.ts';

type LiveSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

const TOKEN = 'redis-fanout-webhook-token-0123';
const ADMIN_PASSWORD = 'redis-fanout-admin-pw';

const redisBinary = await requireComponent('redis-server', probeRedisServer);

async function eventually<T>(what: string, timeoutMs: number, check: () => Promise<T | undefined> | T | undefined): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms${last ? ` (last: ${String(last)})` : ''}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A firing alert for `service` (its own fingerprint, starting now): a new incident. */
function firing(service: string) {
  const labels = { alertname: 'TargetDown', job: service, instance: `${service}:9100`, severity: 'critical' };
  return {
    receiver: 'vigil', status: 'firing', version: '4', groupKey: `{}:{job="${service}"}`, truncatedAlerts: 0,
    externalURL: 'http://alertmanager:9093', groupLabels: { job: service }, commonLabels: labels, commonAnnotations: {},
    alerts: [{
      status: 'firing', labels, annotations: { summary: `${service} is down` },
      startsAt: new Date().toISOString(), endsAt: '0001-01-01T00:00:00Z',
      generatorURL: 'http://prometheus:9090/graph', fingerprint: randomBytes(8).toString('hex'),
    }],
  };
}

async function alert(vigil: RunningVigil, service: string): Promise<void> {
  const res = await new Client(vigil.url).request('POST', '/api/webhooks/alertmanager', firing(service), { authorization: `Bearer ${TOKEN}` });
  expect(res.status).toBe(200);
}

async function redisStatus(vigil: RunningVigil): Promise<SourceStatus | undefined> {
  const res = await fetch(`${vigil.url}/readyz`, { signal: AbortSignal.timeout(5_000) });
  const report = await res.json() as ReadyReport;
  return report.sources.find((s) => s.source === 'redis');
}

/** A browser on `vigil`: signed in as admin, every `incident:upsert` it gets recorded by service. */
async function browser(vigil: RunningVigil) {
  const client = new Client(vigil.url);
  expect((await client.login('admin', ADMIN_PASSWORD)).status).toBe(200);
  const socket: LiveSocket = connect(vigil.url, {
    transports: ['websocket'], extraHeaders: { cookie: client.cookie ?? '' },
    reconnectionDelay: 100, reconnectionDelayMax: 500,
  });
  const seen = new Map<string, Incident>();
  const disconnects: string[] = [];
  let hellos = 0;
  socket.on('incident:upsert', (incident) => seen.set(incident.service, incident));
  socket.on('server:hello', () => { hellos += 1; });
  socket.on('disconnect', (reason) => disconnects.push(reason));
  await eventually('the socket is greeted', 15_000, () => (hellos > 0 ? true : undefined));
  return {
    socket, seen, disconnects,
    get hellos() { return hellos; },
    incident: (service: string, timeoutMs = 15_000) => eventually(`incident:upsert for ${service} on ${vigil.url}`, timeoutMs, () => seen.get(service)),
  };
}

test('Redis unreachable from the start: Vigil starts, says redis down (URL without its password), serves its own browsers, stops', async () => {
  const port = await freePort();
  const vigil = await startVigil({ REDIS_URL: `redis://vigil:s3cret-pw@127.0.0.1:${port}`, WEBHOOK_TOKEN: TOKEN, ADMIN_PASSWORD, PROMETHEUS_POLL_SECONDS: '0' });
  try {
    const down = await eventually('redis down', 20_000, async () => {
      const s = await redisStatus(vigil);
      return s?.state === 'down' ? s : undefined;
    });
    expect(down.host).toBe(`redis://127.0.0.1:${port}`);
    expect(down.detail).toMatch(/ECONNREFUSED/);
    expect(JSON.stringify(down)).not.toContain('s3cret');
    const onIt = await browser(vigil);
    await alert(vigil, 'no-redis');
    await onIt.incident('no-redis');
    onIt.socket.close();
  } finally {
    await vigil.stop();
  }
});

describeWith(redisBinary, 'socket.io across two replicas through redis-server', (binary) => {
  let redis: RedisServer;
  let a: RunningVigil;
  let b: RunningVigil;
  let onA: Awaited<ReturnType<typeof browser>>;
  let onB: Awaited<ReturnType<typeof browser>>;

  beforeAll(async () => {
    redis = await startRedisServer(binary);
    // The URL with a password Redis does not ask for (it is ignored without requirepass): never shown.
    const url = redis.url.replace('redis://', 'redis://default:hunter2-secret@');
    const env = { REDIS_URL: url, WEBHOOK_TOKEN: TOKEN, ADMIN_PASSWORD, PROMETHEUS_POLL_SECONDS: '0', REPLICA_NAME: 'a' };
    [a, b] = await Promise.all([startVigil(env), startVigil({ ...env, REPLICA_NAME: 'b' })]);
    for (const vigil of [a, b]) await eventually(`redis up on ${vigil.url}`, 20_000, async () => ((await redisStatus(vigil))?.state === 'up' ? true : undefined));
    [onA, onB] = await Promise.all([browser(a), browser(b)]);
  });

  afterAll(async () => {
    onA?.socket.close();
    onB?.socket.close();
    await Promise.all([a?.stop(), b?.stop()]);
    await redis?.stop();
  });

  test('an incident opened on replica A reaches a browser on replica B (and A\'s own)', async () => {
    await alert(a, 'fanout-first');
    const [there, here] = await Promise.all([onB.incident('fanout-first'), onA.incident('fanout-first')]);
    expect(there).toMatchObject({ service: 'fanout-first', status: 'open' });
    expect(there.id).toBe(here.id);
    // The other way round too: a replica is not special.
    await alert(b, 'fanout-from-b');
    await onA.incident('fanout-from-b');
    const status = await redisStatus(a);
    expect(status).toMatchObject({ state: 'up' });
    expect(JSON.stringify(status)).not.toContain('hunter2');
  });

  test('Redis stopped: both replicas answer HTTP, report redis down, serve their own browsers; back: fan-out again', async () => {
    await redis.kill();
    for (const vigil of [a, b]) {
      const down = await eventually(`redis down on ${vigil.url}`, 20_000, async () => {
        const s = await redisStatus(vigil);
        return s?.state === 'down' ? s : undefined;
      });
      expect(down.detail).toMatch(/ECONNREFUSED|closed|refused/i);
      expect(JSON.stringify(down)).not.toContain('hunter2');
      const health = await fetch(`${vigil.url}/healthz`, { signal: AbortSignal.timeout(5_000) });
      expect(health.status).toBe(200);
      // The API is not blocked by Redis: a signed-in read answers.
      const reader = new Client(vigil.url);
      expect((await reader.login('admin', ADMIN_PASSWORD)).status).toBe(200);
      expect((await reader.request('GET', '/api/incidents?status=all')).status).toBe(200);
    }
    // The replica's own browsers still get what it emits.
    await alert(a, 'during-outage');
    await onA.incident('during-outage');
    expect(onB.socket.connected).toBe(true);

    const bHellosBefore = onB.hellos;
    await redis.restart();
    for (const vigil of [a, b]) await eventually(`redis up again on ${vigil.url}`, 30_000, async () => ((await redisStatus(vigil))?.state === 'up' ? true : undefined));
    // B's browser missed `during-outage`: it is made to reconnect (the UI syncs after every reconnect).
    await eventually('the browser on B reconnects after the outage', 30_000, () => (onB.hellos > bHellosBefore && onB.socket.connected ? true : undefined));
    expect(onB.disconnects).toContain('transport close');
    expect(onB.seen.has('during-outage')).toBe(false);

    await alert(a, 'after-outage');
    await onB.incident('after-outage', 20_000);
  });
});
