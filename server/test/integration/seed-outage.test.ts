// The seed outage, end to end, on real components: the users backend built from its Dockerfile and
// run with the sample stack's labels on the real dockerd; Prometheus and Alertmanager as processes
// with the sample stack's own config, rule and route files (addresses and intervals rewritten for
// loopback, rules as they are: BackendDown is `up == 0` for 15 s); Vigil with its store.
// `docker kill backend` → a Docker signal opens the incident → the Prometheus alert and the
// Alertmanager webhook land on that same incident → healed → alert resolved → incident resolved.
// The supervisor heals a killed backend in a second or two, long before BackendDown's 15 s: so,
// as in the seed, its supervision is paused for the outage (maintenance mode) and a responder heals
// it once alerted, with Vigil's restart; the last test lets the supervisor heal it on its own.
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { alertFingerprint } from '../../src/sources/alertmanager/fingerprint.ts';
import { alertmanagerWebhookSchema, alertmanagerWebhookToSignals, alertSignalId } from '../../src/sources/alertmanager/normalize.ts';
import { alertmanagerBinary } from '../harness/alertmanager.ts';
import { buildImage, ensureBaseImage } from '../harness/base-image.ts';
import { stageBuildContext } from '../harness/build-context.ts';
import { describeWith, requireComponent } from '../harness/components.ts';
import { ensureDockerDaemon, removeImage, waitForHealthy } from '../harness/docker.ts';
import { freePort } from '../harness/ports.ts';
import { prometheusBinary } from '../harness/prometheus.ts';
import { removeTempDir } from '../harness/resources.ts';
import { startSecondDockerd, type SecondDockerd } from '../harness/second-dockerd.ts';
import { sample, startSampleAlertmanager, startSamplePrometheus } from '../harness/sample-stack.ts';
import { Client, startVigil, type RunningVigil } from '../harness/vigil.ts';

const TOKEN = `seed-outage-${randomUUID()}`;
const repo = path.resolve(import.meta.dirname, '../../..');
const QUIET_PERIOD_SECONDS = 3;

const components = await requireComponent('docker, prometheus and alertmanager', async () => ({
  daemon: await ensureDockerDaemon(),
  prometheus: prometheusBinary(),
  alertmanager: alertmanagerBinary(),
}));

interface Entry { id: string; at: string; source: string; kind: string; message: string; data: { signals?: Array<{ id: string; source: string; receivedAt?: string; attributes: Record<string, unknown> }> } }
interface Incident { id: string; status: string; service: string; host: string; title: string; sources: string[]; timeline: Entry[] }

/** `npm run gameday` as a person runs it (node scripts/gameday.ts), with only the given settings. */
function gameday(env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['scripts/gameday.ts'], {
      cwd: repo, timeout: 240_000, env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env },
    }, (err, stdout, stderr) => resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }));
  });
}

test('gameday says what to do when the stack is not running', async () => {
  const res = await gameday({ VIGIL_URL: `http://127.0.0.1:${await freePort()}` });
  expect(res.code).toBe(1);
  expect(res.stderr).toMatch(/Vigil does not answer at http:\/\/127\.0\.0\.1:\d+ .*\n.*docker-compose up -d/);
});

interface Delivery { atMs: number; status: number; answer: string; signalIds: string[] }

/**
 * Stands between Alertmanager and Vigil's webhook and writes down each call: when it came, what it
 * carried (as the signal ids Vigil makes of it) and what Vigil answered.
 */
async function recordingProxy(target: string): Promise<{ url: string; deliveries: Delivery[]; close(): Promise<void> }> {
  const deliveries: Delivery[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      const atMs = Date.now();
      const body = Buffer.concat(chunks);
      const answer = await fetch(`${target}${req.url ?? ''}`, {
        method: req.method ?? 'POST', body,
        headers: { 'content-type': req.headers['content-type'] ?? 'application/json', authorization: req.headers.authorization ?? '' },
      });
      const text = await answer.text();
      const parsed = alertmanagerWebhookSchema.safeParse(JSON.parse(body.toString('utf8')));
      const signals = parsed.success ? alertmanagerWebhookToSignals(parsed.data, 'am') : [];
      deliveries.push({ atMs, status: answer.status, answer: text, signalIds: signals.map((s) => s.id) });
      res.writeHead(answer.status, { 'content-type': 'application/json' }).end(text);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    deliveries,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

async function eventually<T>(what: string, timeoutMs: number, check: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describeWith(components, 'the seed outage, end to end', () => {
  const suffix = randomUUID().slice(0, 8);
  const tag = `vigil-seed/users-backend:${suffix}`;
  let context: string | undefined;
  let backendId = '';
  let backendPort = 0;
  let vigil: RunningVigil;
  let am: Awaited<ReturnType<typeof startSampleAlertmanager>>;
  let proxy: Awaited<ReturnType<typeof recordingProxy>>;
  let prom: Awaited<ReturnType<typeof startSamplePrometheus>>;
  let admin: Client;
  // A private daemon: on the shared one, other suites' Vigils (and their supervisors) would see this
  // backend die, and this Vigil would see theirs.
  let d2: SecondDockerd;
  const docker = (args: string[]) => d2.cli(args);

  /** The first value of an instant query; undefined while Prometheus has no answer yet (still starting: an error body, or not JSON). */
  const promQuery = async (promql: string): Promise<string | undefined> => {
    const res = await fetch(`${prom.url}/api/v1/query?query=${encodeURIComponent(promql)}`);
    const body = await res.json().catch(() => null) as { status?: string; data?: { result?: Array<{ value: [number, string] }> } } | null;
    if (!res.ok || body?.status !== 'success') return undefined;
    return body.data?.result?.[0]?.value[1];
  };

  beforeAll(async () => {
    await ensureBaseImage();
    context = await stageBuildContext(sample('users-app', 'backend'));
    await buildImage(context, 'Dockerfile', tag);
    d2 = await startSecondDockerd([tag]);
    backendPort = await freePort();
    // The sample stack's labels and restart policy. Host networking with PORT set, rather than a
    // published port: nothing but the address changes, and it does not need Docker's bridge.
    backendId = await docker([
      'run', '-d', '--name', `vigil-seed-backend-${suffix}`, '--network', 'host',
      '--env', `PORT=${backendPort}`, '--env', 'HOST=127.0.0.1',
      '--label', 'vigil.test=1', '--label', `com.docker.compose.project=vigil-seed-${suffix}`,
      '--label', 'com.docker.compose.service=backend', '--label', 'vigil.supervise=true',
      '--restart', 'unless-stopped', '--health-interval', '1s', tag,
    ]);
    await waitForHealthy(backendId, 30_000, docker);

    const promPort = await freePort();
    vigil = await startVigil({
      DOCKER_HOSTS: d2.endpoint,
      PROMETHEUS_URL: `http://127.0.0.1:${promPort}`,
      PROMETHEUS_POLL_SECONDS: '1',
      WEBHOOK_TOKEN: TOKEN,
      ADMIN_PASSWORD: 'seed-outage-admin',
      QUIET_PERIOD_SECONDS: String(QUIET_PERIOD_SECONDS),
    });
    await vigil.app.ready();
    admin = new Client(vigil.url);
    expect((await admin.login('admin', 'seed-outage-admin')).status).toBe(200);
    proxy = await recordingProxy(vigil.url);
    am = await startSampleAlertmanager(`${proxy.url}/api/webhooks/alertmanager`, TOKEN);
    prom = await startSamplePrometheus({
      port: promPort,
      interval: '1s',
      addresses: {
        'backend:3001': `127.0.0.1:${backendPort}`,
        'frontend:3000': `127.0.0.1:${await freePort()}`,
        'vigil:8080': new URL(vigil.url).host,
        'alertmanager:9093': new URL(am.url).host,
      },
    });
    await eventually('Prometheus scraping the backend', 20_000, async () => ((await promQuery('up{job="backend"}')) === '1' ? true : undefined));
    await eventually('Vigil polling Prometheus', 20_000, async () => {
      const ready = await new Client(vigil.url).request('GET', '/readyz');
      return ready.body.sources.some((s: { source: string; state: string }) => s.source === 'prometheus' && s.state === 'up') ? true : undefined;
    });
  }, 300_000);

  afterAll(async () => {
    await prom?.stop();
    await am?.stop();
    await proxy?.close();
    await vigil?.stop();
    await d2?.stop();
    await removeImage(tag);
    if (context) await removeTempDir(context);
  });

  /** The backend as Vigil's Docker source lists it (GET /api/containers). */
  const backendContainer = () => eventually('backend in /api/containers', 20_000, async () => {
    const list = (await admin.request('GET', '/api/containers')).body as Array<{ id: string; service?: string; supervised: boolean }>;
    return list.find((c) => backendId.startsWith(c.id) || c.id.startsWith(backendId));
  });

  const backendIncidents = async (): Promise<Array<{ id: string }>> =>
    (await admin.request('GET', '/api/incidents?service=backend&status=all')).body.items;
  const incident = async (id: string): Promise<Incident> => (await admin.request('GET', `/api/incidents/${id}`)).body;
  const received = (e: Entry) => Date.parse(e.data.signals?.[0]?.receivedAt ?? e.at);

  test('backend killed → incident from Docker → alert and webhook on it → healed → resolved, in that order', async () => {
    const container = await backendContainer();
    expect(container).toMatchObject({ service: 'backend', supervised: true });
    const paused = await admin.send('POST', `/api/containers/${container.id}/supervision`, { paused: true });
    expect(paused.status, JSON.stringify(paused.body)).toBe(200);
    const killedAt = Date.now();
    await docker(['kill', backendId]);

    // 1. A Docker signal opens the incident.
    // Docker's kill → die (→ stop) is written as one entry once it settles (half a second).
    const opened = await eventually('an incident for backend, with its first entry', 10_000, async () => {
      const [listed] = await backendIncidents();
      return listed && (await incident(listed.id)).timeline.length > 0 ? listed : undefined;
    });
    const first = (await incident(opened.id)).timeline[0];
    expect(first?.source, `the incident was opened by ${first?.source} (${first?.kind}), not by a Docker signal: `
      + "is Vigil's Docker source (server/src/sources/docker) wired into createApp?").toBe('docker');
    const detectMs = received(first as Entry) - killedAt;

    // 2. BackendDown (`up == 0` for 15 s) fires; Prometheus's /api/v1/alerts (polled) and the
    //    Alertmanager webhook carry the same alert, and it lands on the incident Docker opened.
    const withAlert = await eventually('BackendDown on the incident', 60_000, async () => {
      const now = await incident(opened.id);
      return now.timeline.some((e) => e.kind === 'alert.firing') ? now : undefined;
    }).catch(async (err: unknown) => {
      // Say what happened instead: e.g. something else on this daemon restarted the backend early.
      const all = await Promise.all((await backendIncidents()).map((i) => incident(i.id)));
      const told = all.map((i) => `${i.id} (${i.status}):\n${i.timeline.map((e) => `  ${e.at} ${e.source} ${e.kind}: ${e.message}`).join('\n')}`);
      throw new Error(`${err instanceof Error ? err.message : String(err)}; the incidents of backend:\n${told.join('\n')}`);
    });
    const alertEntry = withAlert.timeline.find((e) => e.kind === 'alert.firing') as Entry;
    const alertMs = received(alertEntry) - killedAt;
    const labels = { alertname: 'BackendDown', instance: `127.0.0.1:${backendPort}`, job: 'backend', service: 'backend', severity: 'critical' };
    const amAlert = await eventually('BackendDown in Alertmanager', 20_000, async () => {
      const alerts = await (await fetch(`${am.url}/api/v2/alerts?filter=alertname%3D%22BackendDown%22`)).json() as Array<{ fingerprint: string; startsAt: string }>;
      return alerts[0];
    });
    expect(amAlert.fingerprint).toBe(alertFingerprint(labels));
    const webhookId = alertSignalId(amAlert.fingerprint, amAlert.startsAt, 'firing');
    expect(alertEntry.data.signals?.map((s) => s.id)).toEqual([webhookId]);
    const delivery = await eventually('the webhook carrying BackendDown', 30_000, async () => proxy.deliveries.find((d) => d.signalIds.includes(webhookId)));
    expect(delivery.status, delivery.answer).toBe(200);
    const webhookMs = delivery.atMs - killedAt;
    // Both paths made one signal: one alert entry, one incident.
    expect((await incident(opened.id)).timeline.filter((e) => e.kind === 'alert.firing')).toHaveLength(1);
    expect(await backendIncidents()).toHaveLength(1);

    const early = await docker(['inspect', '--format', '{{.State.Running}}', backendId]);
    expect(early, 'the backend ran again before this test healed it, with its supervision paused here: '
      + 'is another Vigil supervising containers on this Docker daemon at the same time?').toBe('false');

    // 3. Healed: a responder restarts it through Vigil (the restart policy never restarts a
    //    `docker kill`), and supervision resumes.
    const restart = await admin.send('POST', `/api/containers/${container.id}/restart`);
    expect(restart.status, JSON.stringify(restart.body)).toBe(202);
    expect((await admin.send('POST', `/api/containers/${container.id}/supervision`, { paused: false })).status).toBe(200);
    const healedAt = await eventually('backend running again', 120_000, async () => {
      const [running, startedAt] = (await docker(['inspect', '--format', '{{.State.Running}} {{.State.StartedAt}}', backendId])).split(' ');
      return running === 'true' && Date.parse(startedAt ?? '') > killedAt ? Date.parse(startedAt ?? '') : undefined;
    });

    // 4. The alert resolves, then the incident (quiet period 3 s).
    const done = await eventually('the incident resolved', 90_000, async () => {
      const now = await incident(opened.id);
      return now.status === 'resolved' ? now : undefined;
    });
    const at = (kind: string) => done.timeline.find((e) => e.kind === kind);
    const kinds = done.timeline.map((e) => e.kind);
    const order = ['container.die', 'alert.firing', 'user.restart_requested', 'container.start', 'alert.resolved', 'incident.resolved'];
    for (const kind of order) expect(kinds, `${kind} on the timeline: ${kinds.join(', ')}`).toContain(kind);
    const positions = order.map((kind) => kinds.indexOf(kind));
    expect(positions, `timeline order: ${kinds.join(' → ')}`).toEqual([...positions].sort((a, b) => a - b));
    // The alert is stored by whichever path brought it first (the poll or the webhook), once.
    expect(done.sources).toContain('docker');
    expect(['prometheus', 'alertmanager']).toContain(alertEntry.data.signals?.[0]?.source);

    const resolvedAlert = at('alert.resolved') as Entry;
    const resolvedIncident = at('incident.resolved') as Entry;
    const lines = [
      `seed outage on real components (scrape/eval 1 s, BackendDown for: 15s, group_wait 2s, quiet period ${QUIET_PERIOD_SECONDS} s):`,
      `  kill → incident opened by Docker signal   ${detectMs} ms   (${first?.message})`,
      `  kill → alert on that incident             ${alertMs} ms   (via ${alertEntry.data.signals?.[0]?.source})`,
      `  kill → webhook with BackendDown           ${webhookMs} ms   (Vigil answered ${delivery.status} ${delivery.answer})`,
      `  kill → backend running again              ${healedAt - killedAt} ms   (restarted through Vigil once alerted)`,
      `  kill → alert resolved                     ${received(resolvedAlert) - killedAt} ms   (via ${resolvedAlert.data.signals?.[0]?.source})`,
      `  kill → incident resolved                  ${Date.parse(resolvedIncident.at) - killedAt} ms`,
      `  timeline: ${kinds.join(' → ')}`,
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
  }, 300_000);

  test('npm run gameday replays it against this stack: the supervisor heals it, and it reports detect, alert, heal and the incident', async () => {
    const settings = { VIGIL_URL: vigil.url, VIGIL_PASSWORD: 'seed-outage-admin', DOCKER_HOST: d2.endpoint, GAMEDAY_ALERT_WAIT_SECONDS: '30' };
    const elsewhere = await gameday({ ...settings, COMPOSE_PROJECT_NAME: `no-such-project-${suffix}` });
    expect(elsewhere.code).toBe(1);
    expect(elsewhere.stderr).toMatch(/No running container of the Compose service "backend" in project no-such-project-.*\nStart the stack first: docker-compose up -d/);

    const res = await gameday({ ...settings, COMPOSE_PROJECT_NAME: `vigil-seed-${suffix}` });
    process.stdout.write(res.stdout);
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(/^time to detect +\d+\.\d\d s {3}backend container died/m);
    expect(res.stdout).toMatch(/^time to alert +/m);
    expect(res.stdout).toMatch(/^time to heal +\d+\.\d\d s {3}vigil-seed-backend-\w+ running again/m);
    const [, id] = /^incident +http:\/\/127\.0\.0\.1:\d+\/incidents\/(\S+)/m.exec(res.stdout) ?? [];
    expect((await incident(id ?? '')).service).toBe('backend');
  }, 300_000);
});
