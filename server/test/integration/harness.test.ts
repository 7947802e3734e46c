// Proves the test harness starts the real components, with the sample stack's own configs and images.
import { randomUUID } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { alertmanagerBinary, startAlertmanager } from '../harness/alertmanager.ts';
import { ensureBaseImage, buildImage } from '../harness/base-image.ts';
import { stageBuildContext } from '../harness/build-context.ts';
import { requireComponent, describeWith } from '../harness/components.ts';
import { docker, ensureDockerDaemon, removeContainer, removeImage, waitForHealthy } from '../harness/docker.ts';
import { freePort } from '../harness/ports.ts';
import { prometheusBinary, startPrometheus } from '../harness/prometheus.ts';
import type { RunningPrometheus } from '../harness/prometheus.ts';
import { makeTempDir, removeTempDir, startProcess, waitForHttp } from '../harness/resources.ts';
import type { TrackedProcess } from '../harness/resources.ts';

const repo = path.resolve(import.meta.dirname, '../../..');
const sample = (...parts: string[]) => path.join(repo, 'sample-stack', ...parts);
const SAMPLE_RULES = sample('prometheus/rules/users-app.yml');
const SAMPLE_ALERT_NAMES = ['AppUnhealthy', 'BackendDown', 'FrontendDown', 'HighErrorRate'];

const prometheus = await requireComponent('prometheus', prometheusBinary);
const alertmanager = await requireComponent('alertmanager', alertmanagerBinary);
const dockerDaemon = await requireComponent('docker', ensureDockerDaemon);

async function fetchJson(url: string, init?: RequestInit): Promise<unknown> {
  const res = await fetch(url, init);
  const text = await res.text();
  if (!res.ok) throw new Error(`${init?.method ?? 'GET'} ${url}: HTTP ${res.status} ${text}`);
  // Alertmanager answers a posted alert with 200 and no body.
  return text === '' ? undefined : JSON.parse(text) as unknown;
}

/** Retries `check` until it returns a value other than undefined, or fails with the last reason. */
async function eventually<T>(what: string, timeoutMs: number, check: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown = 'never checked';
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value !== undefined) return value;
      last = 'not yet';
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${what} within ${timeoutMs} ms: ${last instanceof Error ? last.message : String(last)}`);
}

interface PromRule { name: string; type: string; state?: string }
async function loadedRules(prom: RunningPrometheus): Promise<PromRule[]> {
  const body = await fetchJson(`${prom.url}/api/v1/rules`) as { data: { groups: Array<{ rules: PromRule[] }> } };
  return body.data.groups.flatMap((g) => g.rules);
}

const HEALTH_PATH = { backend: '/api/health', frontend: '/healthz' } as const;

/** Runs a sample app as `node src/main.ts`, the way its image does, on a free loopback port. */
async function startSampleApp(app: 'backend' | 'frontend', env: Record<string, string> = {}): Promise<{ proc: TrackedProcess; url: string }> {
  const port = await freePort();
  const proc = startProcess(process.execPath, [sample('users-app', app, 'src/main.ts')], { env: { ...process.env, ...env, PORT: String(port), HOST: '127.0.0.1' } });
  const url = `http://127.0.0.1:${port}`;
  await waitForHttp(`${url}${HEALTH_PATH[app]}`, proc, 15_000);
  return { proc, url };
}

describe('the sample users app, as the harness runs it', () => {
  test('the frontend serves its page and forwards /api to the backend, with a JSON error once the backend is gone', async () => {
    const backend = await startSampleApp('backend');
    const frontend = await startSampleApp('frontend', { BACKEND_URL: backend.url });
    try {
      const page = await fetch(`${frontend.url}/`);
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('<div id="error" role="alert">');
      expect(await fetchJson(`${frontend.url}/api/users/1`)).toMatchObject({ id: '1', name: 'Ada Lovelace' });
      const invalid = await fetch(`${frontend.url}/api/users`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'No Email' }),
      });
      expect(invalid.status).toBe(400);
      expect(await invalid.json()).toEqual({ error: { code: 'invalid_user', message: 'email must be an address like name@example.com' } });

      await backend.proc.stop();
      const down = await fetch(`${frontend.url}/api/users`);
      expect(down.status).toBe(502);
      expect(await down.json()).toMatchObject({ error: { code: 'backend_unavailable' } });
      expect(await (await fetch(`${frontend.url}/healthz`)).json()).toEqual({ status: 'ok' });
    } finally {
      await frontend.proc.stop();
      await backend.proc.stop();
    }
  });
});

describeWith(prometheus, 'startPrometheus', () => {
  test('loads the sample stack prometheus.yml with its alert rules', async () => {
    const prom = await startPrometheus({ configFile: sample('prometheus/prometheus.yml') });
    try {
      const rules = await loadedRules(prom);
      expect(rules.filter((r) => r.type === 'alerting').map((r) => r.name).sort()).toEqual(SAMPLE_ALERT_NAMES);
      const flags = await fetchJson(`${prom.url}/api/v1/status/flags`) as { data: Record<string, string> };
      expect(flags.data['web.external-url']).toBe(`${prom.url}/`);
    } finally {
      await prom.stop();
    }
  });

  test('scrapes the real sample backend, and its rules see the backend turn unhealthy', async () => {
    const backend = await startSampleApp('backend');
    const port = new URL(backend.url).port;
    const prom = await startPrometheus({
      configYaml: [
        'scrape_configs:',
        '  - job_name: backend',
        '    static_configs:',
        `      - targets: ['127.0.0.1:${port}']`,
        '        labels: { service: backend }',
      ].join('\n'),
      ruleFiles: [SAMPLE_RULES],
      scrapeInterval: '1s',
    });
    try {
      const query = async (promql: string) => {
        const body = await fetchJson(`${prom.url}/api/v1/query?query=${encodeURIComponent(promql)}`) as { data: { result: Array<{ value: [number, string] }> } };
        return body.data.result[0]?.value[1];
      };
      await eventually('up{job="backend"} == 1', 15_000, async () => (await query('up{job="backend"}')) === '1' ? true : undefined);
      expect(await query('app_health{service="backend"}')).toBe('1');
      expect((await loadedRules(prom)).map((r) => r.name).sort()).toEqual(SAMPLE_ALERT_NAMES);

      await fetchJson(`${backend.url}/admin/health`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ healthy: false }),
      });
      // Pending is enough: the rule's expression matched the backend's real metric (`for` is 10 s).
      const alert = await eventually('AppUnhealthy pending', 10_000, async () => {
        const body = await fetchJson(`${prom.url}/api/v1/alerts`) as { data: { alerts: Array<{ labels: Record<string, string>; state: string }> } };
        return body.data.alerts.find((a) => a.labels.alertname === 'AppUnhealthy');
      });
      // Vigil joins an alert to its service by these labels.
      expect(alert.labels).toMatchObject({ job: 'backend', service: 'backend', severity: 'critical' });
    } finally {
      await prom.stop();
      await backend.proc.stop();
    }
  });
});

describeWith(alertmanager, 'startAlertmanager', () => {
  test('routes a posted alert through the sample stack config to the webhook as a version 4 payload', async () => {
    const received: Array<{ authorization: string | undefined; body: unknown }> = [];
    const receiver = http.createServer((req, res) => {
      let raw = '';
      req.setEncoding('utf8');
      req.on('data', (chunk: string) => { raw += chunk; });
      req.on('end', () => {
        received.push({ authorization: req.headers.authorization, body: JSON.parse(raw) as unknown });
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    const address = receiver.address();
    if (address === null || typeof address === 'string') throw new Error('the webhook receiver has no port');

    const dir = makeTempDir('webhook-token');
    const token = randomUUID();
    const tokenFile = path.join(dir, 'token');
    await writeFile(tokenFile, token);
    const sampleConfig = await readFile(sample('alertmanager/alertmanager.yml'), 'utf8');
    const vigilWebhook = 'http://vigil:8080/api/webhooks/alertmanager';
    const tokenInContainer = '/alertmanager/webhook_token';
    expect(sampleConfig).toContain(vigilWebhook);
    expect(sampleConfig).toContain(tokenInContainer);
    const am = await startAlertmanager({
      configYaml: sampleConfig
        .replace(vigilWebhook, `http://127.0.0.1:${address.port}/api/webhooks/alertmanager`)
        .replace(tokenInContainer, tokenFile),
    });
    try {
      const alertname = `HarnessProbe${Date.now()}`;
      await fetchJson(`${am.url}/api/v2/alerts`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify([{
          labels: { alertname, service: 'backend', severity: 'critical' },
          annotations: { summary: 'probe from the harness test' },
          startsAt: new Date().toISOString(),
        }]),
      });
      const delivery = await eventually('the webhook call', 15_000, async () => received[0]);
      expect(delivery.authorization).toBe(`Bearer ${token}`);
      expect(delivery.body).toMatchObject({
        version: '4',
        status: 'firing',
        receiver: 'vigil',
        externalURL: am.url,
        groupLabels: { alertname, service: 'backend' },
        alerts: [{ status: 'firing', labels: { alertname, service: 'backend', severity: 'critical' }, endsAt: '0001-01-01T00:00:00Z' }],
      });
    } finally {
      await am.stop();
      await removeTempDir(dir);
      await new Promise((resolve) => receiver.close(resolve));
    }
  });
});

describeWith(dockerDaemon, 'images without a registry', () => {
  const suffix = randomUUID().slice(0, 8);
  let baseTag = '';

  // The base image is never removed: it is the shared, cached stand-in for the official one.
  beforeAll(async () => {
    baseTag = (await ensureBaseImage()).tag;
  });

  test('ensureBaseImage yields an image whose node is Node 24', async () => {
    const name = `vigil-test-node-${suffix}`;
    try {
      const version = await docker(['run', '--name', name, '--label', 'vigil.test=1', baseTag, 'node', '--version']);
      expect(version).toMatch(/^v24\./);
    } finally {
      await removeContainer(name);
    }
  });

  test('the sample app images build on it offline and their containers become healthy', async () => {
    const apps = ([
      { app: 'backend', port: 3001, health: '/api/health' },
      { app: 'frontend', port: 3000, health: '/healthz' },
    ] as const).map((a) => ({ ...a, tag: `vigil-test/users-${a.app}:${suffix}`, name: `vigil-test-${a.app}-${suffix}` }));
    const contexts: string[] = [];
    try {
      await Promise.all(apps.map(async ({ app, port, health, tag, name }) => {
        const context = await stageBuildContext(sample('users-app', app));
        contexts.push(context);
        await buildImage(context, 'Dockerfile', tag);
        expect(await docker(['image', 'inspect', '--format', '{{.Config.User}}', tag])).toBe('node');
        // The image's own health check, probed every second instead of every 5 s to keep the test short.
        const id = await docker(['run', '-d', '--name', name, '--label', 'vigil.test=1', '--health-interval', '1s', '-p', `127.0.0.1::${port}`, tag]);
        await waitForHealthy(id, 30_000);
        const hostPort = /:(\d+)$/m.exec(await docker(['port', id, `${port}/tcp`]))?.[1];
        expect(hostPort, `${app} publishes ${port}`).toBeDefined();
        expect(await fetchJson(`http://127.0.0.1:${hostPort}${health}`)).toEqual({ status: 'ok' });
      }));
    } finally {
      for (const { tag, name } of apps) {
        await removeContainer(name);
        await removeImage(tag);
      }
      for (const context of contexts) await removeTempDir(context);
    }
  });
});
