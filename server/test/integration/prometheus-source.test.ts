// The Prometheus source on a real Vigil against a real Prometheus running the sample stack's config
// and rules (addresses and intervals rewritten for loopback), with no Alertmanager: target health
// and the polled alerts open, feed and close one incident; query_range serves charts; a Prometheus
// that is away is reported and reconnected to.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { alertFingerprint } from '../../src/sources/alertmanager/fingerprint.ts';
import { alertSignalId } from '../../src/sources/alertmanager/normalize.ts';
import { describeWith, requireComponent } from '../harness/components.ts';
import { freePort } from '../harness/ports.ts';
import { prometheusBinary } from '../harness/prometheus.ts';
import { startSampleApp, startSamplePrometheus } from '../harness/sample-stack.ts';
import { Client, startVigil, type RunningVigil } from '../harness/vigil.ts';

const prometheus = await requireComponent('prometheus', prometheusBinary);

async function eventually<T>(what: string, timeoutMs: number, check: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describeWith(prometheus, 'the Prometheus source', () => {
  let vigil: RunningVigil;
  let prom: Awaited<ReturnType<typeof startSamplePrometheus>>;
  let backend: Awaited<ReturnType<typeof startSampleApp>>;
  let admin: Client;
  let promPort: number;
  const closedPort = async () => `127.0.0.1:${await freePort()}`;

  const prometheusStatus = async () => {
    const ready = await new Client(vigil.url).request('GET', '/readyz');
    return ready.body.sources.find((s: { source: string }) => s.source === 'prometheus');
  };

  beforeAll(async () => {
    backend = await startSampleApp('backend');
    promPort = await freePort();
    // Vigil first, with Prometheus not there yet: it must say so, then find it by itself.
    vigil = await startVigil({
      PROMETHEUS_URL: `http://127.0.0.1:${promPort}`, PROMETHEUS_POLL_SECONDS: '1', ADMIN_PASSWORD: 'prometheus-admin-pw',
    }, { quietPeriodMs: 1000 });
    await vigil.app.ready();
    admin = new Client(vigil.url);
    await admin.login('admin', 'prometheus-admin-pw');
  });
  afterAll(async () => {
    await vigil?.stop();
    await prom?.stop();
    await backend?.proc.stop();
  });

  test('a Prometheus that is not there is reported down, and found once it starts', async () => {
    const down = await eventually('prometheus down on /readyz', 10_000, async () => {
      const s = await prometheusStatus();
      return s?.state === 'down' ? s : undefined;
    });
    expect(down.detail).toMatch(/cannot be reached/);
    prom = await startSamplePrometheus({
      port: promPort,
      interval: '1s',
      addresses: {
        'backend:3001': backend.address,
        'frontend:3000': await closedPort(),
        'vigil:8080': new URL(vigil.url).host,
        'alertmanager:9093': await closedPort(),
      },
    });
    const started = Date.now();
    await eventually('prometheus up on /readyz', 30_000, async () => ((await prometheusStatus())?.state === 'up' ? true : undefined));
    process.stdout.write(`Prometheus started → Vigil reports it up: ${Date.now() - started} ms\n`);
  });

  test('query_range serves a chart; bad input is 400, a missing session 401', async () => {
    await eventually('up{job="backend"} scraped', 15_000, async () => {
      const end = Date.now() / 1000;
      const res = await admin.request('GET', `/api/metrics/query_range?query=${encodeURIComponent('up{job="backend"}')}&start=${end - 30}&end=${end}&step=1s`);
      return res.status === 200 && res.body.series.length > 0 ? res : undefined;
    }).then((res) => {
      expect(res.body.series[0].labels).toMatchObject({ __name__: 'up', job: 'backend', service: 'backend' });
      const [time, value] = res.body.series[0].points.at(-1);
      expect(time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      expect(value).toBe(1);
    });
    const now = new Date().toISOString();
    const bad = await admin.request('GET', `/api/metrics/query_range?query=${encodeURIComponent('up{')}&start=${now}&end=${now}&step=15s`);
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatchObject({ code: 'invalid_query', message: expect.stringMatching(/Prometheus refused the query: .*parse error/) });
    const missing = await admin.request('GET', '/api/metrics/query_range?query=up');
    expect(missing.status).toBe(400);
    expect(missing.body.error.message).toMatch(/start: required.*end: required.*step: required/);
    const wide = await admin.request('GET', '/api/metrics/query_range?query=up&start=0&end=864000&step=60');
    expect(wide.status).toBe(400);
    expect(wide.body.error.message).toMatch(/end: the range from start to end may span at most 7 days/);
    expect((await new Client(vigil.url).request('GET', '/api/metrics/query_range?query=up&start=0&end=60&step=15')).status).toBe(401);
  });

  test('backend down: Prometheus opens the incident, its alert joins it (no Alertmanager); back up: it resolves', async () => {
    const killedAt = Date.now();
    await backend.proc.stop();
    const incident = await eventually('an incident for backend', 20_000, async () => {
      const list = await admin.request('GET', '/api/incidents?service=backend');
      return list.body.items[0];
    });
    process.stdout.write(`backend stopped → service_down incident: ${Date.now() - killedAt} ms (scrape 1s, poll 1s)\n`);
    expect(incident).toMatchObject({ title: 'Prometheus reports backend down', sources: ['prometheus'] });

    // BackendDown: `up == 0` for 15s, as the sample rule says.
    const withAlert = await eventually('BackendDown on the incident', 40_000, async () => {
      const full = (await admin.request('GET', `/api/incidents/${incident.id}`)).body;
      return full.timeline.find((e: { kind: string }) => e.kind === 'alert.firing') ? full : undefined;
    });
    process.stdout.write(`backend stopped → BackendDown (polled) on the same incident: ${Date.now() - killedAt} ms\n`);
    const firing = withAlert.timeline.find((e: { kind: string }) => e.kind === 'alert.firing');
    const [signal] = firing.data.signals;
    const labels = { alertname: 'BackendDown', instance: backend.address, job: 'backend', service: 'backend', severity: 'critical' };
    expect(signal).toMatchObject({ source: 'prometheus', attributes: { alertname: 'BackendDown', fingerprint: alertFingerprint(labels) } });
    // The id the Alertmanager webhook would carry for this alert.
    expect(signal.id).toBe(alertSignalId(alertFingerprint(labels), signal.attributes.firingAt, 'firing'));
    expect(Date.parse(signal.attributes.firingAt) - Date.parse(signal.attributes.pendingAt)).toBeGreaterThanOrEqual(15_000);

    const restartedAt = Date.now();
    backend = await startSampleApp('backend', { port: backend.port });
    const done = await eventually('the incident resolved', 30_000, async () => {
      const full = (await admin.request('GET', `/api/incidents/${incident.id}`)).body;
      return full.status === 'resolved' ? full : undefined;
    });
    process.stdout.write(`backend back → incident resolved: ${Date.now() - restartedAt} ms (quiet period 1s)\n`);
    const kinds = done.timeline.map((e: { kind: string }) => e.kind);
    // Mitigated once Prometheus scrapes it again; resolved only after the alert has resolved too.
    expect(kinds).toEqual(['prometheus.service_down', 'alert.firing', 'prometheus.service_up', 'incident.mitigated', 'alert.resolved', 'incident.resolved']);
  }, 90_000);

  test('a Prometheus that goes away: /readyz says so, charts answer 503', async () => {
    await prom.stop();
    await eventually('prometheus down on /readyz', 15_000, async () => ((await prometheusStatus())?.state === 'down' ? true : undefined));
    const end = Date.now() / 1000;
    const res = await admin.request('GET', `/api/metrics/query_range?query=up&start=${end - 60}&end=${end}&step=15`);
    expect(res.status).toBe(503);
    expect(res.body.error).toMatchObject({ code: 'prometheus_unavailable', message: expect.stringMatching(/Prometheus at http:\/\/127\.0\.0\.1:\d+ cannot be reached/) });
  });
});

describeWith(prometheus, 'the Prometheus source across a restart of Vigil', () => {
  test('what changed while Vigil was away is reported once it is back; nothing is reported twice', async () => {
    const backend = await startSampleApp('backend');
    const closed = async () => `127.0.0.1:${await freePort()}`;
    const prom = await startSamplePrometheus({
      interval: '1s',
      addresses: { 'backend:3001': backend.address, 'frontend:3000': await closed(), 'vigil:8080': await closed(), 'alertmanager:9093': await closed() },
    });
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-prom-restart-'));
    const env = { DATA_DIR: dataDir, PROMETHEUS_URL: prom.url, PROMETHEUS_POLL_SECONDS: '1', ADMIN_PASSWORD: 'prometheus-admin-pw' };
    let vigil = await startVigil(env, { quietPeriodMs: 1000 });
    let restarted = backend;
    try {
      const admin = async () => {
        await vigil.app.ready();
        const c = new Client(vigil.url);
        await c.login('admin', 'prometheus-admin-pw');
        return c;
      };
      const timelineKinds = async (c: Client) => {
        const [item] = (await c.request('GET', '/api/incidents?service=backend&status=all')).body.items;
        return item === undefined ? [] : (await c.request('GET', `/api/incidents/${item.id}`)).body.timeline.map((e: { kind: string }) => e.kind) as string[];
      };
      let c = await admin();
      await eventually('Prometheus up', 20_000, async () => {
        const ready = await c.request('GET', '/readyz');
        return ready.body.sources.some((s: { source: string; state: string }) => s.source === 'prometheus' && s.state === 'up') ? true : undefined;
      });
      await backend.proc.stop();
      await eventually('service_down stored', 20_000, async () => ((await timelineKinds(c)).includes('prometheus.service_down') ? true : undefined));
      await vigil.stop();

      // Back while Vigil is away; Vigil restarts on the same store.
      restarted = await startSampleApp('backend', { port: backend.port });
      await new Promise((r) => setTimeout(r, 3000));
      vigil = await startVigil(env, { quietPeriodMs: 1000 });
      c = await admin();
      const kinds = await eventually('the incident resolved after the restart', 30_000, async () => {
        const now = await timelineKinds(c);
        return now.includes('incident.resolved') ? now : undefined;
      });
      expect(kinds.filter((k) => k === 'prometheus.service_down')).toHaveLength(1);
      expect(kinds.filter((k) => k === 'prometheus.service_up')).toHaveLength(1);
    } finally {
      await vigil.stop();
      await prom.stop();
      await restarted.proc.stop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  }, 90_000);
});
