// Issue 18, item 2: a Prometheus that answers without end must not take Vigil down. A real Vigil
// (its own process) against a fake Prometheus (its own process) that streams 8,000 series × 2,001
// points (~400 MB of JSON) for any range query, a million alerts for the poll, or drips a byte at a
// time: Vigil stops reading at its budget, answers a clear 4xx/5xx, stays alive, and its resident
// memory (VmRSS, sampled all along) stays under 500 MB.
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startFakePrometheus, type FakePrometheus } from '../harness/fake-prometheus.ts';
import { freePort } from '../harness/ports.ts';
import { makeTempDir, removeTempDir, type TrackedProcess } from '../harness/resources.ts';
import { Client } from '../harness/vigil.ts';
import { startVigilProcess } from './fault-support.ts';

const RSS_LIMIT_MB = 500;

/** The largest VmRSS of `pid` seen while `work` runs, in MB (sampled every 20 ms). */
async function peakRss<T>(pid: number, work: () => Promise<T>): Promise<{ result: T; peakMb: number }> {
  let peakKb = 0;
  let sampling = true;
  const sample = async () => {
    while (sampling) {
      const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
      const kb = Number(/^VmRSS:\s+(\d+) kB/m.exec(status)?.[1] ?? 0);
      peakKb = Math.max(peakKb, kb);
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  const sampler = sample();
  try {
    const result = await work();
    return { result, peakMb: Math.round(peakKb / 1024) };
  } finally {
    sampling = false;
    await sampler;
  }
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

describe('a Prometheus whose answers have no end', () => {
  let fake: FakePrometheus;
  let vigil: { proc: TrackedProcess; url: string };
  let dataDir: string;
  let admin: Client;
  let viewer: Client;
  let pid: number;

  /** 2,001 points at 1 s, ending now. */
  const window = () => {
    const end = Math.floor(Date.now() / 1000);
    return `start=${end - 2000}&end=${end}&step=1s`;
  };
  const alive = async () => (await fetch(`${vigil.url}/healthz`)).status === 200;

  beforeAll(async () => {
    fake = await startFakePrometheus();
    dataDir = makeTempDir('vigil-huge-prometheus');
    vigil = await startVigilProcess({
      PORT: String(await freePort()), DATA_DIR: dataDir, PROMETHEUS_URL: fake.url, PROMETHEUS_POLL_SECONDS: '1',
      ADMIN_PASSWORD: 'huge-answers-admin', DOCKER_HOSTS: `tcp://127.0.0.1:${await freePort()}`,
    });
    pid = vigil.proc.child.pid ?? 0;
    expect(pid).toBeGreaterThan(0);
    admin = new Client(vigil.url);
    await eventually('admin signs in', 20_000, async () => ((await admin.login('admin', 'huge-answers-admin')).status === 200 ? true : undefined));
    expect((await admin.send('POST', '/api/users', { username: 'looker', password: 'looker-password-18', role: 'viewer' })).status).toBe(201);
    viewer = new Client(vigil.url);
    expect((await viewer.login('looker', 'looker-password-18')).status).toBe(200);
  }, 60_000);
  afterAll(async () => {
    await vigil?.proc.stop();
    await fake?.stop();
    if (dataDir) await removeTempDir(dataDir);
  });

  test('a small answer is a chart: the bounded read still reads a whole answer', async () => {
    await fake.setMode({ series: 3, points: 2001 });
    const res = await viewer.request('GET', `/api/metrics/query_range?chart=up&service=backend&${window()}`);
    expect(res.status).toBe(200);
    expect(res.body.series).toHaveLength(3);
    expect(res.body.series[0].points).toHaveLength(2001);
    // Prometheus ≥ 3 stops at `limit` series itself; its own evaluation timeout is under Vigil's.
    const asked = (await fake.seen()).filter((s) => s.path === '/api/v1/query_range').at(-1);
    expect(asked).toMatchObject({ limit: '201', timeout: '19s' });
  });

  test('8,000 series × 2,001 points: 422 answer_too_large, Vigil alive and under 500 MB', async () => {
    await fake.setMode({ series: 8000, points: 2001 });
    const started = Date.now();
    const { result: res, peakMb } = await peakRss(pid, () => viewer.request('GET', `/api/metrics/query_range?chart=up&service=backend&${window()}`));
    process.stdout.write(`8,000 × 2,001 answer: ${res.status} in ${Date.now() - started} ms, Vigil's peak RSS ${peakMb} MB\n`);
    expect(res.status).toBe(422);
    expect(res.body.error).toMatchObject({
      code: 'answer_too_large',
      message: expect.stringMatching(/^Prometheus's answer passed [\d.]+ MB before it ended; Vigil stopped reading it: more than a chart can show\. Ask for a shorter window or a larger step\.$/),
    });
    expect(peakMb).toBeLessThan(RSS_LIMIT_MB);
    expect(await alive()).toBe(true);
  }, 60_000);

  test('an admin\'s free-form query gets the same bound, with advice on narrowing PromQL', async () => {
    const res = await admin.request('GET', `/api/metrics/query_range?query=${encodeURIComponent('count({__name__=~".+"}) by (__name__)')}&${window()}`);
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe('answer_too_large');
    expect(res.body.error.message).toMatch(/Narrow it with label matchers, aggregate it \(sum by …\)/);
  }, 60_000);

  test('ten such requests at once: every one refused, Vigil under 500 MB', async () => {
    const { result, peakMb } = await peakRss(pid, () => Promise.all(Array.from({ length: 10 }, () => viewer.request('GET', `/api/metrics/query_range?chart=requests&service=backend&${window()}`))));
    process.stdout.write(`10 × (8,000 × 2,001) at once: ${result.map((r) => r.status).join(' ')}, Vigil's peak RSS ${peakMb} MB\n`);
    for (const r of result) expect(r.body.error.code).toBe('answer_too_large');
    expect(peakMb).toBeLessThan(RSS_LIMIT_MB);
    expect(await alive()).toBe(true);
  }, 120_000);

  test('201 short series: 422 too_many_series, saying how to narrow it', async () => {
    await fake.setMode({ series: 201, points: 5 });
    const end = Math.floor(Date.now() / 1000);
    const res = await viewer.request('GET', `/api/metrics/query_range?chart=up&service=backend&start=${end - 4}&end=${end}&step=1s`);
    expect(res.status).toBe(422);
    expect(res.body.error).toMatchObject({ code: 'too_many_series', message: 'The query returns more than 200 series; a chart shows at most 200. Ask for a shorter window or a larger step.' });
  });

  test('the poll: a million alerts and huge sample answers make Prometheus "down" with the reason, not an out-of-memory', async () => {
    await fake.setMode({ series: 8000, points: 2001, hugePoll: true });
    const { result: down, peakMb } = await peakRss(pid, () => eventually('prometheus down on /readyz', 30_000, async () => {
      const ready = await new Client(vigil.url).request('GET', '/readyz');
      const s = ready.body.sources.find((x: { source: string }) => x.source === 'prometheus');
      return s?.state === 'down' ? s : undefined;
    }));
    process.stdout.write(`huge poll answers: Vigil's peak RSS ${peakMb} MB\n`);
    expect(down.detail).toMatch(/^Prometheus's answer passed 16 MB before it ended; Vigil stopped reading it$/);
    expect(peakMb).toBeLessThan(RSS_LIMIT_MB);
    expect(await alive()).toBe(true);
    await fake.setMode({ series: 3, points: 10, hugePoll: false });
    await eventually('prometheus up again', 60_000, async () => {
      const ready = await new Client(vigil.url).request('GET', '/readyz');
      return ready.body.sources.find((x: { source: string }) => x.source === 'prometheus')?.state === 'up' ? true : undefined;
    });
  }, 120_000);

  test('an answer that never ends: 504 within the chart budget (20 s), not a request held forever', async () => {
    await fake.setMode({ drip: true });
    const started = Date.now();
    const res = await viewer.request('GET', `/api/metrics/query_range?chart=up&service=backend&${window()}`);
    const took = Date.now() - started;
    process.stdout.write(`dripping answer: ${res.status} after ${took} ms\n`);
    expect(res.status).toBe(504);
    expect(res.body.error).toMatchObject({ code: 'prometheus_timeout', message: expect.stringMatching(/did not answer within 20 s/) });
    expect(took).toBeGreaterThanOrEqual(19_000);
    expect(took).toBeLessThan(40_000);
    expect(await alive()).toBe(true);
    await fake.setMode({ drip: false });
  }, 60_000);
});
