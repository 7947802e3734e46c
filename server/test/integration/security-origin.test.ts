// A page on a sibling origin (same host, other port: same site, so the SameSite=Lax cookie goes
// along) must not act with a visitor's session: not over HTTP, not over socket.io. Non-browser
// clients (no Origin) and bearer tokens are left alone. The Chromium version of the attack:
// e2e/security-origin.test.ts.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { io as connect } from 'socket.io-client';
import { Client, startVigil, type RunningVigil } from '../harness/vigil.ts';

const ADMIN_PASSWORD = 'origin-admin-password';
const PUBLIC_URL = 'https://vigil.example.test';
let vigil: RunningVigil;
let admin: Client;
let sibling: string;
let users = 0;

beforeAll(async () => {
  vigil = await startVigil({ ADMIN_PASSWORD, PUBLIC_URL });
  await vigil.app.ready();
  admin = new Client(vigil.url);
  expect((await admin.login('admin', ADMIN_PASSWORD)).status).toBe(200);
  const port = Number(new URL(vigil.url).port);
  sibling = `http://127.0.0.1:${port === 65535 ? port - 1 : port + 1}`;
});

afterAll(async () => { await vigil?.stop(); });

const newUser = () => ({ username: `origin-user-${++users}`, password: 'origin-user-password', role: 'viewer' });

describe('HTTP: a cookie-authenticated change', () => {
  test('from a sibling port is 403 origin_not_allowed, naming what to do; nothing is created', async () => {
    const user = newUser();
    const res = await admin.request('POST', '/api/users', user, { 'x-csrf-token': admin.csrf ?? '', origin: sibling });
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe('origin_not_allowed');
    expect(res.body.error.message).toContain(sibling);
    expect(res.body.error.message).toContain('PUBLIC_URL');
    const list = await admin.request('GET', '/api/users');
    expect(list.body.items.map((u: { username: string }) => u.username)).not.toContain(user.username);
  });

  test('from another site, and from an opaque origin ("null"), is refused the same way', async () => {
    for (const origin of ['https://evil.example', 'null', 'http://localhost:1']) {
      const res = await admin.request('POST', '/api/users', newUser(), { 'x-csrf-token': admin.csrf ?? '', origin });
      expect(res.status, origin).toBe(403);
      expect(res.body.error.code).toBe('origin_not_allowed');
    }
  });

  test('from the origin it was served on, from PUBLIC_URL, or with no Origin at all, works', async () => {
    for (const headers of [{ origin: vigil.url }, { origin: PUBLIC_URL }, {}] as Array<Record<string, string>>) {
      const res = await admin.request('POST', '/api/users', newUser(), { 'x-csrf-token': admin.csrf ?? '', ...headers });
      expect(res.status, JSON.stringify(headers)).toBe(201);
    }
  });

  test('behind a TLS-terminating proxy on loopback, X-Forwarded-Proto names the scheme it was served on', async () => {
    const port = new URL(vigil.url).port;
    const res = await admin.request('POST', '/api/users', newUser(), {
      'x-csrf-token': admin.csrf ?? '', origin: `https://127.0.0.1:${port}`, 'x-forwarded-proto': 'https',
    });
    expect(res.status).toBe(201);
  });

  test('sign-in from a foreign page is refused too (no logging a visitor in as someone else)', async () => {
    const res = await new Client(vigil.url).request('POST', '/api/auth/login', { username: 'admin', password: ADMIN_PASSWORD }, { origin: sibling });
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe('origin_not_allowed');
  });

  test('reads are not changes: a GET with a foreign Origin is answered as usual', async () => {
    expect((await admin.request('GET', '/api/auth/me', undefined, { origin: sibling })).status).toBe(200);
  });

  test('a bearer token is not cookie-authenticated and is not subject to the check', async () => {
    const created = await admin.send('POST', '/api/tokens', { name: 'origin-script', role: 'admin' });
    expect(created.status).toBe(201);
    const script = new Client(vigil.url);
    script.bearer = created.body.token;
    const res = await script.request('POST', '/api/users', newUser(), { origin: sibling });
    expect(res.status).toBe(201);
  });
});

describe('socket.io: the handshake', () => {
  async function attempt(headers: Record<string, string>, transport: 'websocket' | 'polling'): Promise<string> {
    const socket = connect(vigil.url, { transports: [transport], reconnection: false, extraHeaders: { cookie: admin.cookie ?? '', ...headers } });
    try {
      return await new Promise<string>((resolve) => {
        socket.on('server:hello', (hello) => resolve(`hello ${hello.user.username}`));
        socket.on('connect_error', (err) => resolve(`refused: ${err.message}`));
      });
    } finally {
      socket.close();
    }
  }

  test('with the session cookie from a sibling port is refused before any socket exists (websocket and polling)', async () => {
    expect(await attempt({ origin: sibling }, 'websocket')).toMatch(/^refused/);
    expect(await attempt({ origin: sibling }, 'polling')).toMatch(/^refused/);
    expect(await attempt({ origin: 'null' }, 'websocket')).toMatch(/^refused/);
  });

  test('from the origin it is served on, from PUBLIC_URL, or from no page at all, is greeted', async () => {
    expect(await attempt({ origin: vigil.url }, 'websocket')).toBe('hello admin');
    expect(await attempt({ origin: vigil.url }, 'polling')).toBe('hello admin');
    expect(await attempt({ origin: PUBLIC_URL }, 'websocket')).toBe('hello admin');
    expect(await attempt({}, 'websocket')).toBe('hello admin');
  });

  test('the polling handshake from a foreign page is 403 with the reason in words', async () => {
    const res = await fetch(`${vigil.url}/socket.io/?EIO=4&transport=polling`, { headers: { cookie: admin.cookie ?? '', origin: sibling } });
    expect(res.status).toBe(403);
    expect(await res.text()).toContain('origin_not_allowed');
  });
});
