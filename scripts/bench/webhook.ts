// Alerts end to end through the Alertmanager webhook of a real Vigil process (HTTP, JSON, validation,
// store, engine, embedded store): a burst, the same burst delivered again (it must add nothing), and
// a storm several times larger with Alertmanager's retry on 503, while Vigil's memory is sampled.
// Also Vigil's memory at rest, before any of it.
import { performance } from 'node:perf_hooks';
import { startVigil, WEBHOOK_TOKEN, type VigilProcess } from './vigil.ts';
import { row, sleep, type Row } from './stats.ts';

const ROUTE = '/api/webhooks/alertmanager';

interface Notification {
  body: string;
  alerts: number;
}

/** `count` firing alerts over `services` services, `perCall` to a notification (one service each). */
export function notifications(count: number, services: number, perCall: number, tag: string): Notification[] {
  const out: Notification[] = [];
  const startMs = Date.now() - 600_000;
  const perService = Math.max(1, Math.floor(count / services));
  for (let first = 0; first < count; first += perCall) {
    const alerts = [];
    for (let i = first; i < Math.min(first + perCall, count); i += 1) {
      const service = `wh-${tag}-${Math.floor(i / perService) % services}`;
      alerts.push({
        status: 'firing',
        labels: { alertname: 'BenchAlert', service, instance: `${service}:${i}`, severity: 'warning' },
        annotations: { summary: `bench alert ${i}` },
        startsAt: new Date(startMs + i).toISOString(),
        endsAt: '0001-01-01T00:00:00Z',
        generatorURL: 'http://prometheus.bench:9090/graph',
        fingerprint: `${tag}${i.toString(16).padStart(10, '0')}`,
      });
    }
    const service = alerts[0]?.labels.service ?? '';
    out.push({
      alerts: alerts.length,
      body: JSON.stringify({
        receiver: 'vigil', status: 'firing', alerts, groupLabels: { service }, commonLabels: { alertname: 'BenchAlert', service },
        commonAnnotations: {}, externalURL: 'http://alertmanager.bench:9093', version: '4', groupKey: `{}:{service="${service}"}`, truncatedAlerts: 0,
      }),
    });
  }
  return out;
}

interface Delivery {
  seconds: number;
  stored: number;
  busy: number;
}

/** Delivers like Alertmanager: `inFlight` at a time, each until it is answered 200 (a 503 is retried after its Retry-After). */
async function deliver(url: string, batch: Notification[], inFlight: number): Promise<Delivery> {
  let next = 0;
  let stored = 0;
  let busy = 0;
  const started = performance.now();
  await Promise.all(Array.from({ length: inFlight }, async () => {
    while (next < batch.length) {
      const n = batch[next++] as Notification;
      for (;;) {
        const res = await fetch(url + ROUTE, { method: 'POST', body: n.body, headers: { 'content-type': 'application/json', authorization: `Bearer ${WEBHOOK_TOKEN}` } });
        const text = await res.text();
        if (res.status === 200) {
          stored += (JSON.parse(text) as { stored: number }).stored;
          break;
        }
        if (res.status !== 503) throw new Error(`the webhook answered ${res.status}: ${text}`);
        busy += 1;
        await sleep(Number(res.headers.get('retry-after') ?? '1') * 100);
      }
    }
  }));
  return { seconds: (performance.now() - started) / 1000, stored, busy };
}

async function countAll(vigil: VigilProcess): Promise<{ incidents: number; entries: number }> {
  const { SqliteStore } = await import('../../server/src/store/sqlite/store.ts');
  const store = new SqliteStore(vigil.dataDir);
  await store.init();
  try {
    let incidents = 0;
    let entries = 0;
    let cursor: string | undefined;
    do {
      const page = await store.incidents.list({ status: 'all', limit: 500, ...(cursor ? { cursor } : {}) });
      incidents += page.items.length;
      entries += (await store.timeline.forIncidents(page.items.map((i) => i.id))).length;
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    return { incidents, entries };
  } finally {
    await store.close();
  }
}

export async function webhookBench(options: { alerts: number; services: number; stormAlerts: number; logDir: string }): Promise<Row[]> {
  const rows: Row[] = [];
  const vigil = await startVigil({ name: 'webhook', logDir: options.logDir });
  try {
    await sleep(3_000);
    rows.push(row('webhook', 'server RSS at rest, embedded, empty store', Math.round(vigil.memory().rss / 2 ** 20), 'MB', { kind: 'max', value: 150 },
      'a fresh Vigil (node server/src/main.ts), signed in once, 3 s after it answered /readyz'));

    const burst = notifications(options.alerts, options.services, 100, 'b');
    const first = await deliver(vigil.url, burst, 8);
    if (first.stored !== options.alerts) throw new Error(`${first.stored} alerts stored of ${options.alerts}`);
    rows.push(row('webhook', 'webhook end to end, embedded: throughput', Math.round(options.alerts / first.seconds), 'alerts/s', { kind: 'min', value: 10_000 },
      `${options.alerts.toLocaleString('en-US')} alerts over ${options.services.toLocaleString('en-US')} services, 100 per notification, 8 in flight: HTTP, JSON, validation, store, engine (${first.busy} answered 503 and retried)`));
    const before = await countAll(vigil);
    const again = await deliver(vigil.url, burst, 8);
    const after = await countAll(vigil);
    rows.push(row('webhook', 'webhook: the same burst again, what it added', again.stored + (after.incidents - before.incidents) + (after.entries - before.entries), 'signals+incidents+entries', { kind: 'max', value: 0 },
      `re-delivered at ${Math.round(options.alerts / again.seconds).toLocaleString('en-US')} alerts/s; ${after.incidents.toLocaleString('en-US')} incidents and ${after.entries.toLocaleString('en-US')} entries before and after`));

    const storm = notifications(options.stormAlerts, options.services * 5, 100, 's');
    const samples: number[] = [];
    const base = vigil.memory().rss;
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        samples.push(vigil.memory().rss);
        await sleep(100);
      }
    })();
    const stormRun = await deliver(vigil.url, storm, 32);
    sampling = false;
    await sampler;
    const peak = Math.max(...samples);
    rows.push(row('webhook', 'storm: server RSS peak over its start', Math.round((peak - base) / 2 ** 20), 'MB', { kind: 'max', value: 100 },
      `${options.stormAlerts.toLocaleString('en-US')} alerts, 32 notifications in flight, ${Math.round(options.stormAlerts / stormRun.seconds).toLocaleString('en-US')} alerts/s; RSS ${Math.round(base / 2 ** 20)} → peak ${Math.round(peak / 2 ** 20)} MB; ${stormRun.busy} answered 503 ingest_busy and retried`,
      { rssMB: samples.map((b) => Math.round(b / 2 ** 20)) }));
  } finally {
    await vigil.stop();
  }
  return rows;
}
