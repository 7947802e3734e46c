// Issue 18, items 3 and 12, against a real Prometheus (Debian's) and a real Vigil: a viewer's raw
// PromQL is refused with 403, named charts are built on the server and work, an injection through
// the service name stays a string, and PromQL built from data (charts, post-mortem, ALERTS
// selectors) is escaped one way — checked by Prometheus's own parser reading the values back.
import { afterAll, beforeAll, expect, test } from 'vitest';
import { promString } from '../../src/domain/promql.ts';
import { failedRequestsQuery, upRuleExpr } from '../../src/domain/postmortem/findings.ts';
import { prometheusApi } from '../../src/sources/prometheus/client.ts';
import { describeWith, requireComponent } from '../harness/components.ts';
import { prometheusBinary, startPrometheus, type RunningPrometheus } from '../harness/prometheus.ts';
import { freePort } from '../harness/ports.ts';
import { Client, startVigil, type RunningVigil } from '../harness/vigil.ts';

const prometheus = await requireComponent('prometheus', prometheusBinary);

/** A job name written to hurt: backslashes (one at the end), quotes, a newline, PromQL syntax. */
const WEIRD_JOB = 'we\\ird "job"\nx"} or vector(1) or up{job="\\';

async function eventually<T>(what: string, timeoutMs: number, check: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describeWith(prometheus, 'PromQL from viewers and from data', () => {
  let prom: RunningPrometheus;
  let vigil: RunningVigil;
  let admin: Client;
  let viewer: Client;
  let viewerToken: Client;

  const window = () => {
    const end = Date.now() / 1000;
    return `start=${end - 60}&end=${end}&step=1s`;
  };

  beforeAll(async () => {
    const port = await freePort();
    // Prometheus scrapes itself twice: as job "self", and as a job whose name is WEIRD_JOB.
    prom = await startPrometheus({
      port,
      scrapeInterval: '1s',
      configYaml: [
        'scrape_configs:',
        '  - job_name: self',
        `    static_configs: [{ targets: ['127.0.0.1:${port}'] }]`,
        `  - job_name: ${JSON.stringify(WEIRD_JOB)}`,
        `    static_configs: [{ targets: ['127.0.0.1:${port}'] }]`,
      ].join('\n'),
    });
    vigil = await startVigil({ PROMETHEUS_URL: prom.url, PROMETHEUS_POLL_SECONDS: '0', ADMIN_PASSWORD: 'queries-admin-pw' });
    await vigil.app.ready();
    admin = new Client(vigil.url);
    expect((await admin.login('admin', 'queries-admin-pw')).status).toBe(200);
    expect((await admin.send('POST', '/api/users', { username: 'reader', password: 'reader-password-18', role: 'viewer' })).status).toBe(201);
    viewer = new Client(vigil.url);
    expect((await viewer.login('reader', 'reader-password-18')).status).toBe(200);
    const token = await admin.send('POST', '/api/tokens', { name: 'viewer-bot', role: 'viewer' });
    expect(token.status).toBe(201);
    viewerToken = new Client(vigil.url);
    viewerToken.bearer = token.body.token;
  }, 60_000);
  afterAll(async () => {
    await vigil?.stop();
    await prom?.stop();
  });

  test('a viewer\'s raw PromQL is refused with 403, by session and by API token; nothing reaches Prometheus', async () => {
    for (const query of ['count({__name__=~".+"}) by (__name__)', 'up{job="x"} or vector(1)', 'up']) {
      for (const who of [viewer, viewerToken]) {
        const res = await who.request('GET', `/api/metrics/query_range?query=${encodeURIComponent(query)}&${window()}`);
        expect(res.status).toBe(403);
        expect(res.body.error).toEqual({
          code: 'forbidden',
          message: 'Free-form PromQL (query=) needs the admin role; you are signed in as viewer. Ask for a named chart instead: chart=up|app_health|requests|errors&service=<service>.',
        });
      }
    }
    // Not a chart name: refused before anything is built.
    const odd = await viewer.request('GET', `/api/metrics/query_range?chart=${encodeURIComponent('count({__name__=~".+"})')}&service=self&${window()}`);
    expect(odd.status).toBe(400);
    expect(odd.body.error.message).toMatch(/chart: expected one of up, app_health, requests, errors/);
  });

  test('named charts work for a viewer against the real Prometheus; the answer says which PromQL ran', async () => {
    const res = await eventually('up{job="self"} scraped', 20_000, async () => {
      const r = await viewer.request('GET', `/api/metrics/query_range?chart=up&service=self&${window()}`);
      return r.status === 200 && r.body.series.length > 0 ? r : undefined;
    });
    expect(res.body).toMatchObject({ chart: 'up', service: 'self', query: 'up{job="self"} or up{service="self"}', stepSeconds: 1 });
    expect(res.body.series[0].labels).toMatchObject({ __name__: 'up', job: 'self' });
    expect(res.body.series[0].points.at(-1)[1]).toBe(1);
    for (const chart of ['app_health', 'requests', 'errors']) {
      const r = await viewer.request('GET', `/api/metrics/query_range?chart=${chart}&service=self&${window()}`);
      expect(r.status, `${chart}: ${JSON.stringify(r.body)}`).toBe(200);
      expect(r.body.chart).toBe(chart);
    }
    // An admin may still run PromQL of their own.
    const raw = await admin.request('GET', `/api/metrics/query_range?query=${encodeURIComponent('up{job="self"}')}&${window()}`);
    expect(raw.status).toBe(200);
    expect(raw.body.series).toHaveLength(1);
  }, 30_000);

  test('a service name that is PromQL stays a string: it finds its own series and nothing else', async () => {
    const res = await eventually('the weird job scraped', 20_000, async () => {
      const r = await viewer.request('GET', `/api/metrics/query_range?chart=up&service=${encodeURIComponent(WEIRD_JOB)}&${window()}`);
      return r.status === 200 && r.body.series.length > 0 ? r : undefined;
    });
    // Exactly the series of that job — not `vector(1)` (no labels), not every `up`.
    expect(res.body.series).toHaveLength(1);
    expect(res.body.series[0].labels).toMatchObject({ __name__: 'up', job: WEIRD_JOB });
    const injected = await viewer.request('GET', `/api/metrics/query_range?chart=up&service=${encodeURIComponent('x"} or vector(1) or up{job="self')}&${window()}`);
    expect(injected.status).toBe(200);
    expect(injected.body.series).toEqual([]);
  }, 30_000);

  test('Prometheus\'s parser reads back every value exactly as promString wrote it', async () => {
    const api = prometheusApi(prom.url);
    const values = ['plain', 'replacement \ufffd char', 'back\\slash', 'ends\\', '\\\\', 'a "quoted" word', 'two\nlines', 'cr\r\ntab\t', 'nul\u0000esc\u001bdel\u007f', 'Zürich 🚀', "single ' quote", '`tick`', '$1 ${x}'];
    const end = Date.now();
    for (const value of values) {
      // absent() of an equality selector returns the selector's labels: the literal, as parsed.
      const series = await api.queryRange(`absent(nonexistent_metric_18{v=${promString(value)}})`, end - 1000, end, 1, { maxSeries: 1, budget: { maxBytes: 65_536, timeoutMs: 5_000 } });
      expect(series[0]?.labels['v'], JSON.stringify(value)).toBe(value);
    }
    const lone = await api.queryRange(`absent(nonexistent_metric_18{v=${promString('half \ud800')}})`, end - 1000, end, 1, { maxSeries: 1, budget: { maxBytes: 65_536, timeoutMs: 5_000 } });
    expect(lone[0]?.labels['v']).toBe('half \ufffd');
  });

  test('the post-mortem\'s PromQL for a job with backslashes, quotes and a newline parses and matches the job', async () => {
    const api = prometheusApi(prom.url);
    await expect(api.instantValue(failedRequestsQuery(WEIRD_JOB, 60), Date.now())).resolves.toBeUndefined();
    const rule = await eventually('the weird job is up', 20_000, async () => api.instantValue(upRuleExpr(WEIRD_JOB).replace(/ == 0$/, ''), Date.now()));
    expect(rule).toBe(1);
  }, 30_000);
});
