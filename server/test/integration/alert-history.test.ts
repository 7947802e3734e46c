// Alert history on a real Vigil: alerts delivered through the webhook (recorded Alertmanager 0.25
// payloads), then found through GET /api/alerts by service, name, label and text, with their
// periods and incidents; every refusal a clear 400. And the webhook's rules around it: a group
// truncated by max_alerts completed from the Alertmanager API (here an HTTP server answering the
// recorded GET /api/v2/alerts/groups), a failed read storing what came and answering 503, and the
// regex-escaped receiver shown unescaped.
import fs, { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { Client, startVigil, type RunningVigil } from '../harness/vigil.ts';

const TOKEN = 'test-webhook-token-history-0123';
const fixtures = path.join(import.meta.dirname, '../fixtures/alertmanager');
const load = (file: string) => JSON.parse(readFileSync(path.join(fixtures, file), 'utf8'));
const truncated = load('am-0.25-webhook-truncated.json').body;
const recordedGroups = load('am-0.25-api-v2-alert-groups.json') as Array<{ alerts: Array<Record<string, unknown>> }>;

/** A stand-in address for the recorded Alertmanager API: answers what 0.25 answered, with endsAt moved ahead as a live one keeps it. */
async function recordedAlertmanager(auth: string) {
  let up = true;
  const seen: string[] = [];
  const server = http.createServer((req, res) => {
    seen.push(`${req.method} ${req.url} ${req.headers.authorization ?? ''}`);
    if (!up || req.headers.authorization !== `Basic ${Buffer.from(auth).toString('base64')}`) {
      res.writeHead(up ? 401 : 503).end();
      return;
    }
    const endsAt = new Date(Date.now() + 300_000).toISOString();
    const groups = recordedGroups.map((g) => ({ ...g, alerts: g.alerts.map((a) => ({ ...a, endsAt })) }));
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(groups));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://${auth}@127.0.0.1:${port}`, seen,
    setUp(value: boolean) { up = value; },
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function webhook(alerts: Array<{ name: string; labels: Record<string, string>; startsAt: string; endsAt?: string; fp: string }>, extra: Record<string, unknown> = {}) {
  return {
    receiver: 'vigil', status: alerts.every((a) => a.endsAt) ? 'resolved' : 'firing', version: '4', groupKey: '{}:{}', truncatedAlerts: 0,
    groupLabels: {}, commonLabels: {}, commonAnnotations: {}, externalURL: 'http://127.0.0.1:1',
    alerts: alerts.map((a) => ({
      status: a.endsAt ? 'resolved' : 'firing', labels: { alertname: a.name, ...a.labels }, annotations: { summary: `${a.name} on ${a.labels['instance']}` },
      startsAt: a.startsAt, endsAt: a.endsAt ?? '0001-01-01T00:00:00Z', generatorURL: 'http://prometheus:9090/graph', fingerprint: a.fp,
    })),
    ...extra,
  };
}

describe('alert history and the webhook rules, embedded store', () => {
  let vigil: RunningVigil;
  let admin: Client;
  let am: Awaited<ReturnType<typeof recordedAlertmanager>>;
  let dataDir: string;
  const post = (body: unknown) => new Client(vigil.url).request('POST', '/api/webhooks/alertmanager', body, { authorization: `Bearer ${TOKEN}` });
  const ago = (minutes: number) => new Date(Date.now() - minutes * 60_000).toISOString();

  beforeAll(async () => {
    am = await recordedAlertmanager('am-user:am-secret');
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-alert-history-'));
    vigil = await startVigil({ DATA_DIR: dataDir, WEBHOOK_TOKEN: TOKEN, ADMIN_PASSWORD: 'history-admin-pw', PROMETHEUS_POLL_SECONDS: '0', ALERTMANAGER_URL: am.url });
    await vigil.app.ready();
    admin = new Client(vigil.url);
    expect((await admin.login('admin', 'history-admin-pw')).status).toBe(200);
  });
  afterAll(async () => {
    await vigil?.stop();
    await am?.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  test('alerts through the webhook are found by service, name, label and text, with periods and incidents', async () => {
    const start = ago(120);
    const disk = { name: 'DiskFull', labels: { service: 'db', instance: 'db-1', severity: 'warning', team: 'storage' }, startsAt: start, fp: 'aaaa000000000001' };
    const cpu = { name: 'HighCpu', labels: { service: 'api', instance: 'api-1', severity: 'critical', team: 'core' }, startsAt: ago(90), fp: 'aaaa000000000002' };
    expect((await post(webhook([disk, cpu]))).status).toBe(200);
    expect((await post(webhook([{ ...disk, endsAt: ago(60) }]))).status).toBe(200);
    expect((await post(webhook([{ ...disk, startsAt: ago(30) }]))).status).toBe(200);

    const byLabel = await admin.request('GET', '/api/alerts?label=team=storage');
    expect(byLabel.status).toBe(200);
    expect(byLabel.body.items.map((a: { alertname: string }) => a.alertname)).toEqual(['DiskFull']);
    const row = byLabel.body.items[0];
    expect(row).toMatchObject({ fingerprint: disk.fp, service: 'db', firingNow: true, firings: 2, morePeriods: 0, labels: { team: 'storage', alertname: 'DiskFull' } });
    expect(row.periods).toHaveLength(2);
    expect(row.periods[1].endsAt).toBeDefined();
    expect(row.incidents.length).toBeGreaterThan(0);
    expect(row.incidents[0]).toMatchObject({ id: expect.any(String), title: expect.stringContaining('DiskFull') });

    const ids = async (query: string) => (await admin.request('GET', `/api/alerts?${query}`)).body.items.map((a: { fingerprint: string }) => a.fingerprint);
    expect(await ids('service=api')).toEqual([cpu.fp]);
    expect(await ids('alertname=DiskFull')).toEqual([disk.fp]);
    expect(await ids('label=severity=critical&label=team=core')).toEqual([cpu.fp]);
    expect(await ids('label=severity=critical&label=team=storage')).toEqual([]);
    expect(await ids('q=api-1')).toEqual([cpu.fp]);
    // A window before either fired: the alerts are there, with no firing in it.
    const old = await admin.request('GET', `/api/alerts?label=team=storage&from=${ago(600)}&to=${ago(300)}`);
    expect(old.body.items[0]).toMatchObject({ firings: 0, periods: [], firingNow: true });

    const detail = await admin.request('GET', `/api/alerts/${disk.fp}?limit=1`);
    expect(detail.status).toBe(200);
    expect(detail.body.periods).toHaveLength(1);
    expect(detail.body.nextBefore).toBe(detail.body.periods[0].startsAt);
    const rest = await admin.request('GET', `/api/alerts/${disk.fp}?limit=1&before=${encodeURIComponent(detail.body.nextBefore)}`);
    expect(rest.body.periods[0].endsAt).toBeDefined();
    expect(rest.body.nextBefore).toBeNull();
    expect((await admin.request('GET', '/api/alerts/ffff000000000000')).status).toBe(404);
  });

  test('pages by cursor; a cursor from another search or made up is refused', async () => {
    const many = Array.from({ length: 5 }, (_, i) => ({ name: 'Paged', labels: { service: 'paged', instance: `p${i}` }, startsAt: ago(50 - i), fp: `bbbb00000000000${i}` }));
    expect((await post(webhook(many))).status).toBe(200);
    const first = await admin.request('GET', '/api/alerts?service=paged&limit=2');
    expect(first.body.items).toHaveLength(2);
    const seen = first.body.items.map((a: { fingerprint: string }) => a.fingerprint);
    let cursor = first.body.nextCursor;
    while (cursor) {
      const next = await admin.request('GET', `/api/alerts?service=paged&limit=2&cursor=${encodeURIComponent(cursor)}`);
      seen.push(...next.body.items.map((a: { fingerprint: string }) => a.fingerprint));
      cursor = next.body.nextCursor;
    }
    expect(seen).toEqual(['bbbb000000000004', 'bbbb000000000003', 'bbbb000000000002', 'bbbb000000000001', 'bbbb000000000000']);
    const other = await admin.request('GET', `/api/alerts?service=db&cursor=${encodeURIComponent(first.body.nextCursor)}`);
    expect(other.status).toBe(400);
    expect(other.body.error.code).toBe('invalid_cursor');
  });

  test('bad queries get 400 naming the parameter; no session gets 401', async () => {
    const bad: Array<[string, RegExp]> = [
      ['label=noequals', /label/],
      ['label=1bad=x', /label/],
      ['limit=201', /limit/],
      ['from=yesterday', /from/],
      [`from=${ago(10)}&to=${ago(20)}`, /from: must be before to/],
      [`from=2020-01-01T00:00:00Z&to=2026-12-01T00:00:00Z`, /at most 366 days/],
      ['service=a&service=b', /service: expected one value/],
      [Array.from({ length: 11 }, (_, i) => `label=k=${i}`).join('&'), /at most 10 label filters/],
    ];
    for (const [query, message] of bad) {
      const res = await admin.request('GET', `/api/alerts?${query}`);
      expect(res.status, query).toBe(400);
      expect(res.body.error.code).toBe('invalid_query');
      expect(res.body.error.message).toMatch(message);
    }
    expect((await admin.request('GET', '/api/alerts/not%20a%20fingerprint')).status).toBe(400);
    expect((await new Client(vigil.url).request('GET', '/api/alerts')).status).toBe(401);
  });

  test('a truncated group is completed from the Alertmanager API; when that fails, what came is stored and 503 asks for a retry', async () => {
    am.setUp(false);
    const failed = await post(truncated);
    expect(failed.status).toBe(503);
    expect(failed.body.error.code).toBe('alerts_truncated');
    expect(failed.body.error.message).toContain('127.0.0.1');
    expect(failed.body.error.message).not.toContain('am-secret');
    const backend = async () => (await admin.request('GET', '/api/alerts?service=backend&from=2026-12-01T00:00:00Z&to=2026-12-03T00:00:00Z')).body.items.map((a: { fingerprint: string }) => a.fingerprint).sort();
    expect(await backend()).toEqual(['459f80c108790610', '63b5ca1fe52e4f0d']);

    am.setUp(true);
    const retried = await post(truncated);
    expect(retried.status).toBe(200);
    expect(retried.body).toEqual({ received: 5, stored: 3 });
    expect(await backend()).toEqual(['2ccd2cbf89b5da54', '2e30909cd4dc15ca', '459f80c108790610', '63b5ca1fe52e4f0d', 'c2438bb561c94ddf']);
    // ALERTMANAGER_URL's credentials went as basic auth; the receiver filter is the payload's (a regex).
    expect(am.seen.at(-1)).toMatch(/^GET \/api\/v2\/alerts\/groups\?receiver=vigil Basic /);
  });

  test('a regex-escaped receiver shows unescaped on the timeline; the raw payload keeps it as sent', async () => {
    const alert = { name: 'Escaped', labels: { service: 'escaped', instance: 'e-1' }, startsAt: ago(5), fp: 'cccc000000000001' };
    expect((await post(webhook([alert], { receiver: 'vigil\\-webhook', routeLabels: { team: 'x' }, notification_reason: 'new' }))).status).toBe(200);
    const list = await admin.request('GET', '/api/incidents?service=escaped&status=all');
    const incident = (await admin.request('GET', `/api/incidents/${list.body.items[0].id}`)).body;
    const entry = incident.timeline.find((e: { kind: string }) => e.kind === 'alert.firing');
    const signal = entry.data.signals[0];
    expect(signal.attributes.receiver).toBe('vigil-webhook');
    expect(signal.raw.notification).toMatchObject({ receiver: 'vigil\\-webhook', routeLabels: { team: 'x' }, notification_reason: 'new' });
  });
});
