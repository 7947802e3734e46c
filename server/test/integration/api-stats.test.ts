// GET /api/stats over the recorded seed outage, fed through the real ingest path (store → engine →
// store), against figures computed by hand from the recording.
import { afterAll, beforeAll, expect, test } from 'vitest';
import { ENGINE_OPTIONS, seedOutage } from '../unit/domain/sequences.ts';
import { Client, startVigil, type RunningVigil } from '../harness/vigil.ts';

let vigil: RunningVigil;
let admin: Client;

beforeAll(async () => {
  vigil = await startVigil({ ADMIN_PASSWORD: 'stats-admin-password' }, ENGINE_OPTIONS);
  await vigil.app.ready();
  admin = new Client(vigil.url);
  await admin.login('admin', 'stats-admin-password');
  // Arrival order differs from event order (reversed, in two batches): the outcome must not.
  const signals = seedOutage().reverse();
  await vigil.app.signals.ingest(signals.slice(0, 5));
  await vigil.app.signals.ingest(signals.slice(5));
  await vigil.app.signals.tickNow();
});
afterAll(async () => { await vigil?.stop(); });

test('the seed outage is one resolved incident of backend with the hand-computed figures', async () => {
  const res = await admin.request('GET', '/api/stats?service=backend&from=2026-11-24T18:00:00.000Z&to=2026-11-24T19:00:00.000Z');
  expect(res.status).toBe(200);
  expect(res.body.services).toEqual([{
    service: 'backend', incidents: 1, acknowledged: 1, resolved: 1,
    mttaMs: 88_837, // acknowledged 18:38:40.000 − detected 18:37:11.163
    mttrMs: 244_012, // resolved 18:41:15.100 − first failure 18:37:11.088
    totalDowntimeMs: 179_335, // healthy 18:40:10.423 − first failure 18:37:11.088
  }]);
  const [incident] = res.body.incidents;
  expect(incident.timeToDetectMs).toBe(75);
  expect(incident.path.map((h: { hop: string }) => h.hop)).toEqual([
    'first_failure', 'docker_event', 'alert_pending', 'alert_firing', 'webhook_received', 'acknowledged', 'restart', 'healthy', 'resolved',
  ]);
});

test('the alert and the person landed on the incident Docker opened', async () => {
  const list = await admin.request('GET', '/api/incidents?status=all');
  expect(list.body.items).toHaveLength(1);
  const detail = await admin.request('GET', `/api/incidents/${list.body.items[0].id}`);
  expect(detail.body).toMatchObject({ service: 'backend', host: 'local', status: 'resolved', acknowledgedBy: 'alice', severity: 'critical' });
  const messages = detail.body.timeline.map((e: { message: string }) => e.message);
  expect(messages[0]).toBe('backend container died — killed (signal 9, exit 137)');
  expect(messages).toContain('Alert BackendDown firing: Backend service is down');
  expect(messages).toContain('restart requested by alice');
});

test('a window that misses the outage counts nothing', async () => {
  const res = await admin.request('GET', '/api/stats?service=backend&from=2026-11-23T00:00:00.000Z&to=2026-11-24T00:00:00.000Z');
  expect(res.body.services).toEqual([]);
});
