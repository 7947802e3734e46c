// POST /api/webhooks/alertmanager on a real Vigil: the real Alertmanager 0.25 payloads, replays,
// every refusal (401, 400, 413, 503) storing nothing, and a real Alertmanager with the sample
// stack's route file delivering to it.
import { randomBytes } from 'node:crypto';
import fs, { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { io as connect } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { alertSignalId } from '../../src/sources/alertmanager/normalize.ts';
import { createStore } from '../../src/store/index.ts';
import type { Store } from '../../src/store/types.ts';
import { alertmanagerBinary } from '../harness/alertmanager.ts';
import { describeWith, requireComponent } from '../harness/components.ts';
import { probeFerretDb, startFerretDb } from '../harness/ferretdb.ts';
import { startSampleAlertmanager } from '../harness/sample-stack.ts';
import { Client, startVigil, type RunningVigil } from '../harness/vigil.ts';

const TOKEN = 'test-webhook-token-0123456789';
const ROUTE = '/api/webhooks/alertmanager';
const fixtures = path.join(import.meta.dirname, '../fixtures/alertmanager');
const firing = JSON.parse(readFileSync(path.join(fixtures, 'am-webhook-firing.json'), 'utf8'));
const resolved = JSON.parse(readFileSync(path.join(fixtures, 'am-webhook-resolved.json'), 'utf8'));

const alertmanager = await requireComponent('alertmanager', alertmanagerBinary);
const ferret = await requireComponent('FerretDB', probeFerretDb);

function post(vigil: RunningVigil, body: unknown, headers: Record<string, string> = { authorization: `Bearer ${TOKEN}` }) {
  return new Client(vigil.url).request('POST', ROUTE, body, headers);
}

async function eventually<T>(what: string, timeoutMs: number, check: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('the webhook on the embedded store', () => {
  let vigil: RunningVigil;
  let store: Store;
  let dataDir: string;
  let admin: Client;

  beforeAll(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-webhook-'));
    vigil = await startVigil({ DATA_DIR: dataDir, WEBHOOK_TOKEN: TOKEN, ADMIN_PASSWORD: 'webhook-admin-pw', PROMETHEUS_POLL_SECONDS: '0' });
    await vigil.app.ready();
    // A second connection to the same SQLite file: what is really stored, not what the API shows.
    store = await createStore({ dataDir });
    await store.init();
    admin = new Client(vigil.url);
    expect((await admin.login('admin', 'webhook-admin-pw')).status).toBe(200);
  });
  afterAll(async () => {
    await store?.close();
    await vigil?.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  async function incidentOf(service: string) {
    const list = await admin.request('GET', `/api/incidents?service=${service}&status=all`);
    const [first] = list.body.items;
    return first === undefined ? undefined : (await admin.request('GET', `/api/incidents/${first.id}`)).body;
  }

  test('the real firing and resolved payloads: stored before 200, one incident; replaying both adds nothing', async () => {
    const before = await store.signals.count();
    const fired = await post(vigil, firing);
    expect(fired.status).toBe(200);
    expect(fired.body).toEqual({ received: 1, stored: 1 });
    // 200 means stored: no waiting.
    const id = alertSignalId('3fd43b4f2289fa01', '2026-11-24T00:58:28.553Z', 'firing');
    expect(await store.signals.get(id)).toMatchObject({ kind: 'alert.firing', source: 'alertmanager', service: 'x', host: 'vm:19093' });

    expect((await post(vigil, resolved)).body).toEqual({ received: 1, stored: 1 });
    const incident = await incidentOf('x');
    expect(incident).toMatchObject({ service: 'x', severity: 'critical', title: 'TargetDown: Target 127.0.0.1:19100 of job x is down', sources: ['alertmanager'] });
    const kinds = incident.timeline.map((e: { kind: string }) => e.kind);
    expect(kinds.slice(0, 2)).toEqual(['alert.firing', 'alert.resolved']);

    for (let i = 0; i < 2; i += 1) {
      expect((await post(vigil, firing)).body).toEqual({ received: 1, stored: 0 });
      expect((await post(vigil, resolved)).body).toEqual({ received: 1, stored: 0 });
    }
    expect(await store.signals.count()).toBe(before + 2);
    expect((await incidentOf('x')).timeline).toEqual(incident.timeline);
    const metrics = await (await fetch(`${vigil.url}/metrics`)).text();
    expect(metrics).toMatch(/vigil_alertmanager_webhook_alerts_total\{outcome="stored"\} 2/);
    expect(metrics).toMatch(/vigil_alertmanager_webhook_alerts_total\{outcome="duplicate"\} 4/);
  });

  test('a wrong, missing or other kind of token gets 401 and stores nothing', async () => {
    const before = await store.signals.count();
    const fresh = { ...firing, alerts: [{ ...firing.alerts[0], fingerprint: 'aaaaaaaaaaaaaaaa' }] };
    const refused: Array<Record<string, string>> = [
      {}, { authorization: 'Bearer wrong-token-0123456789' }, { authorization: `Basic ${Buffer.from(`x:${TOKEN}`).toString('base64')}` },
      { authorization: `Bearer ${TOKEN.toUpperCase()}` }, { authorization: TOKEN },
    ];
    for (const headers of refused) {
      const res = await post(vigil, fresh, headers);
      expect(res.status).toBe(401);
      expect(res.body.error.code).toBe('unauthenticated');
    }
    // A session cookie is not the webhook token either.
    const withSession = await admin.send('POST', ROUTE, fresh);
    expect(withSession.status).toBe(401);
    expect(await store.signals.count()).toBe(before);
  });

  test('a malformed body gets 400 naming the field, and nothing of it is stored', async () => {
    const before = await store.signals.count();
    const alert = { ...firing.alerts[0], fingerprint: 'bbbbbbbbbbbbbbbb' };
    const { fingerprint: _f, ...noFingerprint } = alert;
    const cases: Array<[unknown, RegExp]> = [
      [{ ...firing, alerts: [alert, noFingerprint] }, /alerts\.1\.fingerprint/],
      [{ ...firing, alerts: [{ ...alert, status: 'pending' }] }, /alerts\.0\.status/],
      [{ ...firing, alerts: [{ ...alert, startsAt: 'yesterday' }] }, /alerts\.0\.startsAt/],
      [{ ...firing, alerts: 'none' }, /alerts/],
      [[firing], /body/],
    ];
    for (const [body, field] of cases) {
      const res = await post(vigil, body);
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('invalid_request');
      expect(res.body.error.message).toMatch(field);
    }
    // Another payload version is named before anything else is looked at.
    for (const body of [{ ...firing, version: '3' }, { ...firing, version: '5', alerts: 'a new shape' }, { alerts: [] }]) {
      const res = await post(vigil, body);
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('unsupported_version');
      expect(res.body.error.message).toMatch(/version "4"/);
    }
    const notJson = await post(vigil, '{"version": "4", ', { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' });
    expect(notJson.status).toBe(400);
    expect(notJson.body.error.code).toBe('invalid_json');
    expect(await store.signals.count()).toBe(before);
  });

  test('the webhook takes up to 1 MB (more than the API\'s 256 KB); past that 413, nothing stored', async () => {
    const before = await store.signals.count();
    const sized = (fingerprint: string, bytes: number) => ({
      ...firing, alerts: [{ ...firing.alerts[0], fingerprint, annotations: { ...firing.alerts[0].annotations, description: 'x'.repeat(bytes) } }],
    });
    const big = await post(vigil, sized('cccccccccccccccc', 400_000));
    expect(big.status).toBe(200);
    const tooBig = await post(vigil, sized('dddddddddddddddd', 1_100_000));
    expect(tooBig.status).toBe(413);
    expect(tooBig.body.error.code).toBe('payload_too_large');
    expect(await store.signals.count()).toBe(before + 1);
  });

  test('a browser that reconnects gets, through sync, an alert that started before it went away', async () => {
    const socket = connect(vigil.url, { transports: ['websocket'], reconnection: false, extraHeaders: { cookie: admin.cookie ?? '' } });
    try {
      await new Promise((resolve, reject) => {
        socket.on('server:hello', resolve);
        socket.on('connect_error', reject);
      });
      const { serverTime } = await socket.emitWithAck('sync', { since: new Date().toISOString() });
      // The alert began an hour before that moment, and reached Vigil after it.
      const startsAt = new Date(Date.parse(serverTime) - 3_600_000).toISOString();
      const alert = { ...firing.alerts[0], labels: { ...firing.alerts[0].labels, job: 'late-job' }, fingerprint: 'abcdef0123456789', startsAt };
      expect((await post(vigil, { ...firing, alerts: [alert] })).status).toBe(200);
      const missed = await socket.emitWithAck('sync', { since: serverTime });
      const incident = missed.incidents.find((i: { service: string }) => i.service === 'late-job');
      expect(incident).toBeDefined();
      const entries = missed.entries.filter((e: { incidentId: string }) => e.incidentId === incident.id);
      expect(entries.map((e: { kind: string; at: string }) => [e.kind, e.at])).toEqual([['alert.firing', startsAt]]);
    } finally {
      socket.close();
    }
  });

  test('fields a newer Alertmanager adds are accepted and kept with the stored signal', async () => {
    const body = { ...firing, notification_reason: 'repeat', alerts: [{ ...firing.alerts[0], fingerprint: 'eeeeeeeeeeeeeeee', silenced_by: [] }] };
    expect((await post(vigil, body)).status).toBe(200);
    const stored = await store.signals.get(alertSignalId('eeeeeeeeeeeeeeee', firing.alerts[0].startsAt, 'firing'));
    expect(stored?.raw).toMatchObject({ alert: { silenced_by: [] }, notification: { notification_reason: 'repeat', groupKey: firing.groupKey } });
  });
});

describeWith(alertmanager, 'a real Alertmanager with the sample route file', () => {
  let vigil: RunningVigil;
  let am: Awaited<ReturnType<typeof startSampleAlertmanager>>;
  beforeAll(async () => {
    vigil = await startVigil({ WEBHOOK_TOKEN: TOKEN, ADMIN_PASSWORD: 'webhook-admin-pw', PROMETHEUS_POLL_SECONDS: '0' }, { quietPeriodMs: 500 });
    await vigil.app.ready();
    am = await startSampleAlertmanager(`${vigil.url}${ROUTE}`, TOKEN);
  });
  afterAll(async () => {
    await am?.stop();
    await vigil?.stop();
  });

  test('delivers firing then resolved with the bearer token; both land on one incident that resolves', async () => {
    const admin = new Client(vigil.url);
    await admin.login('admin', 'webhook-admin-pw');
    const labels = { alertname: 'BackendDown', job: 'backend', instance: 'backend:3001', service: 'backend', severity: 'critical' };
    const startsAt = new Date(Date.now() - 1000).toISOString();
    const postAlert = async (endsAt?: string) => {
      const res = await fetch(`${am.url}/api/v2/alerts`, {
        method: 'POST', headers: { 'content-type': 'application/json' },
        body: JSON.stringify([{ labels, annotations: { summary: 'Users backend is down' }, startsAt, ...(endsAt ? { endsAt } : {}) }]),
      });
      expect(res.status).toBe(200);
    };
    const sentAt = Date.now();
    await postAlert();
    const incident = await eventually('the incident', 15_000, async () => {
      const list = await admin.request('GET', '/api/incidents?service=backend');
      return list.body.items[0];
    });
    process.stdout.write(`alert posted to Alertmanager → incident in Vigil: ${Date.now() - sentAt} ms (group_wait 2s)\n`);
    const amAlerts = await (await fetch(`${am.url}/api/v2/alerts`)).json() as Array<{ fingerprint: string; startsAt: string }>;
    const [amAlert] = amAlerts;
    expect(incident).toMatchObject({ service: 'backend', severity: 'critical', sources: ['alertmanager'] });

    const resolvedAt = Date.now();
    await postAlert(new Date().toISOString());
    const done = await eventually('resolved', 30_000, async () => {
      const full = (await admin.request('GET', `/api/incidents/${incident.id}`)).body;
      return full.status === 'resolved' ? full : undefined;
    });
    process.stdout.write(`alert resolved in Alertmanager → incident resolved: ${Date.now() - resolvedAt} ms (group_interval 10s)\n`);
    const alertEntries = done.timeline.filter((e: { kind: string }) => e.kind.startsWith('alert.'));
    expect(alertEntries.map((e: { kind: string }) => e.kind)).toEqual(['alert.firing', 'alert.resolved']);
    // The signal ids are Alertmanager's fingerprint + startsAt + status.
    const ids = alertEntries.flatMap((e: { data: { signals: Array<{ id: string }> } }) => e.data.signals.map((s) => s.id));
    expect(ids[0]).toBe(alertSignalId(amAlert?.fingerprint ?? '', amAlert?.startsAt ?? '', 'firing'));
  }, 60_000);
});

describeWith(ferret, 'the webhook when the store is down', (binary) => {
  test('answers 503, so Alertmanager retries', async () => {
    const db = await startFerretDb(binary);
    const vigil = await startVigil({ MONGODB_URL: `${db.url}vigil_webhook_${randomBytes(4).toString('hex')}`, WEBHOOK_TOKEN: TOKEN, PROMETHEUS_POLL_SECONDS: '0' });
    try {
      await vigil.app.ready();
      expect((await post(vigil, firing)).status).toBe(200);
      await db.stop();
      const res = await post(vigil, resolved);
      expect(res.status).toBe(503);
      expect(res.body.error.code).toBe('store_unavailable');
    } finally {
      await vigil.stop();
      await db.stop();
    }
  }, 60_000);
});
