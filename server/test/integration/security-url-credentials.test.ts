// Issue 18, item 5: credentials in PROMETHEUS_URL, DOCKER_HOSTS and MONGODB_URL are used and never
// shown. Real Vigil processes logging at `trace`: one whose Prometheus (the fake, which wants basic
// auth) and Docker (the real daemon behind haproxy, which wants basic auth) are reached with the
// credentials in their URLs, then lose Prometheus; one whose MongoDB cannot be reached. Every
// surface is read — /readyz, /metrics, API answers (errors too), socket.io `source:status`, every log
// line, the embedded store's files — and no secret appears in any, in clear or as basic-auth base64.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { io as connect, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { describeWith, requireComponent } from '../harness/components.ts';
import { ensureDockerDaemon } from '../harness/docker.ts';
import { startFakePrometheus, type FakePrometheus } from '../harness/fake-prometheus.ts';
import { freePort, waitForPort } from '../harness/ports.ts';
import { makeTempDir, removeTempDir, startProcess, waitForHttp, type TrackedProcess } from '../harness/resources.ts';
import { haproxyBinary } from '../harness/socket-proxy.ts';
import { Client } from '../harness/vigil.ts';
import { WEBHOOK_TOKEN } from './fault-support.ts';

const PROM_SECRET = 'promSecret-18-a1b2c3';
const DOCKER_SECRET = 'dockerSecret-18-d4e5f6';
const MONGO_SECRET = 'mongoSecret-18-g7h8i9';
const repo = path.resolve(import.meta.dirname, '../../..');

const ready = await requireComponent('Docker and haproxy', async () => {
  const proxy = haproxyBinary();
  const daemon = await ensureDockerDaemon();
  if (!daemon.endpoint.startsWith('unix://')) throw new Error(`this test proxies a local socket, not ${daemon.endpoint}`);
  return { proxy, socketPath: daemon.endpoint.slice('unix://'.length) };
});

/** Each secret as it could leak: in clear, and inside a basic-auth header. */
function leakForms(user: string, secret: string): string[] {
  return [secret, Buffer.from(`${user}:${secret}`).toString('base64')];
}
const FORBIDDEN = [...leakForms('vigil', PROM_SECRET), ...leakForms('docker', DOCKER_SECRET), ...leakForms('vigil', MONGO_SECRET)];

function expectNoSecret(surface: string, text: string): void {
  for (const s of FORBIDDEN) expect(text.includes(s), `${surface} shows ${s}:\n${text.slice(0, 2000)}`).toBe(false);
}

/** haproxy in front of the Docker socket that lets through only basic auth `docker:DOCKER_SECRET`. */
async function startAuthProxy(binary: string, socketPath: string): Promise<{ port: number; stop(): Promise<void> }> {
  const dir = makeTempDir('auth-proxy');
  const port = await freePort();
  const file = path.join(dir, 'haproxy.cfg');
  writeFileSync(file, `global
  maxconn 64
defaults
  mode http
  timeout connect 5s
  timeout client 1h
  timeout server 1h
userlist docker_users
  user docker insecure-password ${DOCKER_SECRET}
frontend docker
  bind 127.0.0.1:${port}
  http-request auth realm docker unless { http_auth(docker_users) }
  default_backend dockerd
backend dockerd
  server dockerd ${socketPath}
`);
  const proc = startProcess(binary, ['-db', '-f', file]);
  await Promise.race([waitForPort(port, 10_000), proc.exited.then((how) => { throw new Error(`${how}:\n${proc.output()}`); })]);
  return { port, stop: async () => { await proc.stop(2_000); await removeTempDir(dir); } };
}

/** `node server/src/main.ts`, every line of its output kept (startVigilProcess keeps only a tail). */
async function startLoggedVigil(env: Record<string, string>): Promise<{ proc: TrackedProcess; url: string; log: () => string }> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const proc = startProcess(process.execPath, [path.join(repo, 'server/src/main.ts')], {
    cwd: repo,
    env: { ...process.env, HOST: '127.0.0.1', PORT: String(port), LOG_LEVEL: 'trace', WEBHOOK_TOKEN, ...env },
  });
  let log = '';
  proc.child.stdout?.on('data', (c: Buffer) => { log += c.toString('utf8'); });
  proc.child.stderr?.on('data', (c: Buffer) => { log += c.toString('utf8'); });
  await waitForHttp(`${url}/healthz`, proc, 20_000);
  return { proc, url, log: () => log };
}

async function eventually<T>(what: string, timeoutMs: number, check: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function text(url: string): Promise<string> {
  return (await fetch(url)).text();
}

describeWith(ready, 'credentials in the URLs Vigil is given', ({ proxy: haproxy, socketPath }) => {
  let fake: FakePrometheus;
  let proxy: Awaited<ReturnType<typeof startAuthProxy>>;
  let vigil: Awaited<ReturnType<typeof startLoggedVigil>>;
  let dataDir: string;
  let socket: Socket | undefined;
  const statusEvents: unknown[] = [];
  const answers: string[] = [];

  beforeAll(async () => {
    fake = await startFakePrometheus({ auth: `vigil:${PROM_SECRET}` });
    proxy = await startAuthProxy(haproxy, socketPath);
    dataDir = makeTempDir('vigil-url-credentials');
    const fakePort = new URL(fake.url).port;
    vigil = await startLoggedVigil({
      DATA_DIR: dataDir, ADMIN_PASSWORD: 'credentials-admin', PROMETHEUS_POLL_SECONDS: '1',
      PROMETHEUS_URL: `http://vigil:${PROM_SECRET}@127.0.0.1:${fakePort}`,
      DOCKER_HOSTS: `tcp://docker:${DOCKER_SECRET}@127.0.0.1:${proxy.port},tcp://docker:${DOCKER_SECRET}@127.0.0.1:${await freePort()}`,
    });
  }, 60_000);
  afterAll(async () => {
    socket?.close();
    await vigil?.proc.stop();
    await fake?.stop();
    await proxy?.stop();
    if (dataDir) await removeTempDir(dataDir);
  });

  test('Prometheus and Docker are reached with the credentials; /readyz, /metrics, socket.io, answers and logs never show them', async () => {
    const admin = new Client(vigil.url);
    await eventually('admin signs in', 20_000, async () => ((await admin.login('admin', 'credentials-admin')).status === 200 ? true : undefined));
    socket = connect(vigil.url, { transports: ['websocket'], reconnection: false, extraHeaders: { cookie: admin.cookie ?? '' } });
    socket.on('source:status', (s: unknown) => statusEvents.push(s));

    // The credentials work: both sources come up through the servers that want them.
    const sources = await eventually('prometheus and the proxied Docker up', 30_000, async () => {
      const r = await new Client(vigil.url).request('GET', '/readyz');
      const up = r.body.sources.filter((s: { state: string }) => s.state === 'up').map((s: { source: string; host: string }) => `${s.source} ${s.host}`);
      return up.includes(`prometheus ${fake.url}`) && up.includes(`docker tcp://127.0.0.1:${proxy.port}`) ? r.body.sources : undefined;
    });
    expect(sources.find((s: { source: string; state: string }) => s.source === 'docker' && s.state === 'down')).toMatchObject({ host: expect.stringMatching(/^tcp:\/\/127\.0\.0\.1:\d+$/) });
    const seen = await fake.seen();
    expect(seen.some((s) => s.authorization === `Basic ${Buffer.from(`vigil:${PROM_SECRET}`).toString('base64')}`)).toBe(true);

    const chart = await admin.request('GET', `/api/metrics/query_range?chart=up&service=backend&start=${Date.now() / 1000 - 60}&end=${Date.now() / 1000}&step=15s`);
    expect(chart.status).toBe(200);
    answers.push(JSON.stringify(chart.body));
    const containers = await admin.request('GET', '/api/containers');
    expect(containers.status).toBe(200);
    answers.push(JSON.stringify(containers.body));

    // Prometheus goes away: the down state, its detail and the chart's 503 name it without credentials.
    await fake.stop();
    await eventually('prometheus down', 20_000, async () => {
      const r = await new Client(vigil.url).request('GET', '/readyz');
      return r.body.sources.some((s: { source: string; state: string }) => s.source === 'prometheus' && s.state === 'down') ? true : undefined;
    });
    const down = await admin.request('GET', `/api/metrics/query_range?chart=up&service=backend&start=${Date.now() / 1000 - 60}&end=${Date.now() / 1000}&step=15s`);
    expect(down.status).toBe(503);
    expect(down.body.error.message).toContain(`Prometheus at ${fake.url} cannot be reached`);
    answers.push(JSON.stringify(down.body));

    const readyz = await text(`${vigil.url}/readyz`);
    const metrics = await text(`${vigil.url}/metrics`);
    expect(metrics).toContain(`vigil_source_up{source="prometheus",host="${fake.url}"} 0`);
    expect(metrics).toContain(`vigil_source_up{source="docker",host="tcp://127.0.0.1:${proxy.port}"} 1`);
    expect(statusEvents.length).toBeGreaterThan(0);
    expectNoSecret('/readyz', readyz);
    expectNoSecret('/metrics', metrics);
    expectNoSecret('socket.io source:status', JSON.stringify(statusEvents));
    for (const a of answers) expectNoSecret('an API answer', a);
    expect(vigil.log()).toMatch(/prometheus unreachable/);
    expectNoSecret('the log', vigil.log());
  }, 90_000);

  test('nor does the store keep them (the cursors are keyed by the URL without credentials)', async () => {
    await vigil.proc.stop();
    for (const file of readdirSync(dataDir)) expectNoSecret(`the store file ${file}`, readFileSync(path.join(dataDir, file)).toString('latin1'));
  });
});

test('an unreachable MONGODB_URL with credentials: /readyz, answers and logs show the server, not the password', async () => {
  const closed = await freePort();
  const vigil = await startLoggedVigil({
    MONGODB_URL: `mongodb://vigil:${MONGO_SECRET}@127.0.0.1:${closed}/vigil?authSource=admin`,
    PROMETHEUS_URL: `http://vigil:${PROM_SECRET}@127.0.0.1:${await freePort()}`, PROMETHEUS_POLL_SECONDS: '1',
    DOCKER_HOSTS: `tcp://docker:${DOCKER_SECRET}@127.0.0.1:${await freePort()}`, DATA_DIR: '/nonexistent-vigil-18',
  });
  try {
    const report = await eventually('the store reported down with a reason', 30_000, async () => {
      const r = await new Client(vigil.url).request('GET', '/readyz');
      return r.body.store.state === 'down' && /MongoDB/.test(r.body.store.detail ?? '') ? r : undefined;
    });
    expect(report.status).toBe(503);
    expect(report.body.store.detail).toContain(`mongodb://127.0.0.1:${closed}/vigil`);
    const api = await new Client(vigil.url).request('POST', '/api/auth/login', { username: 'admin', password: 'whatever-it-is' });
    expect(api.status).toBe(503);
    await eventually('the failure logged', 10_000, async () => (/store not ready/.test(vigil.log()) ? true : undefined));
    expectNoSecret('/readyz', JSON.stringify(report.body));
    expectNoSecret('/metrics', await text(`${vigil.url}/metrics`));
    expectNoSecret('an API answer', JSON.stringify(api.body));
    expectNoSecret('the log', vigil.log());
  } finally {
    await vigil.proc.stop();
  }
}, 60_000);

