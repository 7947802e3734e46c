// Paging on a real Vigil (embedded store), from an Alertmanager notification to the page a receiver
// gets: signed webhook pages with an ack link, escalation when nobody answers, the ack link (GET
// changes nothing, POST acknowledges as the person paged), retries with the same delivery id,
// pages that survive a restart, secrets that never leave, and the refusals a person can act on.
import { createHmac, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startReceiver, type Receiver, type RecordedRequest } from '../harness/receiver.ts';
import { Client, startVigil, type RunningVigil } from '../harness/vigil.ts';

const TOKEN = 'paging-webhook-token-0123456789';
const ADMIN_PASSWORD = 'paging-admin-password';
const SECRET = `hmac-${randomBytes(12).toString('hex')}`;

function notification(service: string, fingerprint: string, severity = 'critical') {
  return {
    version: '4', status: 'firing', receiver: 'vigil', groupKey: `{}:{service="${service}"}`, truncatedAlerts: 0,
    groupLabels: { service }, commonLabels: { service }, commonAnnotations: {}, externalURL: 'http://alertmanager.test:9093',
    alerts: [{
      status: 'firing', labels: { alertname: 'ServiceDown', service, severity }, annotations: { summary: `${service} is down` },
      startsAt: new Date().toISOString(), endsAt: '0001-01-01T00:00:00Z', generatorURL: 'http://prometheus.test/graph', fingerprint,
    }],
  };
}

/** The webhook channel's body (docs/paging.md), as far as these tests read it. */
interface WebhookPage {
  event?: string;
  deliveryId?: string;
  url?: string;
  ackUrl?: string;
  incident?: { id: string; service: string; [field: string]: unknown };
  incidents?: Array<{ id: string; service: string }>;
  [field: string]: unknown;
}
const json = (r: RecordedRequest) => JSON.parse(r.text) as WebhookPage;
const forService = (receiver: Receiver, service: string) =>
  receiver.requests.filter((r) => r.text.includes(service)).map(json);

let vigil: RunningVigil;
let admin: Client;
let first: Receiver;
let second: Receiver;
let dataDir: string;

async function start(dir?: string) {
  vigil = await startVigil({
    WEBHOOK_TOKEN: TOKEN, ADMIN_PASSWORD, PROMETHEUS_POLL_SECONDS: '0', NOTIFY_ALLOW_PRIVATE: 'true',
    PUBLIC_URL: 'http://vigil.test:8080', KEEP_DATA: '1', ...(dir ? { DATA_DIR: dir } : {}),
  });
  dataDir = vigil.dataDir;
  admin = new Client(vigil.url);
  expect((await admin.login('admin', ADMIN_PASSWORD)).status).toBe(200);
}

async function openIncident(service: string): Promise<string> {
  const res = await admin.request('POST', '/api/webhooks/alertmanager', notification(service, randomBytes(8).toString('hex')), { authorization: `Bearer ${TOKEN}` });
  expect(res.status).toBe(200);
  const list = await admin.request('GET', `/api/incidents?service=${service}&status=all`);
  const id = list.body.items[0]?.id as string | undefined;
  if (!id) throw new Error(`no incident for ${service}`);
  return id;
}

async function timelineKinds(id: string): Promise<Array<{ kind: string; message: string }>> {
  const res = await admin.request('GET', `/api/incidents/${id}`);
  return (res.body.timeline as Array<{ kind: string; message: string }>).filter((e) => e.kind.startsWith('notification.'));
}

beforeAll(async () => {
  first = await startReceiver();
  second = await startReceiver();
  await start();
});
afterAll(async () => {
  await vigil?.stop();
  await first?.close();
  await second?.close();
  if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
});

describe('paging through webhook channels', () => {
  let primary = '';
  let backup = '';
  let service = '';

  beforeAll(async () => {
    service = `paged-${randomBytes(3).toString('hex')}`;
    const a = await admin.send('POST', '/api/notification-channels', { name: 'ops hook', type: 'webhook', config: { url: `${first.url}/hooks/vigil`, secret: SECRET } });
    expect(a.status, JSON.stringify(a.body)).toBe(201);
    primary = a.body.id;
    const b = await admin.send('POST', '/api/notification-channels', { name: 'backup hook', type: 'webhook', config: { url: `${second.url}/hooks/backup` } });
    expect(b.status, JSON.stringify(b.body)).toBe(201);
    backup = b.body.id;
    const policy = await admin.send('POST', '/api/escalation-policies', {
      name: 'paged services', services: ['paged-*'], minSeverity: 'warning', repeat: 0,
      steps: [{ afterSeconds: 0, targets: [{ channelId: primary }] }, { afterSeconds: 2, targets: [{ channelId: backup }] }],
    });
    expect(policy.status, JSON.stringify(policy.body)).toBe(201);
  });

  test('an incident pages the first step at once: signed, with the delivery id, the incident and an ack link', async () => {
    const id = await openIncident(service);
    await first.waitFor(1);
    const [page] = first.requests.filter((r) => r.text.includes(service));
    expect(page).toBeDefined();
    if (!page) return;
    expect(page.method).toBe('POST');
    expect(page.path).toBe('/hooks/vigil');
    expect(page.headers['content-type']).toMatch(/^application\/json/);
    expect(page.headers['x-vigil-event']).toBe('incident.opened');
    const expected = createHmac('sha256', SECRET).update(page.body).digest('hex');
    expect(page.headers['x-vigil-signature']).toBe(`sha256=${expected}`);
    const body = json(page);
    expect(body).toMatchObject({ event: 'incident.opened', deliveryId: page.headers['x-vigil-delivery'], incident: { id, service } });
    // The contract's Incident, as GET /api/incidents/:id shows it (and its link).
    const shown = (await admin.request('GET', `/api/incidents/${id}`)).body;
    expect(body['incident']).toMatchObject({ status: shown.status, severity: shown.severity, openedAt: shown.openedAt, sources: shown.sources, lastEventAt: expect.any(String) });
    expect(body['url']).toBe(`http://vigil.test:8080/incidents/${id}`);
    expect(body['ackUrl']).toMatch(/^http:\/\/vigil\.test:8080\/api\/ack\/[A-Za-z0-9_-]{16,}$/);

    await expect.poll(async () => (await timelineKinds(id)).map((e) => e.kind), { timeout: 10_000 }).toContain('notification.sent');
    const paging = await admin.request('GET', `/api/incidents/${id}/paging`);
    expect(paging.status).toBe(200);
    expect(paging.body.deliveries).toEqual(expect.arrayContaining([
      expect.objectContaining({ channelId: primary, channelName: 'ops hook', event: 'incident.opened', state: 'delivered', attempts: 1 }),
    ]));
  });

  test('nobody acknowledges: the next step pages the backup, naming who did not answer, and the timeline says so', async () => {
    const [incident] = (await admin.request('GET', `/api/incidents?service=${service}&status=all`)).body.items;
    await second.waitFor(1, 20_000);
    const [escalation] = forService(second, service);
    expect(escalation).toMatchObject({ event: 'incident.escalated', incident: { id: incident.id } });
    expect(JSON.stringify(escalation)).toContain('ops hook');
    await expect.poll(async () => (await timelineKinds(incident.id)).map((e) => e.kind), { timeout: 10_000 }).toContain('notification.escalated');
    // One page per incident per step: planning again (a later change of the incident) sends nothing twice.
    await openIncident(service);
    await new Promise((r) => setTimeout(r, 500));
    expect(forService(first, service).filter((p) => p['event'] === 'incident.opened')).toHaveLength(1);
    expect(forService(second, service).filter((p) => p['event'] === 'incident.escalated')).toHaveLength(1);
  });

  test('the ack link: GET shows a page and changes nothing, POST acknowledges, channels are told', async () => {
    const [incident] = (await admin.request('GET', `/api/incidents?service=${service}&status=all`)).body.items;
    const opened = forService(first, service).find((p) => p['event'] === 'incident.opened');
    const ackPath = new URL(String(opened?.['ackUrl'])).pathname;

    const shown = await fetch(`${vigil.url}${ackPath}`, { headers: { accept: 'text/html' } });
    expect(shown.status).toBe(200);
    const html = await shown.text();
    expect(html).toContain('<form method="post"');
    expect(html).toContain(incident.title);
    expect((await admin.request('GET', `/api/incidents/${incident.id}`)).body.status).toBe('open');

    const acked = await fetch(`${vigil.url}${ackPath}`, { method: 'POST', headers: { accept: 'application/json' } });
    expect(acked.status).toBe(200);
    const after = await admin.request('GET', `/api/incidents/${incident.id}`);
    expect(after.body.status).toBe('acknowledged');
    expect(after.body.acknowledgedBy).toBe('ack-link');

    await expect.poll(() => forService(first, service).some((p) => p['event'] === 'incident.acknowledged'), { timeout: 10_000 }).toBe(true);
    const audit = await admin.request('GET', '/api/audit?limit=50');
    expect(audit.body.items.find((r: { action: string }) => r.action === 'paging.ack_link')).toMatchObject({ actor: 'ack-link', outcome: 'ok' });
    // A link for a resolved incident no longer works, with a page that says what to do.
    expect((await admin.send('POST', `/api/incidents/${incident.id}/resolve`, { reason: 'fixed' })).status).toBe(200);
    const gone = await fetch(`${vigil.url}${ackPath}`, { headers: { accept: 'text/html' } });
    expect(gone.status).toBe(410);
    expect(await gone.text()).toContain('already resolved');
  });
});

describe('delivery', () => {
  test('a receiver that fails is retried with the same delivery id until it answers, and gets the page once', async () => {
    const service = `retry-${randomBytes(3).toString('hex')}`;
    const receiver = await startReceiver();
    try {
      const ch = await admin.send('POST', '/api/notification-channels', { name: 'flaky hook', type: 'webhook', config: { url: `${receiver.url}/flaky` } });
      expect(ch.status).toBe(201);
      expect((await admin.send('POST', '/api/escalation-policies', {
        name: 'retry', services: [service], repeat: 0, steps: [{ afterSeconds: 0, targets: [{ channelId: ch.body.id }] }],
      })).status).toBe(201);
      receiver.answer({ status: 503, body: 'busy' }, 2);
      const id = await openIncident(service);
      const requests = await receiver.waitFor(3, 30_000);
      const ids = new Set(requests.map((r) => r.headers['x-vigil-delivery']));
      expect(ids.size).toBe(1);
      await expect.poll(async () => (await admin.request('GET', `/api/incidents/${id}/paging`)).body.deliveries[0]?.state, { timeout: 10_000 }).toBe('delivered');
      const paging = await admin.request('GET', `/api/incidents/${id}/paging`);
      expect(paging.body.deliveries[0]).toMatchObject({ attempts: 3, state: 'delivered' });
      await new Promise((r) => setTimeout(r, 500));
      expect(receiver.requests.filter((r) => r.headers['x-vigil-delivery'] === [...ids][0] && r.text.includes(service))).toHaveLength(3);
    } finally {
      await receiver.close();
    }
  });

  test('a channel that answers again gets its other waiting pages at once, not each at its own back-off slot', async () => {
    const tag = randomBytes(3).toString('hex');
    const receiver = await startReceiver();
    try {
      const ch = await admin.send('POST', '/api/notification-channels', { name: 'recovering hook', type: 'webhook', config: { url: `${receiver.url}/back` } });
      expect((await admin.send('POST', '/api/escalation-policies', {
        name: 'recovering', services: [`back-${tag}-*`], repeat: 0, steps: [{ afterSeconds: 0, targets: [{ channelId: ch.body.id }] }],
      })).status).toBe(201);
      receiver.down();
      // Two incidents at once: one opened page, one digest five seconds later; both fail and back off.
      const body = notification(`back-${tag}-a`, randomBytes(8).toString('hex'));
      body.alerts = ['a', 'b'].map((x) => ({ ...body.alerts[0]!, labels: { alertname: 'Down', service: `back-${tag}-${x}`, severity: 'critical' }, fingerprint: randomBytes(8).toString('hex') }));
      expect((await admin.request('POST', '/api/webhooks/alertmanager', body, { authorization: `Bearer ${TOKEN}` })).status).toBe(200);
      const ids = await Promise.all(['a', 'b'].map(async (x) => (await admin.request('GET', `/api/incidents?service=back-${tag}-${x}&status=all`)).body.items[0]?.id as string));
      type Shown = { id: string; state: string; attempts: number; nextAttemptAt?: string; deliveredAt?: string };
      const deliveries = async (): Promise<Shown[]> => {
        const all = new Map<string, Shown>();
        for (const id of ids) for (const d of (await admin.request('GET', `/api/incidents/${id}/paging`)).body.deliveries as Shown[]) all.set(d.id, d);
        return [...all.values()];
      };
      await expect.poll(async () => {
        const d = await deliveries();
        return d.length === 2 && d.every((x) => x.attempts >= 3);
      }, { timeout: 60_000, interval: 250 }).toBe(true);
      const waiting = await deliveries();
      receiver.up();
      await expect.poll(async () => (await deliveries()).every((d) => d.state === 'delivered'), { timeout: 60_000, interval: 250 }).toBe(true);
      const done = await deliveries();
      // The page due last went out before its own slot: the first success brought it forward.
      const last = [...waiting].sort((a, b) => ((a.nextAttemptAt ?? '') < (b.nextAttemptAt ?? '') ? 1 : -1))[0];
      const delivered = done.find((d) => d.id === last?.id);
      expect(Date.parse(delivered?.deliveredAt ?? '')).toBeLessThan(Date.parse(last?.nextAttemptAt ?? ''));
      expect(new Set(receiver.requests.map((r) => r.headers['x-vigil-delivery'])).size).toBe(receiver.requests.length);
    } finally {
      await receiver.close();
    }
  }, 120_000);

  test('a 404 is not retried: the page fails at once, the timeline and the banner say so', async () => {
    const service = `gone-${randomBytes(3).toString('hex')}`;
    const receiver = await startReceiver();
    try {
      const ch = await admin.send('POST', '/api/notification-channels', { name: 'dead hook', type: 'webhook', config: { url: `${receiver.url}/nowhere` } });
      expect((await admin.send('POST', '/api/escalation-policies', {
        name: 'dead', services: [service], repeat: 0, steps: [{ afterSeconds: 0, targets: [{ channelId: ch.body.id }] }],
      })).status).toBe(201);
      receiver.answer({ status: 404, body: 'no such hook' }, 5);
      const id = await openIncident(service);
      await expect.poll(async () => (await timelineKinds(id)).map((e) => e.kind), { timeout: 10_000 }).toContain('notification.failed');
      expect(receiver.requests).toHaveLength(1);
      const failed = (await timelineKinds(id)).find((e) => e.kind === 'notification.failed');
      expect(failed?.message).toContain('404');
      const health = await admin.request('GET', '/api/paging/health');
      expect(health.body.failing).toEqual(expect.arrayContaining([expect.objectContaining({ channelId: ch.body.id, channelName: 'dead hook' })]));
      expect(JSON.stringify(health.body)).toContain('404');
    } finally {
      await receiver.close();
    }
  });

  test('pages pending when Vigil stops are sent after it starts again, once', async () => {
    const service = `restart-${randomBytes(3).toString('hex')}`;
    const receiver = await startReceiver();
    try {
      const ch = await admin.send('POST', '/api/notification-channels', { name: 'later hook', type: 'webhook', config: { url: `${receiver.url}/later` } });
      expect((await admin.send('POST', '/api/escalation-policies', {
        name: 'later', services: [service], repeat: 0, steps: [{ afterSeconds: 0, targets: [{ channelId: ch.body.id }] }],
      })).status).toBe(201);
      receiver.down();
      const id = await openIncident(service);
      await expect.poll(async () => (await admin.request('GET', `/api/incidents/${id}/paging`)).body.deliveries[0]?.attempts ?? 0, { timeout: 10_000 }).toBeGreaterThanOrEqual(1);
      const dir = vigil.dataDir;
      await vigil.stop();
      receiver.up();
      await start(dir);
      const [page] = await receiver.waitFor(1, 30_000);
      expect(json(page as RecordedRequest)).toMatchObject({ event: 'incident.opened', incident: { id } });
      await expect.poll(async () => (await admin.request('GET', `/api/incidents/${id}/paging`)).body.deliveries[0]?.state, { timeout: 10_000 }).toBe('delivered');
      await new Promise((r) => setTimeout(r, 500));
      expect(receiver.requests.filter((r) => r.text.includes(service))).toHaveLength(1);
    } finally {
      await receiver.close();
    }
  });
});

describe('no storm of pages', () => {
  test('twelve incidents opening at once reach a channel as at most 3 messages that list them all', async () => {
    const tag = randomBytes(3).toString('hex');
    const receiver = await startReceiver();
    try {
      const ch = await admin.send('POST', '/api/notification-channels', { name: 'storm hook', type: 'webhook', config: { url: `${receiver.url}/storm` } });
      expect((await admin.send('POST', '/api/escalation-policies', {
        name: 'storm', services: [`storm-${tag}-*`], repeat: 0, steps: [{ afterSeconds: 0, targets: [{ channelId: ch.body.id }] }],
      })).status).toBe(201);
      const services = Array.from({ length: 12 }, (_, i) => `storm-${tag}-${i}`);
      const body = notification(services[0] ?? '', randomBytes(8).toString('hex'));
      body.alerts = services.map((service) => ({ ...body.alerts[0]!, labels: { alertname: 'HostDown', service, severity: 'critical' }, fingerprint: randomBytes(8).toString('hex') }));
      expect((await admin.request('POST', '/api/webhooks/alertmanager', body, { authorization: `Bearer ${TOKEN}` })).status).toBe(200);
      const listed = () => new Set(receiver.requests.map(json).flatMap((p) => [p['incident']?.service, ...(p['incidents'] ?? []).map((i) => i.service)]));
      await expect.poll(() => services.every((svc) => listed().has(svc)), { timeout: 20_000 }).toBe(true);
      expect(receiver.requests.length).toBeLessThanOrEqual(3);
      expect(receiver.requests.map((r) => r.headers['x-vigil-event'])).toContain('digest');
    } finally {
      await receiver.close();
    }
  });

  test('a service in a maintenance window is not paged, and its incident says why', async () => {
    const service = `maint-${randomBytes(3).toString('hex')}`;
    const receiver = await startReceiver();
    try {
      const ch = await admin.send('POST', '/api/notification-channels', { name: 'maint hook', type: 'webhook', config: { url: `${receiver.url}/maint` } });
      expect((await admin.send('POST', '/api/escalation-policies', {
        name: 'maint', services: ['maint-*'], repeat: 0, steps: [{ afterSeconds: 0, targets: [{ channelId: ch.body.id }] }],
      })).status).toBe(201);
      // An instant with an offset: windows are compared as times, not as text.
      const start = new Date(Date.now() - 60_000 + 3_600_000).toISOString().replace('Z', '+01:00');
      const end = new Date(Date.now() + 3_600_000).toISOString();
      const window = await admin.send('POST', '/api/maintenance-windows', { services: ['maint-*'], start, end, reason: 'database upgrade' });
      expect(window.status, JSON.stringify(window.body)).toBe(201);
      const id = await openIncident(service);
      await expect.poll(async () => (await timelineKinds(id)).find((e) => e.kind === 'notification.suppressed')?.message, { timeout: 10_000 })
        .toMatch(/not paged: .* maintenance window .*database upgrade/);
      expect(receiver.requests.filter((r) => r.text.includes(service))).toHaveLength(0);
      expect((await admin.request('GET', `/api/incidents/${id}/paging`)).body.deliveries).toEqual([]);
    } finally {
      await receiver.close();
    }
  });
});

describe('what an admin sees and may do', () => {
  test('secrets are never returned, and neither they nor ack links are in the store in clear', async () => {
    const ackTokens = first.requests.map(json).map((p) => String(p['ackUrl'] ?? '')).filter((u) => u !== '').map((u) => u.split('/').pop() ?? '');
    expect(ackTokens.length).toBeGreaterThan(0);
    const list = await admin.request('GET', '/api/notification-channels');
    expect(list.status).toBe(200);
    expect(JSON.stringify(list.body)).not.toContain(SECRET);
    const hook = (list.body.items as Array<{ name: string; config: Record<string, unknown> }>).find((c) => c.name === 'ops hook');
    expect(hook?.config['secret']).toBe('••••••');
    for (const file of fs.readdirSync(vigil.dataDir)) {
      const full = path.join(vigil.dataDir, file);
      if (!fs.statSync(full).isFile()) continue;
      const bytes = fs.readFileSync(full);
      expect(bytes.includes(SECRET), file).toBe(false);
      for (const token of ackTokens) expect(bytes.includes(token), `${file} holds an ack token`).toBe(false);
    }
  });

  test('a channel or policy that does not validate gets 400 naming the field; nothing is saved', async () => {
    const before = (await admin.request('GET', '/api/notification-channels')).body.items.length;
    const noUrl = await admin.send('POST', '/api/notification-channels', { name: 'x', type: 'slack', config: {} });
    expect(noUrl.status).toBe(400);
    expect(noUrl.body.error.message).toContain('config.url');
    const ftp = await admin.send('POST', '/api/notification-channels', { name: 'x', type: 'webhook', config: { url: 'ftp://example.com/x' } });
    expect(ftp.status).toBe(400);
    const mail = await admin.send('POST', '/api/notification-channels', { name: 'x', type: 'email', config: { to: ['a@example.com'] } });
    expect(mail.status).toBe(400);
    expect(mail.body.error.code).toBe('smtp_not_configured');
    expect((await admin.request('GET', '/api/notification-channels')).body.items.length).toBe(before);
    const unknown = await admin.send('POST', '/api/escalation-policies', {
      name: 'p', services: ['*'], repeat: 0, steps: [{ afterSeconds: 0, targets: [{ channelId: 'ch_nope' }] }],
    });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.message).toContain('steps.0.targets.0.channelId');
  });

  test('send test: delivered to a receiver, {delivered:false, error} for an unreachable or forbidden address', async () => {
    const receiver = await startReceiver();
    try {
      const ok = await admin.send('POST', '/api/notification-channels', { name: 'test hook', type: 'webhook', config: { url: `${receiver.url}/t` } });
      const sent = await admin.send('POST', `/api/notification-channels/${ok.body.id}/test`);
      expect(sent.status).toBe(200);
      expect(sent.body).toMatchObject({ delivered: true, status: 200 });
      expect(receiver.requests[0]?.headers['x-vigil-event']).toBe('test');
    } finally {
      await receiver.close();
    }
    const closed = await admin.send('POST', '/api/notification-channels', { name: 'closed', type: 'webhook', config: { url: 'http://127.0.0.1:9/x' } });
    const unreachable = await admin.send('POST', `/api/notification-channels/${closed.body.id}/test`);
    expect(unreachable.status).toBe(200);
    expect(unreachable.body.delivered).toBe(false);
    expect(unreachable.body.error).toEqual(expect.any(String));
    const metadata = await admin.send('POST', '/api/notification-channels', { name: 'meta', type: 'webhook', config: { url: 'http://169.254.169.254/latest/meta-data' } });
    if (metadata.status === 201) {
      const refused = await admin.send('POST', `/api/notification-channels/${metadata.body.id}/test`);
      expect(refused.body.delivered).toBe(false);
      expect(refused.body.error).toMatch(/link-local|metadata/i);
    } else {
      expect(metadata.status).toBe(400);
    }
  });

  test('an unknown ack token: 410 with a page that says what to do', async () => {
    const res = await fetch(`${vigil.url}/api/ack/${randomBytes(24).toString('base64url')}`, { headers: { accept: 'text/html' } });
    expect(res.status).toBe(410);
    expect(await res.text()).toContain('Open Vigil');
    const post = await fetch(`${vigil.url}/api/ack/not-a-token`, { method: 'POST' });
    expect(post.status).toBe(410);
  });

  test('a viewer may not see or change channels', async () => {
    expect((await admin.send('POST', '/api/users', { username: 'pager-viewer', password: 'viewer-password-13', role: 'viewer' })).status).toBe(201);
    const viewer = new Client(vigil.url);
    expect((await viewer.login('pager-viewer', 'viewer-password-13')).status).toBe(200);
    expect((await viewer.request('GET', '/api/notification-channels')).status).toBe(403);
    expect((await viewer.send('POST', '/api/notification-channels', { name: 'x', type: 'webhook', config: { url: 'http://127.0.0.1:9/' } })).status).toBe(403);
    expect((await viewer.request('GET', '/api/schedules')).status).toBe(200);
  });
});
