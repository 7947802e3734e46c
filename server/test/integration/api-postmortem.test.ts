// Post-mortems through the real server: the draft of the recorded seed outage, saving versions,
// concurrent saves (one 409), byte-for-byte round trips, the Markdown download.
import { afterAll, beforeAll, expect, test } from 'vitest';
import { ENGINE_OPTIONS, seedOutage } from '../unit/domain/sequences.ts';
import { Client, startVigil, type RunningVigil } from '../harness/vigil.ts';

let vigil: RunningVigil;
let admin: Client;
let incidentId: string;

beforeAll(async () => {
  vigil = await startVigil({ ADMIN_PASSWORD: 'pm-admin-password' }, ENGINE_OPTIONS);
  await vigil.app.ready();
  admin = new Client(vigil.url);
  await admin.login('admin', 'pm-admin-password');
  await vigil.app.signals.ingest(seedOutage());
  await vigil.app.signals.tickNow();
  incidentId = (await admin.request('GET', '/api/incidents?status=all')).body.items[0].id;
});
afterAll(async () => { await vigil?.stop(); });

test('before anyone saves, the post-mortem is Vigil\'s draft from the timeline', async () => {
  const res = await admin.request('GET', `/api/incidents/${incidentId}/postmortem`);
  expect(res.status).toBe(200);
  expect(res.body).toMatchObject({ incidentId, version: 0, updatedAt: null, updatedBy: 'vigil', draft: true });
  expect(res.body.markdown).toContain('## 3. Timeline of Events (UTC)');
  expect(res.body.markdown).toContain('| 2026-11-24 18:37:11.123 | backend container died — killed (signal 9, exit 137) |');
  expect(res.body.markdown).toContain('- Time to detect: 75 ms');
  expect((await admin.request('GET', '/api/incidents/nope/postmortem')).status).toBe(404);
});

test('edit → save → reload returns the text byte for byte', async () => {
  const markdown = '# Post-mortem\n\nTabs\tand "quotes", emoji 🚒, CRLF\r\nand <script>alert(1)</script> kept as written.\n';
  const saved = await admin.send('PUT', `/api/incidents/${incidentId}/postmortem`, { markdown, version: 0 });
  expect(saved.status).toBe(200);
  expect(saved.body).toMatchObject({ version: 1, updatedBy: 'admin', draft: false });
  const again = await admin.request('GET', `/api/incidents/${incidentId}/postmortem`);
  expect(again.body.markdown).toBe(markdown);
  expect(again.body.version).toBe(1);
  const md = await fetch(`${vigil.url}/api/incidents/${incidentId}/postmortem.md`, { headers: { cookie: admin.cookie ?? '' } });
  expect(md.headers.get('content-type')).toBe('text/markdown; charset=utf-8');
  expect(md.headers.get('content-disposition')).toBe(`attachment; filename="postmortem-${incidentId}.md"`);
  expect(Buffer.from(await md.arrayBuffer()).equals(Buffer.from(markdown, 'utf8'))).toBe(true);
});

test('two concurrent saves of the same version: one wins, the other gets 409 with what to merge', async () => {
  const [a, b] = await Promise.all([
    admin.send('PUT', `/api/incidents/${incidentId}/postmortem`, { markdown: 'from tab A', version: 1 }),
    admin.send('PUT', `/api/incidents/${incidentId}/postmortem`, { markdown: 'from tab B', version: 1 }),
  ]);
  expect([a.status, b.status].sort()).toEqual([200, 409]);
  const lost = a.status === 409 ? a : b;
  const won = a.status === 200 ? a : b;
  expect(lost.body.error.code).toBe('version_conflict');
  expect(lost.body.error.details).toMatchObject({ currentVersion: 2, current: { markdown: won.body.markdown, author: 'admin' } });
  const versions = await admin.request('GET', `/api/incidents/${incidentId}/postmortem/versions`);
  expect(versions.body.items.map((v: { version: number }) => v.version)).toEqual([1, 2]);
});

test('a viewer reads but cannot save; a bad body is 400 and saves nothing', async () => {
  await admin.send('POST', '/api/users', { username: 'pat', password: 'pat-password-12', role: 'viewer' });
  const viewer = new Client(vigil.url);
  await viewer.login('pat', 'pat-password-12');
  expect((await viewer.request('GET', `/api/incidents/${incidentId}/postmortem`)).status).toBe(200);
  expect((await viewer.send('PUT', `/api/incidents/${incidentId}/postmortem`, { markdown: 'x', version: 2 })).status).toBe(403);
  const bad = await admin.send('PUT', `/api/incidents/${incidentId}/postmortem`, { markdown: 42, version: 'two' });
  expect(bad.status).toBe(400);
  expect(bad.body.error.message).toMatch(/markdown/);
  expect(bad.body.error.message).toMatch(/version/);
  expect((await admin.request('GET', `/api/incidents/${incidentId}/postmortem`)).body.version).toBe(2);
});

test('action items of a saved post-mortem can be marked done; open ones are listed across incidents', async () => {
  const current = (await admin.request('GET', `/api/incidents/${incidentId}/postmortem`)).body;
  const markdown = '# PM\n\n## 7. Action Items\n\n- [ ] Add an up == 0 rule for backend\n- [ ] Supervise backend\n';
  const saved = await admin.send('PUT', `/api/incidents/${incidentId}/postmortem`, { markdown, version: current.version });
  expect(saved.status).toBe(200);
  const open = await admin.request('GET', '/api/action-items?status=open');
  expect(open.body.items.map((i: { text: string }) => i.text)).toEqual(['Add an up == 0 rule for backend', 'Supervise backend']);
  expect(open.body.items[0]).toMatchObject({ incidentId, service: 'backend', done: false, index: 0 });

  const done = await admin.send('PATCH', `/api/incidents/${incidentId}/postmortem/action-items/1`, { done: true, version: saved.body.version });
  expect(done.status).toBe(200);
  expect(done.body.version).toBe(saved.body.version + 1);
  expect(done.body.markdown).toContain('- [x] Supervise backend');
  expect(done.body.actionItems).toEqual([
    { index: 0, text: 'Add an up == 0 rule for backend', done: false },
    { index: 1, text: 'Supervise backend', done: true },
  ]);
  expect((await admin.request('GET', '/api/action-items')).body.items.map((i: { text: string }) => i.text)).toEqual(['Add an up == 0 rule for backend']);
  expect((await admin.request('GET', '/api/action-items?status=done')).body.items.map((i: { text: string }) => i.text)).toEqual(['Supervise backend']);

  const stale = await admin.send('PATCH', `/api/incidents/${incidentId}/postmortem/action-items/0`, { done: true, version: saved.body.version });
  expect(stale.status).toBe(409);
  expect((await admin.send('PATCH', `/api/incidents/${incidentId}/postmortem/action-items/9`, { done: true, version: done.body.version })).status).toBe(404);
});
