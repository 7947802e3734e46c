// An incident's id depends only on its signals, so a signal that arrives late but happened earlier
// can re-derive a service's incident under another id. On a real Vigil: the browser is told where
// the old one went (incident:remove with replacedBy), and the old id still leads there over HTTP
// (404 incident_merged with details.replacedBy) for reads and for a responder acting on a stale page.
import { randomBytes } from 'node:crypto';
import { io as connect, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { Client, startVigil, type RunningVigil } from '../harness/vigil.ts';

const TOKEN = 'merge-webhook-token-0123456789';

function notification(service: string, fingerprint: string, startsAt: string) {
  return {
    version: '4', status: 'firing', receiver: 'vigil', groupKey: `{}:{service="${service}"}`, truncatedAlerts: 0,
    groupLabels: { service }, commonLabels: { service }, commonAnnotations: {}, externalURL: 'http://alertmanager.test:9093',
    alerts: [{
      status: 'firing', labels: { alertname: `Down-${fingerprint}`, service, severity: 'critical' }, annotations: { summary: `${service} is down` },
      startsAt, endsAt: '0001-01-01T00:00:00Z', generatorURL: 'http://prometheus.test/graph', fingerprint,
    }],
  };
}

let vigil: RunningVigil;
let admin: Client;
let socket: Socket;
const removals: Array<{ id: string; replacedBy?: string }> = [];

beforeAll(async () => {
  vigil = await startVigil({ WEBHOOK_TOKEN: TOKEN, ADMIN_PASSWORD: 'merge-admin-password', PROMETHEUS_POLL_SECONDS: '0' });
  await vigil.app.ready();
  admin = new Client(vigil.url);
  expect((await admin.login('admin', 'merge-admin-password')).status).toBe(200);
  socket = connect(vigil.url, { transports: ['websocket'], reconnection: false, extraHeaders: { cookie: admin.cookie ?? '' } });
  await new Promise((resolve, reject) => {
    socket.on('server:hello', resolve);
    socket.on('connect_error', reject);
  });
  socket.on('incident:remove', (ref) => removals.push(ref));
});
afterAll(async () => {
  socket?.close();
  await vigil?.stop();
});

test('an alert that happened earlier but arrived later: the old id leads to the incident that took over', async () => {
  const service = `merge-${randomBytes(3).toString('hex')}`;
  const base = Date.now() - 120_000;
  const post = (body: unknown) => admin.request('POST', '/api/webhooks/alertmanager', body, { authorization: `Bearer ${TOKEN}` });

  expect((await post(notification(service, 'bbbbbbbbbbbbbbbb', new Date(base + 30_000).toISOString()))).status).toBe(200);
  const [first] = (await admin.request('GET', `/api/incidents?service=${service}&status=all`)).body.items as Array<{ id: string }>;
  expect(first).toBeDefined();
  const oldId = first?.id ?? '';

  // The same outage's first alert, 30 s earlier, delivered second: the incident starts with it now.
  expect((await post(notification(service, 'aaaaaaaaaaaaaaaa', new Date(base).toISOString()))).status).toBe(200);
  const list = (await admin.request('GET', `/api/incidents?service=${service}&status=all`)).body.items as Array<{ id: string; openedAt: string }>;
  expect(list).toHaveLength(1);
  const newId = list[0]?.id ?? '';
  expect(newId).not.toBe(oldId);
  expect(list[0]?.openedAt).toBe(new Date(base).toISOString());

  await expect.poll(() => removals.find((r) => r.id === oldId), { timeout: 5_000 }).toEqual({ id: oldId, replacedBy: newId });

  const read = await admin.request('GET', `/api/incidents/${oldId}`);
  expect(read.status).toBe(404);
  expect(read.body.error).toMatchObject({ code: 'incident_merged', details: { replacedBy: newId } });
  expect(read.body.error.message).toContain(newId);
  const acted = await admin.send('POST', `/api/incidents/${oldId}/acknowledge`);
  expect(acted.status).toBe(404);
  expect(acted.body.error).toMatchObject({ code: 'incident_merged', details: { replacedBy: newId } });
  expect((await admin.request('GET', `/api/incidents/${oldId}/postmortem`)).body.error).toMatchObject({ code: 'incident_merged' });

  const now = await admin.request('GET', `/api/incidents/${newId}`);
  expect(now.status).toBe(200);
  expect((now.body.timeline as Array<{ kind: string }>).filter((e) => e.kind === 'alert.firing')).toHaveLength(2);
  expect(now.body.status).toBe('open');

  // An id that never existed is still plainly not found.
  expect((await admin.request('GET', '/api/incidents/inc_000000000000000000000000')).body.error.code).toBe('not_found');
});
