// Alertmanager both ways, for real: an alert posted to a real Alertmanager reaches Vigil through the
// sample route file's webhook; acknowledging the incident silences the alert there (createdBy vigil,
// the incident's link in the comment, the alert's labels as matchers) and resolving it expires the
// silence; someone else's silence shows on the timeline with its expiry; an Alertmanager that is
// down during the acknowledgement gets the silence once it is back.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { IncidentSilences, TimelineEntry } from '../../src/contract/index.ts';
import { alertmanagerBinary } from '../harness/alertmanager.ts';
import { describeWith, requireComponent } from '../harness/components.ts';
import { probeFerretDb, startFerretDb } from '../harness/ferretdb.ts';
import { freePort } from '../harness/ports.ts';
import { startSampleAlertmanager } from '../harness/sample-stack.ts';
import { Client, startVigil, type RunningVigil } from '../harness/vigil.ts';

const TOKEN = 'test-webhook-token-silences-0123';
const PUBLIC_URL = 'http://vigil.example:8080';
const alertmanager = await requireComponent('alertmanager', alertmanagerBinary);
const ferret = await requireComponent('FerretDB', probeFerretDb);

interface AmSilence { id: string; status: { state: string }; createdBy: string; comment: string; matchers: Array<{ name: string; value: string; isRegex: boolean; isEqual: boolean }> }
interface AmAlert { labels: Record<string, string>; status: { state: string; silencedBy: string[] } }

async function eventually<T>(what: string, timeoutMs: number, check: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms${last ? ` (last error: ${String(last)})` : ''}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describeWith(alertmanager, 'silences in a real Alertmanager', () => {
  let vigil: RunningVigil;
  let am: Awaited<ReturnType<typeof startSampleAlertmanager>>;
  let admin: Client;

  beforeAll(async () => {
    // Vigil first (Alertmanager delivers to it), told where Alertmanager will listen.
    const port = await freePort();
    vigil = await startVigil({
      WEBHOOK_TOKEN: TOKEN, ADMIN_PASSWORD: 'silences-admin-pw', PROMETHEUS_POLL_SECONDS: '0',
      ALERTMANAGER_URL: `http://127.0.0.1:${port}`, PUBLIC_URL,
    });
    am = await startSampleAlertmanager(`${vigil.url}/api/webhooks/alertmanager`, TOKEN, { port });
    admin = new Client(vigil.url);
    expect((await admin.login('admin', 'silences-admin-pw')).status).toBe(200);
  }, 60_000);
  afterAll(async () => {
    await am?.stop();
    await vigil?.stop();
  });

  const amGet = async <T>(path: string): Promise<T> => {
    const res = await fetch(`${am.url}${path}`, { signal: AbortSignal.timeout(5_000) });
    expect(res.status).toBe(200);
    return await res.json() as T;
  };

  async function fire(labels: Record<string, string>): Promise<string> {
    const res = await fetch(`${am.url}/api/v2/alerts`, {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify([{ labels, annotations: { summary: `${labels['service']} is down` }, startsAt: new Date(Date.now() - 1000).toISOString() }]),
    });
    expect(res.status).toBe(200);
    const incident = await eventually('the incident the alert opens', 30_000, async () => {
      const list = await admin.request('GET', `/api/incidents?service=${labels['service']}`);
      return list.body.items[0] as { id: string } | undefined;
    });
    return incident.id;
  }

  const timeline = async (id: string): Promise<TimelineEntry[]> => (await admin.request('GET', `/api/incidents/${id}`)).body.timeline;
  const entry = (id: string, what: string, pick: (e: TimelineEntry) => boolean) =>
    eventually(what, 30_000, async () => (await timeline(id)).find(pick));
  const vigilSilences = async (id: string) => (await amGet<AmSilence[]>('/api/v2/silences'))
    .filter((s) => s.createdBy === 'vigil' && s.comment.includes(id));

  test('ack → silence active (the alert suppressed); others\' silence and its expiry on the timeline; a later alert silenced too; resolve → expired', async () => {
    const service = `silence-${randomBytes(3).toString('hex')}`;
    const labels = { alertname: 'BackendDown', service, severity: 'critical', instance: `${service}:3001` };
    const id = await fire(labels);

    const ack = await admin.send('POST', `/api/incidents/${id}/acknowledge`);
    expect(ack.status).toBe(200);

    const [silence] = await eventually('Vigil\'s silence in Alertmanager', 30_000, async () => {
      const found = await vigilSilences(id);
      return found.length > 0 ? found : undefined;
    });
    expect(silence?.status.state).toBe('active');
    expect(silence?.comment).toContain(`${PUBLIC_URL}/incidents/${id}`);
    expect(silence?.comment).toContain('admin');
    expect([...(silence?.matchers ?? [])].sort((a, b) => a.name.localeCompare(b.name))).toEqual(
      Object.keys(labels).sort().map((name) => ({ name, value: labels[name as keyof typeof labels], isRegex: false, isEqual: true })),
    );
    const alert = await eventually('the alert suppressed by it', 30_000, async () => {
      const alerts = await amGet<AmAlert[]>('/api/v2/alerts?silenced=true');
      return alerts.find((a) => a.labels['service'] === service && a.status.state === 'suppressed');
    });
    expect(alert.status.silencedBy).toContain(silence?.id);
    const created = await entry(id, 'silence.created on the timeline', (e) => e.kind === 'silence.created');
    expect(created.message).toContain('silenced in Alertmanager 127.0.0.1');
    expect(created.source).toBe('system');

    const api = await admin.request('GET', `/api/incidents/${id}/silences`);
    expect(api.status).toBe(200);
    expect((api.body as IncidentSilences).silences).toContainEqual(expect.objectContaining({
      alertmanager: am.url, state: 'active', id: silence?.id, createdBy: 'vigil', vigil: true, orphaned: false, alertname: 'BackendDown',
    }));

    // Someone silences the alert in Alertmanager too, then lifts it.
    const theirs = await fetch(`${am.url}/api/v2/silences`, {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        matchers: [{ name: 'service', value: service, isRegex: false, isEqual: true }],
        startsAt: new Date().toISOString(), endsAt: new Date(Date.now() + 3_600_000).toISOString(), createdBy: 'alice', comment: 'database maintenance',
      }),
    });
    expect(theirs.status).toBe(200);
    const { silenceID: theirId } = await theirs.json() as { silenceID: string };
    const seen = await entry(id, 'alice\'s silence on the timeline', (e) => e.kind === 'silence.seen');
    expect(seen).toMatchObject({ source: 'alertmanager', actor: 'alice' });
    expect(seen.message).toContain('by alice until');
    expect(seen.message).toContain('database maintenance');
    expect((await fetch(`${am.url}/api/v2/silence/${theirId}`, { method: 'DELETE' })).status).toBe(200);
    const theirEnd = await entry(id, 'the expiry of alice\'s silence', (e) => e.kind === 'silence.expired' && e.message.includes(theirId));
    expect(theirEnd.message).toContain('by alice');

    // Another alert of the service fires later, on the incident already acknowledged: silenced too.
    const later = { alertname: 'BackendSlow', service, severity: 'warning' };
    const again = await fetch(`${am.url}/api/v2/alerts`, {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify([{ labels: later, annotations: {}, startsAt: new Date().toISOString() }]),
    });
    expect(again.status).toBe(200);
    const second = await eventually('a silence of the later alert', 30_000, async () => (await vigilSilences(id))
      .find((s) => s.matchers.some((m) => m.name === 'alertname' && m.value === 'BackendSlow')));
    expect(second.status.state).toBe('active');
    expect([...second.matchers].sort((a, b) => a.name.localeCompare(b.name))).toEqual(
      Object.keys(later).sort().map((name) => ({ name, value: later[name as keyof typeof later], isRegex: false, isEqual: true })),
    );

    const resolved = await admin.send('POST', `/api/incidents/${id}/resolve`, { reason: 'fixed the backend' });
    expect(resolved.status).toBe(200);
    await eventually('Vigil\'s silences expired', 30_000, async () => {
      const all = await vigilSilences(id);
      return all.length === 2 && all.every((s) => s.status.state === 'expired') ? all : undefined;
    });
    const expired = await entry(id, 'the expiry of Vigil\'s silence', (e) => e.kind === 'silence.expired' && e.message.includes(silence?.id ?? '?'));
    expect(expired.message).toContain('incident resolved');
    // One silence per alert, however many passes ran.
    expect(await vigilSilences(id)).toHaveLength(2);
  }, 120_000);

  test('Alertmanager down during the ack: the ack answers at once, the timeline says retrying, the silence is made once it is back', async () => {
    const service = `silence-down-${randomBytes(3).toString('hex')}`;
    const id = await fire({ alertname: 'BackendDown', service, severity: 'critical' });
    await am.pause();
    try {
      const ack = await admin.send('POST', `/api/incidents/${id}/acknowledge`);
      expect(ack.status).toBe(200);
      const pending = await entry(id, 'the timeline saying retrying', (e) => e.kind === 'silence.pending');
      expect(pending.message).toMatch(/^silence not created yet: Alertmanager 127\.0\.0\.1:\d+ unreachable, retrying/);
      const api = (await admin.request('GET', `/api/incidents/${id}/silences`)).body as IncidentSilences;
      expect(api.silences).toContainEqual(expect.objectContaining({ state: 'pending', vigil: true, createdBy: 'vigil' }));
      expect(api.silences.find((s) => s.state === 'pending')?.error).toBeTruthy();
    } finally {
      await am.resume();
    }
    const [silence] = await eventually('the silence made once Alertmanager is back', 30_000, async () => {
      const found = await vigilSilences(id);
      return found.length > 0 ? found : undefined;
    });
    expect(silence?.status.state).toBe('active');
    await entry(id, 'the timeline saying it is made', (e) => e.kind === 'silence.created');
    // Alertmanager forgot its alerts when it stopped (it keeps silences only): Vigil's silence now matches nothing.
    const flagged = await eventually('the silence flagged as matching nothing', 30_000, async () => {
      const api = (await admin.request('GET', `/api/incidents/${id}/silences`)).body as IncidentSilences;
      return api.silences.find((s) => s.id === silence?.id && s.orphaned);
    });
    expect(flagged).toMatchObject({ vigil: true, state: 'active' });
    expect((await timeline(id)).filter((e) => e.kind === 'silence.pending')).toHaveLength(1);
    expect(await vigilSilences(id)).toHaveLength(1);
  }, 120_000);
});

/**
 * Alertmanager down while one incident is acknowledged and another (silenced before) resolved, Vigil
 * restarted meanwhile: once Alertmanager is back, the first is silenced and the second's silence expired.
 */
async function acrossRestart(store: Record<string, string>): Promise<void> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-silences-restart-'));
  const port = await freePort();
  const env = {
    ...store, DATA_DIR: dataDir, WEBHOOK_TOKEN: TOKEN, ADMIN_PASSWORD: 'silences-admin-pw', PROMETHEUS_POLL_SECONDS: '0',
    ALERTMANAGER_URL: `http://127.0.0.1:${port}`, PUBLIC_URL,
  };
  let vigil: RunningVigil | undefined = await startVigil(env);
  const am = await startSampleAlertmanager(`${vigil.url}/api/webhooks/alertmanager`, TOKEN, { port });
  try {
    const before = new Client(vigil.url);
    expect((await before.login('admin', 'silences-admin-pw')).status).toBe(200);
    const tag = randomBytes(3).toString('hex');
    const posted = await fetch(`${am.url}/api/v2/alerts`, {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify(['acked', 'resolved'].map((what) => ({
        labels: { alertname: 'BackendDown', service: `silence-${what}-${tag}` }, annotations: {}, startsAt: new Date(Date.now() - 1000).toISOString(),
      }))),
    });
    expect(posted.status).toBe(200);
    const incidentOf = (service: string) => eventually(`the incident of ${service}`, 30_000, async () =>
      (await before.request('GET', `/api/incidents?service=${service}`)).body.items[0] as { id: string } | undefined);
    const { id: acked } = await incidentOf(`silence-acked-${tag}`);
    const { id: resolved } = await incidentOf(`silence-resolved-${tag}`);
    const ours = async (id: string) => ((await (await fetch(`${am.url}/api/v2/silences`)).json()) as AmSilence[])
      .filter((s) => s.createdBy === 'vigil' && s.comment.includes(id));
    const stateOf = async (id: string) => (await ours(id))[0]?.status.state;

    expect((await before.send('POST', `/api/incidents/${resolved}/acknowledge`)).status).toBe(200);
    await eventually('the silence of the one acknowledged first', 30_000, async () => ((await stateOf(resolved)) === 'active' ? true : undefined));

    await am.pause();
    expect((await before.send('POST', `/api/incidents/${acked}/acknowledge`)).status).toBe(200);
    expect((await before.send('POST', `/api/incidents/${resolved}/resolve`, { reason: 'fixed while Alertmanager was down' })).status).toBe(200);
    await eventually('retrying on the timeline', 30_000, async () => ((await before.request('GET', `/api/incidents/${acked}`)).body.timeline as TimelineEntry[])
      .find((e) => e.kind === 'silence.pending'));
    await vigil.stop();
    vigil = await startVigil(env);
    await am.resume();
    const after = new Client(vigil.url);
    expect((await after.login('admin', 'silences-admin-pw')).status).toBe(200);

    await eventually('the silence made by the restarted Vigil', 30_000, async () => ((await stateOf(acked)) === 'active' ? true : undefined));
    await eventually('the resolved incident\'s silence expired by the restarted Vigil', 30_000, async () => ((await stateOf(resolved)) === 'expired' ? true : undefined));
    await eventually('its expiry on the timeline', 30_000, async () => ((await after.request('GET', `/api/incidents/${resolved}`)).body.timeline as TimelineEntry[])
      .find((e) => e.kind === 'silence.expired' && e.message.includes('incident resolved')));

    expect((await after.send('POST', `/api/incidents/${acked}/resolve`, { reason: 'done' })).status).toBe(200);
    await eventually('expired on resolve', 30_000, async () => ((await stateOf(acked)) === 'expired' ? true : undefined));
    expect(await ours(acked)).toHaveLength(1);
    expect(await ours(resolved)).toHaveLength(1);
  } finally {
    await am.stop();
    await vigil?.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

describeWith(alertmanager, 'silences across a restart of Vigil', () => {
  test('embedded store: what was acknowledged and resolved while Alertmanager was down reaches it after a restart of Vigil', async () => {
    await acrossRestart({});
  }, 120_000);
});

describeWith(ferret, 'silences across a restart of Vigil on MongoDB (FerretDB)', (binary) => {
  test('what was acknowledged and resolved while Alertmanager was down reaches it after a restart of Vigil', async () => {
    if (!alertmanager.ok) throw new Error(`needs Alertmanager: ${alertmanager.reason}`);
    const db = await startFerretDb(binary);
    try {
      await acrossRestart({ MONGODB_URL: `${db.url}vigil_silences_${randomBytes(4).toString('hex')}` });
    } finally {
      await db.stop();
    }
  }, 180_000);
});

describeWith(alertmanager, 'the silence routes', () => {
  let vigil: RunningVigil;
  beforeAll(async () => {
    vigil = await startVigil({ ADMIN_PASSWORD: 'silences-admin-pw', WEBHOOK_TOKEN: TOKEN, PROMETHEUS_POLL_SECONDS: '0' });
  });
  afterAll(async () => {
    await vigil?.stop();
  });

  test('the longest silence: 4 h unless an admin says otherwise; only admins; out of range is 400 naming the field', async () => {
    const admin = new Client(vigil.url);
    expect((await admin.login('admin', 'silences-admin-pw')).status).toBe(200);
    expect((await admin.request('GET', '/api/silence-settings')).body).toEqual({ maxDurationSeconds: 14_400 });
    const bad = await admin.send('PUT', '/api/silence-settings', { maxDurationSeconds: 60 });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body)).toContain('maxDurationSeconds');
    expect((await admin.send('PUT', '/api/silence-settings', { maxDurationSeconds: 7_200 })).status).toBe(200);
    expect((await admin.request('GET', '/api/silence-settings')).body).toEqual({ maxDurationSeconds: 7_200 });

    expect((await admin.send('POST', '/api/users', { username: 'silence-responder', password: 'responder-password-1', role: 'responder' })).status).toBe(201);
    const responder = new Client(vigil.url);
    expect((await responder.login('silence-responder', 'responder-password-1')).status).toBe(200);
    expect((await responder.send('PUT', '/api/silence-settings', { maxDurationSeconds: 3_600 })).status).toBe(403);
    expect((await responder.request('GET', '/api/silence-settings')).status).toBe(403);
  });

  test('an incident\'s silences: 404 for no such incident; without ALERTMANAGER_URL, disabled and empty', async () => {
    const admin = new Client(vigil.url);
    expect((await admin.login('admin', 'silences-admin-pw')).status).toBe(200);
    const missing = await admin.request('GET', '/api/incidents/inc_nothing/silences');
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe('not_found');
    const fired = await new Client(vigil.url).request('POST', '/api/webhooks/alertmanager', {
      version: '4', groupKey: 'g', status: 'firing', receiver: 'vigil', groupLabels: {}, commonLabels: {}, commonAnnotations: {}, externalURL: 'http://am:9093',
      alerts: [{ status: 'firing', labels: { alertname: 'Off', service: 'silence-off' }, annotations: {}, startsAt: new Date().toISOString(), endsAt: '0001-01-01T00:00:00Z', generatorURL: '', fingerprint: 'f0f0' }],
    }, { authorization: `Bearer ${TOKEN}` });
    expect(fired.status).toBe(200);
    const { id } = await eventually('the incident', 30_000, async () => (await admin.request('GET', '/api/incidents?service=silence-off')).body.items[0] as { id: string } | undefined);
    expect((await admin.send('POST', `/api/incidents/${id}/acknowledge`)).status).toBe(200);
    expect((await admin.request('GET', `/api/incidents/${id}/silences`)).body).toEqual({ enabled: false, silences: [] });
  });
});
