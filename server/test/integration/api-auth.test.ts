// The HTTP and socket.io surface of auth, against a real server on the embedded store.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { io as connect } from 'socket.io-client';
import { Client, startVigil, type RunningVigil } from '../harness/vigil.ts';

const ADMIN_PASSWORD = 'admin-password-for-tests';
let vigil: RunningVigil;
let admin: Client;

beforeAll(async () => {
  vigil = await startVigil({ ADMIN_PASSWORD, WEBHOOK_TOKEN: 'webhook-token-for-tests-0123' });
  await vigil.app.ready();
  admin = new Client(vigil.url);
  expect((await admin.login('admin', ADMIN_PASSWORD)).status).toBe(200);
});
afterAll(async () => { await vigil?.stop(); });

describe('health', () => {
  test('/healthz answers while running', async () => {
    const res = await new Client(vigil.url).request('GET', '/healthz');
    expect(res.status).toBe(200);
    expect(res.body.status).toBe('ok');
  });

  test('/readyz reports the store and every source', async () => {
    const res = await new Client(vigil.url).request('GET', '/readyz');
    expect(res.status).toBe(200);
    expect(res.body.ready).toBe(true);
    expect(res.body.store).toEqual({ kind: 'embedded', state: 'up' });
    const sources = res.body.sources.map((s: { source: string }) => s.source).sort();
    expect(sources).toEqual(['docker', 'prometheus']);
  });

  test('/metrics is Prometheus exposition with request counts', async () => {
    const res = await new Client(vigil.url).request('GET', '/metrics');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(res.body).toMatch(/vigil_http_requests_total\{method="GET",route="\/healthz",status="200"\} \d+/);
    expect(res.body).toMatch(/vigil_process_resident_memory_bytes \d+/);
  });
});

describe('login', () => {
  test('a wrong password is 401 with the documented error', async () => {
    const res = await new Client(vigil.url).login('admin', 'not-the-password');
    expect(res.status).toBe(401);
    expect(res.body).toEqual({ error: { code: 'invalid_credentials', message: 'Wrong username or password.' } });
    expect(res.headers.get('set-cookie')).toBeNull();
  });

  test('an unknown user gets the same answer as a wrong password', async () => {
    const res = await new Client(vigil.url).login('nobody', 'whatever-password');
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe('invalid_credentials');
  });

  test('a malformed body is 400 naming the field; invalid JSON is 400 too', async () => {
    const c = new Client(vigil.url);
    const res = await c.request('POST', '/api/auth/login', { username: 'admin' });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('invalid_request');
    expect(res.body.error.message).toMatch(/password/);
    const bad = await c.request('POST', '/api/auth/login', '{"username":', { 'content-type': 'application/json' });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('invalid_json');
  });

  test('success sets an HttpOnly SameSite cookie and returns the user and a CSRF token', async () => {
    const res = await new Client(vigil.url).login('admin', ADMIN_PASSWORD);
    expect(res.status).toBe(200);
    expect(res.body.user).toMatchObject({ username: 'admin', role: 'admin' });
    expect(res.body.csrfToken).toMatch(/^[\w-]{40,}$/);
    const cookie = res.headers.get('set-cookie') ?? '';
    expect(cookie).toMatch(/^vigil_session=[\w-]{40,};/);
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Lax/i);
  });

  test('me answers 401 without a session and 200 with one', async () => {
    expect((await new Client(vigil.url).request('GET', '/api/auth/me')).status).toBe(401);
    const me = await admin.request('GET', '/api/auth/me');
    expect(me.status).toBe(200);
    expect(me.body.user.username).toBe('admin');
    expect(me.body.csrfToken).toBe(admin.csrf);
  });

  test('every /api route needs auth; unknown routes are 404 once signed in', async () => {
    const anon = new Client(vigil.url);
    expect((await anon.request('GET', '/api/users')).body.error.code).toBe('unauthenticated');
    expect((await anon.request('GET', '/api/nope')).status).toBe(401);
    const res = await admin.request('GET', '/api/nope');
    expect(res.status).toBe(404);
    expect(res.body.error.message).toContain('GET /api/nope');
  });
});

describe('CSRF and roles', () => {
  test('a cookie-borne change without X-CSRF-Token is 403, with it 201', async () => {
    const body = { username: 'carol', password: 'carol-password-1', role: 'responder' };
    const noToken = await admin.request('POST', '/api/users', body);
    expect(noToken.status).toBe(403);
    expect(noToken.body.error.code).toBe('csrf_token_invalid');
    const wrong = await admin.request('POST', '/api/users', body, { 'x-csrf-token': 'forged' });
    expect(wrong.status).toBe(403);
    const ok = await admin.send('POST', '/api/users', body);
    expect(ok.status).toBe(201);
    expect(ok.body).toMatchObject({ username: 'carol', role: 'responder' });
    expect(ok.body.passwordHash).toBeUndefined();
    const again = await admin.send('POST', '/api/users', body);
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('username_taken');
  });

  test('user creation validates each field', async () => {
    const res = await admin.send('POST', '/api/users', { username: 'x', password: 'short', role: 'root' });
    expect(res.status).toBe(400);
    expect(res.body.error.message).toMatch(/username/);
    expect(res.body.error.message).toMatch(/password/);
    expect(res.body.error.message).toMatch(/role/);
  });

  test('a viewer calling an admin route gets 403, not 401', async () => {
    expect((await admin.send('POST', '/api/users', { username: 'victor', password: 'victor-password-1', role: 'viewer' })).status).toBe(201);
    const viewer = new Client(vigil.url);
    expect((await viewer.login('victor', 'victor-password-1')).status).toBe(200);
    expect((await viewer.request('GET', '/api/auth/me')).status).toBe(200);
    const res = await viewer.send('POST', '/api/tokens', { name: 'x', role: 'admin' });
    expect(res.status).toBe(403);
    expect(res.body.error).toEqual({ code: 'forbidden', message: 'This needs the admin role; you are signed in as viewer.' });
    expect((await viewer.request('GET', '/api/users')).status).toBe(403);
  });

  test('logout ends the session', async () => {
    const c = new Client(vigil.url);
    await c.login('admin', ADMIN_PASSWORD);
    expect((await c.send('POST', '/api/auth/logout')).status).toBe(204);
    expect((await c.request('GET', '/api/auth/me')).status).toBe(401);
  });
});

describe('API tokens', () => {
  test('an admin creates a token shown once; it authenticates without CSRF; revoked it stops', async () => {
    const created = await admin.send('POST', '/api/tokens', { name: 'ci-bot', role: 'admin' });
    expect(created.status).toBe(201);
    expect(created.body.token).toMatch(/^vgl_[\w-]{40,}$/);
    expect(created.body.tokenHash).toBeUndefined();
    const list = await admin.request('GET', '/api/tokens');
    expect(list.body.items.find((t: { id: string }) => t.id === created.body.id)).toMatchObject({ name: 'ci-bot', role: 'admin' });
    expect(JSON.stringify(list.body)).not.toContain(created.body.token);

    const bot = new Client(vigil.url);
    bot.bearer = created.body.token;
    const me = await bot.request('GET', '/api/auth/me');
    expect(me.status).toBe(200);
    expect(me.body.actor).toBe('token:ci-bot');
    expect((await bot.request('POST', '/api/users', { username: 'made-by-bot', password: 'bot-password-1', role: 'viewer' })).status).toBe(201);

    expect((await admin.send('DELETE', `/api/tokens/${created.body.id}`)).status).toBe(204);
    expect((await bot.request('GET', '/api/auth/me')).status).toBe(401);
    expect((await admin.send('DELETE', `/api/tokens/${created.body.id}`)).status).toBe(404);
  });

  test('a viewer token cannot reach admin routes', async () => {
    const created = await admin.send('POST', '/api/tokens', { name: 'dash', role: 'viewer' });
    const dash = new Client(vigil.url);
    dash.bearer = created.body.token;
    expect((await dash.request('GET', '/api/tokens')).status).toBe(403);
    const forged = new Client(vigil.url);
    forged.bearer = 'vgl_not-a-real-token';
    expect((await forged.request('GET', '/api/auth/me')).status).toBe(401);
  });

  test('the audit log records logins, users and tokens, newest first', async () => {
    const res = await admin.request('GET', '/api/audit?limit=200');
    expect(res.status).toBe(200);
    const actions = res.body.items.map((a: { action: string; outcome: string }) => `${a.action}:${a.outcome}`);
    expect(actions).toContain('auth.login:denied');
    expect(actions).toContain('user.create:ok');
    expect(actions).toContain('token.revoke:ok');
    const times = res.body.items.map((a: { at: string }) => a.at);
    expect([...times].sort().reverse()).toEqual(times);
  });
});

describe('socket.io', () => {
  test('an unauthenticated connection is refused', async () => {
    const socket = connect(vigil.url, { transports: ['websocket'], reconnection: false });
    const err = await new Promise<Error>((resolve) => socket.on('connect_error', resolve));
    socket.close();
    expect(err.message).toBe('unauthorized');
  });

  test('the session cookie authenticates, the server greets, and sync answers', async () => {
    const socket = connect(vigil.url, { transports: ['websocket'], reconnection: false, extraHeaders: { cookie: admin.cookie ?? '' } });
    const hello = await new Promise<{ user: { username: string } }>((resolve, reject) => {
      socket.on('server:hello', resolve);
      socket.on('connect_error', reject);
    });
    expect(hello.user.username).toBe('admin');
    const result = await socket.emitWithAck('sync', { since: new Date(0).toISOString() });
    expect(result).toMatchObject({ incidents: [], entries: [] });
    const bad = await socket.emitWithAck('sync', { since: 'yesterday' });
    expect(bad).toEqual({ error: 'sync needs {since: ISO-8601 time}', code: 'invalid_request' });
    socket.close();
  });
});

describe('first start', () => {
  test('generated admin password and webhook token are printed once, then never again', async () => {
    const first = await startVigil({ KEEP_DATA: '1' });
    await first.app.ready();
    await first.stop();
    const text = first.announced.join('');
    const password = text.match(/admin password:\s+(\S+)/)?.[1];
    expect(password).toMatch(/^[\w-]{20}$/);
    expect(text).toMatch(/webhook token:\s+[\w-]{40,}/);

    const second = await startVigil({ DATA_DIR: first.dataDir });
    await second.app.ready();
    expect(second.announced).toEqual([]);
    const c = new Client(second.url);
    expect((await c.login('admin', password ?? '')).status).toBe(200);
    await second.stop();
  });
});
