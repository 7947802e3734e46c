// Signals through the real ingest path (store → engine → store → socket.io) and the incident API,
// on the embedded store. The signals are Docker events recorded from a real daemon.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { io as connect, type Socket } from 'socket.io-client';
import { dockerEventToSignal } from '../../src/sources/docker/normalize.ts';
import type { Signal } from '../../src/domain/signal.ts';
import { Client, startVigil, type RunningVigil } from '../harness/vigil.ts';

const fixtures = path.join(import.meta.dirname, '..', 'fixtures', 'docker');
const recordedDie = JSON.parse(fs.readFileSync(path.join(fixtures, 'event-compose-die.json'), 'utf8'));

/** The recorded die of service "crashy", moved to now so the incident is fresh. */
function dieNow(offsetMs = 0): Signal {
  const nowNs = BigInt(Date.now() + offsetMs) * 1_000_000n;
  const event = { ...recordedDie, time: Math.floor(Number(nowNs / 1_000_000_000n)), timeNano: nowNs.toString() };
  const signal = dockerEventToSignal(event, 'local');
  if (!signal) throw new Error('the recorded die event did not normalize');
  return signal;
}

const ADMIN_PASSWORD = 'incident-admin-password';
let vigil: RunningVigil;
let admin: Client;
let socket: Socket;
const upserts: Array<{ id: string; status: string }> = [];
const appended: Array<{ incidentId: string; kind: string; message: string }> = [];

beforeAll(async () => {
  vigil = await startVigil({ ADMIN_PASSWORD, KEEP_DATA: '1' });
  await vigil.app.ready();
  admin = new Client(vigil.url);
  await admin.login('admin', ADMIN_PASSWORD);
  socket = connect(vigil.url, { transports: ['websocket'], reconnection: false, extraHeaders: { cookie: admin.cookie ?? '' } });
  socket.on('incident:upsert', (i) => upserts.push(i));
  socket.on('timeline:append', (e) => appended.push(e));
  await new Promise((resolve) => socket.on('server:hello', resolve));
});
afterAll(async () => {
  socket?.close();
  await vigil?.stop();
});

describe('a container death opens an incident', () => {
  let incidentId: string;

  test('the die is stored once, opens one incident, and is pushed live', async () => {
    const die = dieNow();
    const fresh = await vigil.app.signals.ingest([die, die]);
    expect(fresh.map((s) => s.id)).toEqual([die.id]);
    expect(await vigil.app.signals.ingest([die])).toEqual([]);

    const list = await admin.request('GET', '/api/incidents?status=open');
    expect(list.status).toBe(200);
    expect(list.body.items).toHaveLength(1);
    const incident = list.body.items[0];
    expect(incident).toMatchObject({ service: 'crashy', host: 'local', status: 'open' });
    expect(incident.openedAt).toBe(die.at);
    incidentId = incident.id;

    await expect.poll(() => upserts.some((u) => u.id === incidentId)).toBe(true);
    await expect.poll(() => appended.find((e) => e.incidentId === incidentId && e.kind === 'container.die')?.message)
      .toMatch(/^crashy container died/);
  });

  test('the incident reads back with its timeline and analytics', async () => {
    const res = await admin.request('GET', `/api/incidents/${incidentId}`);
    expect(res.status).toBe(200);
    expect(res.body.timeline.map((e: { kind: string }) => e.kind)).toContain('container.die');
    const die = res.body.timeline.find((e: { kind: string }) => e.kind === 'container.die');
    expect(die.at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(die.source).toBe('docker');
    expect(res.body.analytics.path[0].hop).toBe('first_failure');
    expect((await admin.request('GET', '/api/incidents/nope')).status).toBe(404);
  });

  test('a viewer may read but not acknowledge', async () => {
    await admin.send('POST', '/api/users', { username: 'vera', password: 'vera-password-1', role: 'viewer' });
    const viewer = new Client(vigil.url);
    await viewer.login('vera', 'vera-password-1');
    expect((await viewer.request('GET', `/api/incidents/${incidentId}`)).status).toBe(200);
    const res = await viewer.send('POST', `/api/incidents/${incidentId}/acknowledge`);
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe('forbidden');
  });

  test('a responder acknowledges and adds a note; both go on the timeline with the actor', async () => {
    await admin.send('POST', '/api/users', { username: 'alice', password: 'alice-password-1', role: 'responder' });
    const alice = new Client(vigil.url);
    await alice.login('alice', 'alice-password-1');
    const ack = await alice.send('POST', `/api/incidents/${incidentId}/acknowledge`);
    expect(ack.status).toBe(200);
    expect(ack.body.status).toBe('acknowledged');
    expect(ack.body.acknowledgedBy).toBe('alice');
    const note = await alice.send('POST', `/api/incidents/${incidentId}/notes`, { text: 'looking at the backend logs' });
    expect(note.status).toBe(201);
    const entry = note.body.timeline.find((e: { kind: string }) => e.kind === 'user.note');
    expect(entry).toMatchObject({ source: 'user', actor: 'alice' });
    expect(entry.message).toContain('looking at the backend logs');
    const empty = await alice.send('POST', `/api/incidents/${incidentId}/notes`, { text: '   ' });
    expect(empty.status).toBe(400);
    expect(empty.body.error.message).toMatch(/text/);
  });

  test('resolving needs a reason, then the incident is resolved and stays so', async () => {
    const noReason = await admin.send('POST', `/api/incidents/${incidentId}/resolve`, {});
    expect(noReason.status).toBe(400);
    expect(noReason.body.error.message).toMatch(/reason/);
    const res = await admin.send('POST', `/api/incidents/${incidentId}/resolve`, { reason: 'restarted by hand' });
    expect(res.status).toBe(200);
    expect(res.body.status).toBe('resolved');
    expect(res.body.resolvedAt).toMatch(/Z$/);
    expect((await admin.send('POST', `/api/incidents/${incidentId}/resolve`, { reason: 'again' })).status).toBe(409);
    expect((await admin.request('GET', '/api/incidents?status=open')).body.items).toEqual([]);
    expect((await admin.request('GET', '/api/incidents?status=resolved')).body.items.map((i: { id: string }) => i.id)).toEqual([incidentId]);
  });

  test('stats count the incident for its service; bad ranges are 400', async () => {
    const res = await admin.request('GET', '/api/stats?service=crashy');
    expect(res.status).toBe(200);
    expect(res.body.services).toHaveLength(1);
    expect(res.body.services[0]).toMatchObject({ service: 'crashy', incidents: 1, acknowledged: 1, resolved: 1 });
    expect(res.body.services[0].mttaMs).toBeGreaterThanOrEqual(0);
    const bad = await admin.request('GET', '/api/stats?from=2026-01-02T00:00:00.000Z&to=2026-01-01T00:00:00.000Z');
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatchObject({ code: 'invalid_query', message: 'Invalid query — from: must be before to' });
    expect((await admin.request('GET', '/api/stats?from=yesterday')).status).toBe(400);
  });

  test('every query string is checked the same way: 400 invalid_query naming the parameter', async () => {
    const limit = 'limit: expected a whole number from 1 to 500';
    for (const url of ['/api/incidents?limit=0', '/api/action-items?limit=many', '/api/audit?limit=501']) {
      const res = await admin.request('GET', url);
      expect(res.status, url).toBe(400);
      expect(res.body.error, url).toEqual({ code: 'invalid_query', message: `Invalid query — ${limit}`, details: [{ path: ['limit'], message: limit.slice(7) }] });
    }
    const twice = await admin.request('GET', '/api/incidents?service=a&service=b');
    expect(twice.body.error).toMatchObject({ code: 'invalid_query', message: 'Invalid query — service: expected one value' });
    const host = await admin.send('POST', `/api/containers/anything/restart?host=${'h'.repeat(301)}`);
    expect(host.body.error).toMatchObject({ code: 'invalid_query', message: 'Invalid query — host: at most 300 characters' });
  });
});

test('after a restart the engine picks up where it was: a replayed signal changes nothing, a new death joins the open incident', async () => {
  const die = dieNow(1);
  await vigil.app.signals.ingest([die]);
  const before = (await admin.request('GET', '/api/incidents?status=open')).body.items;
  expect(before).toHaveLength(1);
  socket.close();
  await vigil.app.close();

  const again = await startVigil({ DATA_DIR: vigil.dataDir, ADMIN_PASSWORD });
  try {
    await again.app.ready();
    const c = new Client(again.url);
    await c.login('admin', ADMIN_PASSWORD);
    expect(await again.app.signals.ingest([die])).toEqual([]);
    const after = (await c.request('GET', '/api/incidents?status=open')).body.items;
    expect(after).toEqual(before);
    await again.app.signals.ingest([dieNow(2_000)]);
    // A die waits a moment (the engine's settle window) for the stop that may follow it, then is written.
    await expect.poll(async () => {
      const timeline = (await c.request('GET', `/api/incidents/${before[0].id}`)).body.timeline;
      return timeline.filter((e: { kind: string }) => e.kind === 'container.die').length;
    }, { timeout: 5_000 }).toBe(2);
  } finally {
    await again.stop();
  }
});
