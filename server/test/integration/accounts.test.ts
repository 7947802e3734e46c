// A user's whole life against a real Vigil on the embedded store, with real socket.io clients:
// disabled (sessions, tokens and live connections end at once; sign-in says so) and enabled again,
// deleted (the name stays on the timeline, the post-mortem and the audit log, and is not given to
// anyone else), their own password changed (other sessions end), an admin's reset, API tokens that
// expire, and the sign-in lockout surviving a restart of Vigil on the same data directory.
import fs from 'node:fs';
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { io as connect, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { dockerEventToSignal } from '../../src/sources/docker/normalize.ts';
import type { Signal } from '../../src/domain/signal.ts';
import { DATABASE_FILE } from '../../src/store/sqlite/store.ts';
import { Client, startVigil, type RunningVigil } from '../harness/vigil.ts';

const ADMIN_PASSWORD = 'accounts-life-admin-pw';
const recordedDie = JSON.parse(fs.readFileSync(path.join(import.meta.dirname, '..', 'fixtures', 'docker', 'event-compose-die.json'), 'utf8'));

/** The recorded die of service "crashy", moved to now so it opens a fresh incident. */
function dieNow(): Signal {
  const nowNs = BigInt(Date.now()) * 1_000_000n;
  const signal = dockerEventToSignal({ ...recordedDie, time: Math.floor(Number(nowNs / 1_000_000_000n)), timeNano: nowNs.toString() }, 'local');
  if (!signal) throw new Error('the recorded die event did not normalize');
  return signal;
}

/** A live connection as the given client; resolves once the server greeted it. */
async function live(vigil: RunningVigil, who: Client): Promise<{ socket: Socket; disconnected: Promise<string> }> {
  const socket = connect(vigil.url, { transports: ['websocket'], reconnection: false, extraHeaders: { cookie: who.cookie ?? '' } });
  const disconnected = new Promise<string>((resolve) => socket.on('disconnect', (reason) => resolve(reason)));
  await new Promise((resolve, reject) => {
    socket.on('server:hello', resolve);
    socket.on('connect_error', reject);
  });
  return { socket, disconnected };
}

let vigil: RunningVigil;
let admin: Client;
const sockets: Socket[] = [];

async function newUser(username: string, password: string, role = 'responder'): Promise<string> {
  const res = await admin.send('POST', '/api/users', { username, password, role });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.id;
}

async function signedIn(username: string, password: string): Promise<Client> {
  const c = new Client(vigil.url);
  expect((await c.login(username, password)).status).toBe(200);
  return c;
}

async function auditActions(): Promise<Array<{ actor: string; action: string; target?: string; outcome: string }>> {
  return (await admin.request('GET', '/api/audit?limit=500')).body.items;
}

beforeAll(async () => {
  vigil = await startVigil({ ADMIN_PASSWORD });
  admin = await signedIn('admin', ADMIN_PASSWORD);
});
afterAll(async () => {
  for (const s of sockets) s.close();
  await vigil?.stop();
});

describe('disable and enable', () => {
  test('disabling a signed-in user closes their live connection at once, ends their session, and sign-in says the account is disabled', async () => {
    const id = await newUser('bob', 'bob-password-01');
    const bob = await signedIn('bob', 'bob-password-01');
    const { socket, disconnected } = await live(vigil, bob);
    sockets.push(socket);

    const res = await admin.send('POST', `/api/users/${id}/disable`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id, username: 'bob', disabled: true });
    // The server closed it (not a transport failure): socket.io says so.
    expect(await disconnected).toBe('io server disconnect');
    expect((await bob.request('GET', '/api/auth/me')).status).toBe(401);

    const refused = await new Client(vigil.url).login('bob', 'bob-password-01');
    expect(refused.status).toBe(403);
    expect(refused.body.error).toMatchObject({ code: 'user_disabled', message: expect.stringMatching(/disabled.*admin/) });
    // Only the right password learns that: a wrong one is the usual 401.
    expect((await new Client(vigil.url).login('bob', 'not-his-password')).status).toBe(401);
    expect((await admin.request('GET', '/api/users')).body.items.find((u: { id: string }) => u.id === id)).toMatchObject({ disabled: true });

    expect((await admin.send('POST', `/api/users/${id}/enable`)).status).toBe(200);
    const back = await signedIn('bob', 'bob-password-01');
    expect((await back.request('GET', '/api/auth/me')).body.user).toEqual(expect.objectContaining({ username: 'bob' }));
    expect((await admin.request('GET', '/api/users')).body.items.find((u: { id: string }) => u.id === id).disabled).toBeUndefined();
    const actions = (await auditActions()).filter((a) => a.target === 'bob').map((a) => a.action);
    expect(actions).toEqual(expect.arrayContaining(['user.disable', 'user.enable']));
  });

  test('an admin\'s API tokens stop working while they are disabled, and work again once enabled', async () => {
    const id = await newUser('carol', 'carol-password-1', 'admin');
    const carol = await signedIn('carol', 'carol-password-1');
    const made = await carol.send('POST', '/api/tokens', { name: 'carol-ci', role: 'viewer' });
    expect(made.status).toBe(201);
    const ci = new Client(vigil.url);
    ci.bearer = made.body.token;
    expect((await ci.request('GET', '/api/incidents')).status).toBe(200);
    expect((await admin.send('POST', `/api/users/${id}/disable`)).status).toBe(200);
    expect((await ci.request('GET', '/api/incidents')).status).toBe(401);
    expect((await admin.send('POST', `/api/users/${id}/enable`)).status).toBe(200);
    expect((await ci.request('GET', '/api/incidents')).status).toBe(200);
  });

  test('nobody disables or deletes themselves, and never the last enabled admin', async () => {
    const me = (await admin.request('GET', '/api/auth/me')).body.user.id;
    const self = await admin.send('POST', `/api/users/${me}/disable`);
    expect(self.status).toBe(409);
    expect(self.body.error).toMatchObject({ code: 'own_account', message: expect.stringMatching(/own account.*another admin/) });
    expect((await admin.send('DELETE', `/api/users/${me}`)).body.error.code).toBe('own_account');

    // An admin token has no own account: with carol disabled, admin is the last enabled admin.
    const carolId = (await admin.request('GET', '/api/users')).body.items.find((u: { username: string }) => u.username === 'carol').id;
    expect((await admin.send('POST', `/api/users/${carolId}/disable`)).status).toBe(200);
    const token = new Client(vigil.url);
    token.bearer = (await admin.send('POST', '/api/tokens', { name: 'root-automation', role: 'admin' })).body.token;
    const last = await token.send('POST', `/api/users/${me}/disable`);
    expect(last.status).toBe(409);
    expect(last.body.error).toMatchObject({ code: 'last_admin', message: expect.stringContaining('"admin" is the last enabled admin') });
    expect((await token.send('DELETE', `/api/users/${me}`)).status).toBe(409);
    expect((await admin.request('GET', '/api/auth/me')).status).toBe(200);
    expect((await admin.send('POST', `/api/users/${carolId}/enable`)).status).toBe(200);
    expect((await admin.send('POST', '/api/users/not-a-user/disable')).status).toBe(404);
  });
});

describe('delete', () => {
  test('a deleted user\'s name stays on the timeline, the acknowledgement, the post-mortem and the audit log, and is not given to anyone else', async () => {
    const id = await newUser('dave', 'dave-password-1');
    const dave = await signedIn('dave', 'dave-password-1');
    const { socket, disconnected } = await live(vigil, dave);
    sockets.push(socket);
    const die = dieNow();
    await vigil.app.signals.ingest([die]);
    const open = await admin.request('GET', '/api/incidents?status=open');
    const incidentId: string = open.body.items.find((i: { service: string }) => i.service === 'crashy')?.id;
    expect(incidentId).toBeTruthy();
    expect((await dave.send('POST', `/api/incidents/${incidentId}/acknowledge`)).status).toBe(200);
    expect((await dave.send('POST', `/api/incidents/${incidentId}/notes`, { text: 'dave was here' })).status).toBe(201);
    expect((await dave.send('PUT', `/api/incidents/${incidentId}/postmortem`, { markdown: '# by dave', version: 0 })).status).toBe(200);

    const res = await admin.send('DELETE', `/api/users/${id}`);
    expect(res.status).toBe(204);
    expect(await disconnected).toBe('io server disconnect');
    expect((await dave.request('GET', '/api/auth/me')).status).toBe(401);
    expect((await new Client(vigil.url).login('dave', 'dave-password-1')).status).toBe(401);
    expect((await admin.request('GET', '/api/users')).body.items.map((u: { username: string }) => u.username)).not.toContain('dave');
    expect((await admin.send('POST', `/api/users/${id}/enable`)).status).toBe(404);

    const incident = (await admin.request('GET', `/api/incidents/${incidentId}`)).body;
    expect(incident.acknowledgedBy).toBe('dave');
    expect(incident.timeline.find((e: { kind: string }) => e.kind === 'user.note')).toMatchObject({ actor: 'dave' });
    expect((await admin.request('GET', `/api/incidents/${incidentId}/postmortem`)).body).toMatchObject({ markdown: '# by dave', updatedBy: 'dave' });
    const audit = await auditActions();
    expect(audit.some((a) => a.actor === 'dave' && a.action === 'auth.login')).toBe(true);
    expect(audit.find((a) => a.action === 'user.delete')).toMatchObject({ actor: 'admin', target: 'dave', outcome: 'ok' });

    for (const username of ['dave', 'Dave']) {
      const again = await admin.send('POST', '/api/users', { username, password: 'new-dave-password', role: 'viewer' });
      expect(again.status, username).toBe(409);
      expect(again.body.error.code).toBe('username_taken');
    }
  });
});

describe('passwords', () => {
  test('changing one\'s own password needs the current one and ends the other sessions, not this one', async () => {
    await newUser('erin', 'erin-password-1');
    const here = await signedIn('erin', 'erin-password-1');
    const laptop = await signedIn('erin', 'erin-password-1');
    const { socket, disconnected } = await live(vigil, laptop);
    sockets.push(socket);

    const wrong = await here.send('POST', '/api/auth/password', { currentPassword: 'guess-guess-1', newPassword: 'erin-password-2' });
    expect(wrong.status).toBe(403);
    expect(wrong.body.error.code).toBe('wrong_password');
    const short = await here.send('POST', '/api/auth/password', { currentPassword: 'erin-password-1', newPassword: 'short' });
    expect(short.status).toBe(400);
    expect(short.body.error.message).toMatch(/at least 10 characters/);

    const ok = await here.send('POST', '/api/auth/password', { currentPassword: 'erin-password-1', newPassword: 'erin-password-2' });
    expect(ok.status).toBe(200);
    expect(ok.body).toEqual({ revoked: 1 });
    expect((await here.request('GET', '/api/auth/me')).status).toBe(200);
    expect((await laptop.request('GET', '/api/auth/me')).status).toBe(401);
    expect(await disconnected).toBe('io server disconnect');
    expect((await new Client(vigil.url).login('erin', 'erin-password-1')).status).toBe(401);
    await signedIn('erin', 'erin-password-2');
    const audit = await auditActions();
    expect(audit.filter((a) => a.action === 'user.password.change').map((a) => a.outcome).sort()).toEqual(['denied', 'ok']);
  });

  test('an admin resets another user\'s password: every session of theirs ends; their own goes through the account page', async () => {
    const id = (await admin.request('GET', '/api/users')).body.items.find((u: { username: string }) => u.username === 'erin').id;
    const erin = await signedIn('erin', 'erin-password-2');
    const res = await admin.send('POST', `/api/users/${id}/password`, { password: 'reset-by-admin-1' });
    expect(res.status).toBe(200);
    expect(res.body.revoked).toBeGreaterThanOrEqual(1);
    expect((await erin.request('GET', '/api/auth/me')).status).toBe(401);
    await signedIn('erin', 'reset-by-admin-1');
    const me = (await admin.request('GET', '/api/auth/me')).body.user.id;
    expect((await admin.send('POST', `/api/users/${me}/password`, { password: 'whatever-long-1' })).body.error.code).toBe('own_account');
    expect((await auditActions()).find((a) => a.action === 'user.password.reset')).toMatchObject({ actor: 'admin', target: 'erin' });
  });
});

describe('API tokens with an expiry', () => {
  test('a token made to expire is listed with its expiry and last use, and once expired answers 401 token_expired', async () => {
    const made = await admin.send('POST', '/api/tokens', { name: 'nightly', role: 'viewer', expiresInDays: 7 });
    expect(made.status).toBe(201);
    const days = (Date.parse(made.body.expiresAt) - Date.parse(made.body.createdAt)) / 86_400_000;
    expect(days).toBeCloseTo(7, 3);
    const bot = new Client(vigil.url);
    bot.bearer = made.body.token;
    expect((await bot.request('GET', '/api/incidents')).status).toBe(200);
    await expect.poll(async () => (await admin.request('GET', '/api/tokens')).body.items.find((x: { id: string }) => x.id === made.body.id)?.lastUsedAt)
      .toBeTruthy();

    // A week passes: the stored expiry is moved into the past, as the clock would.
    const db = new DatabaseSync(path.join(vigil.dataDir, DATABASE_FILE));
    try {
      db.prepare('UPDATE api_tokens SET expires_at = ? WHERE id = ?').run(new Date(Date.now() - 1_000).toISOString(), made.body.id);
    } finally {
      db.close();
    }
    const late = await bot.request('GET', '/api/incidents');
    expect(late.status).toBe(401);
    expect(late.body.error).toMatchObject({ code: 'token_expired', message: expect.stringMatching(/expired.*new one/) });
    // A live connection with it is refused too.
    const socket = connect(vigil.url, { transports: ['websocket'], reconnection: false, auth: { token: made.body.token } });
    sockets.push(socket);
    expect(await new Promise<string>((resolve) => socket.on('connect_error', (err) => resolve(err.message)))).toBe('unauthorized');
  });

  test('an expiry in the past, too far away, or given twice is refused with 400', async () => {
    const past = await admin.send('POST', '/api/tokens', { name: 'x', role: 'viewer', expiresAt: '2020-01-01T00:00:00Z' });
    expect(past.status).toBe(400);
    expect(past.body.error.message).toMatch(/in the past/);
    const far = await admin.send('POST', '/api/tokens', { name: 'x', role: 'viewer', expiresInDays: 366 });
    expect(far.status).toBe(400);
    expect(far.body.error.message).toMatch(/at most 365 days/);
    const farAt = await admin.send('POST', '/api/tokens', { name: 'x', role: 'viewer', expiresAt: new Date(Date.now() + 400 * 86_400_000).toISOString() });
    expect(farAt.status).toBe(400);
    const both = await admin.send('POST', '/api/tokens', { name: 'x', role: 'viewer', expiresInDays: 3, expiresAt: new Date(Date.now() + 86_400_000).toISOString() });
    expect(both.status).toBe(400);
    expect(both.body.error.message).toMatch(/not both/);
    const at = new Date(Date.now() + 2 * 86_400_000).toISOString();
    const ok = await admin.send('POST', '/api/tokens', { name: 'until', role: 'viewer', expiresAt: at });
    expect(ok.status).toBe(201);
    expect(ok.body.expiresAt).toBe(at);
    expect((await admin.request('GET', '/api/tokens')).body.items.find((x: { id: string }) => x.id === ok.body.id).expiresAt).toBe(at);
  });
});
