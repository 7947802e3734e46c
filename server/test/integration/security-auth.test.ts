// Hardening on a real Vigil (embedded store): sign-in lockout per username and per address, sessions
// that expire and can be revoked, body limits and types on every route that takes a body, strict
// security headers, and an audit record (who, what, when, from where) for every state change.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { io as connect } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { Client, startVigil, type RunningVigil } from '../harness/vigil.ts';
import { routeKey, stateChangingRoutes } from './security-routes.ts';

const ADMIN_PASSWORD = 'security-admin-password';
const WEBHOOK_TOKEN = 'security-webhook-token-0123';
const firing = JSON.parse(readFileSync(path.join(import.meta.dirname, '../fixtures/alertmanager/am-webhook-firing.json'), 'utf8'));

let vigil: RunningVigil;
let admin: Client;
/** Reads the audit log with an API token: sessions come and go in these tests. */
let auditor: Client;

/** A client whose requests come "from" `ip` (Vigil trusts X-Forwarded-For from a loopback proxy). */
function from(ip: string): Client {
  const c = new Client(vigil.url);
  const request = c.request.bind(c);
  c.request = (method, route, body, headers = {}) => request(method, route, body, { 'x-forwarded-for': ip, ...headers });
  return c;
}

async function createUser(username: string, password: string, role = 'responder'): Promise<string> {
  const res = await admin.send('POST', '/api/users', { username, password, role });
  expect(res.status).toBe(201);
  return res.body.id;
}

async function auditSince(at: string): Promise<Array<{ actor: string; action: string; target?: string; ip?: string; at: string; outcome: string; detail?: any }>> {
  const res = await auditor.request('GET', '/api/audit?limit=500');
  expect(res.status).toBe(200);
  return res.body.items.filter((r: { at: string }) => r.at >= at).reverse();
}

beforeAll(async () => {
  vigil = await startVigil({ ADMIN_PASSWORD, WEBHOOK_TOKEN, PROMETHEUS_POLL_SECONDS: '0', DOCKER_HOSTS: 'tcp://127.0.0.1:9' });
  await vigil.app.ready();
  admin = from('198.51.100.1');
  expect((await admin.login('admin', ADMIN_PASSWORD)).status).toBe(200);
  auditor = new Client(vigil.url);
  auditor.bearer = (await admin.send('POST', '/api/tokens', { name: 'auditor', role: 'admin' })).body.token;
});
afterAll(async () => { await vigil?.stop(); });

describe('sign-in lockout', () => {
  test('5 wrong passwords for one username lock it (429, Retry-After, words to act on), even with the right password; an admin lifts it', async () => {
    const id = await createUser('lockme', 'lockme-password-1');
    const started = new Date().toISOString();
    // From different addresses: the username count is what locks.
    for (let i = 1; i <= 4; i++) {
      const res = await from(`203.0.113.${i}`).login('lockme', `wrong-${i}`);
      expect(res.status).toBe(401);
    }
    const fifth = await from('203.0.113.5').login('LockMe', 'wrong-5');
    expect(fifth.status).toBe(429);
    expect(fifth.body.error.code).toBe('too_many_attempts');
    expect(fifth.body.error.message).toMatch(/Too many failed sign-ins for this username: it is locked for 15 minutes\. Wait and try again, or ask an admin/);
    expect(Number(fifth.headers.get('retry-after'))).toBeGreaterThan(14 * 60);
    expect(Number(fifth.headers.get('retry-after'))).toBeLessThanOrEqual(15 * 60);

    const right = await from('203.0.113.6').login('lockme', 'lockme-password-1');
    expect(right.status).toBe(429);
    expect(right.headers.get('set-cookie')).toBeNull();
    expect(right.body.error.details).toMatchObject({ scope: 'username' });

    const lockouts = (await auditSince(started)).filter((r) => r.action === 'auth.lockout');
    expect(lockouts).toEqual([expect.objectContaining({ actor: 'lockme', target: 'lockme', outcome: 'denied', ip: '203.0.113.5', detail: expect.objectContaining({ scope: 'username', failures: 5 }) })]);

    const viewer = from('198.51.100.2');
    await createUser('unlock-viewer', 'viewer-password-1', 'viewer');
    await viewer.login('unlock-viewer', 'viewer-password-1');
    expect((await viewer.send('POST', `/api/users/${id}/unlock`)).status).toBe(403);
    expect((await admin.send('POST', '/api/users/nope/unlock')).status).toBe(404);
    expect((await admin.send('POST', `/api/users/${id}/unlock`)).status).toBe(204);
    expect((await from('203.0.113.6').login('lockme', 'lockme-password-1')).status).toBe(200);
  });

  test('a successful sign-in resets the username count', async () => {
    await createUser('resetme', 'resetme-password-1');
    const c = from('203.0.113.20');
    for (let round = 0; round < 2; round++) {
      for (let i = 0; i < 4; i++) expect((await c.login('resetme', 'wrong')).status).toBe(401);
      expect((await c.login('resetme', 'resetme-password-1')).status).toBe(200);
    }
  });

  test('unknown usernames lock the same way (no hint which names exist)', async () => {
    const c = from('203.0.113.30');
    for (let i = 0; i < 4; i++) expect((await c.login('ghost', 'wrong')).status).toBe(401);
    expect((await c.login('ghost', 'wrong')).status).toBe(429);
  });

  test('30 failures from one address across usernames pause sign-in from it, not from others', async () => {
    const c = from('192.0.2.66');
    const statuses: number[] = [];
    for (let i = 0; i < 30; i++) statuses.push((await c.login(`spray-${i}`, 'guess')).status);
    expect(statuses.slice(0, 29).every((s) => s === 401)).toBe(true);
    expect(statuses[29]).toBe(429);
    const after = await c.login('admin', ADMIN_PASSWORD);
    expect(after.status).toBe(429);
    expect(after.body.error.message).toMatch(/from your address \(192\.0\.2\.66\): sign-in from it is paused for 15 minutes/);
    expect(Number(after.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await from('192.0.2.67').login('admin', ADMIN_PASSWORD)).status).toBe(200);
  });

  test('a malformed sign-in is 400 and does not count as a failure', async () => {
    await createUser('malformed', 'malformed-password-1');
    const c = from('203.0.113.40');
    for (let i = 0; i < 10; i++) expect((await c.request('POST', '/api/auth/login', { username: 'malformed' })).status).toBe(400);
    expect((await c.login('malformed', 'malformed-password-1')).status).toBe(200);
  });
});

describe('sessions', () => {
  test('log out everywhere ends every session of the caller and only theirs', async () => {
    await createUser('roamer', 'roamer-password-1');
    const laptop = from('203.0.113.50');
    const phone = from('203.0.113.51');
    const other = from('203.0.113.52');
    await laptop.login('roamer', 'roamer-password-1');
    await phone.login('roamer', 'roamer-password-1');
    await createUser('bystander', 'bystander-password-1');
    await other.login('bystander', 'bystander-password-1');
    expect((await laptop.request('POST', '/api/auth/logout-all')).status).toBe(403); // CSRF still applies
    const res = await laptop.send('POST', '/api/auth/logout-all');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ revoked: 2 });
    expect((await phone.request('GET', '/api/auth/me')).status).toBe(401);
    expect((await laptop.request('GET', '/api/auth/me')).status).toBe(401);
    expect((await other.request('GET', '/api/auth/me')).status).toBe(200);
  });

  test('an admin revokes a user\'s sessions; a responder may not', async () => {
    const id = await createUser('revokee', 'revokee-password-1');
    const c = from('203.0.113.60');
    await c.login('revokee', 'revokee-password-1');
    expect((await c.send('DELETE', `/api/users/${id}/sessions`)).status).toBe(403);
    const res = await admin.send('DELETE', `/api/users/${id}/sessions`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ revoked: 1 });
    expect((await c.request('GET', '/api/auth/me')).status).toBe(401);
    expect((await admin.send('DELETE', '/api/users/no-such-user/sessions')).status).toBe(404);
  });

  test('revoking sessions closes their live connections at once; other connections stay', async () => {
    const id = await createUser('watcher', 'watcher-password-1');
    const revoked = from('203.0.113.70');
    await revoked.login('watcher', 'watcher-password-1');
    const open = async (c: Client) => {
      const socket = connect(vigil.url, { transports: ['websocket'], reconnection: false, extraHeaders: { cookie: c.cookie ?? '' } });
      await new Promise((resolve, reject) => {
        socket.on('server:hello', resolve);
        socket.on('connect_error', reject);
      });
      return socket;
    };
    const theirs = await open(revoked);
    const mine = await open(admin);
    try {
      const closed = new Promise<string>((resolve) => theirs.on('disconnect', resolve));
      expect((await admin.send('DELETE', `/api/users/${id}/sessions`)).status).toBe(200);
      expect(await closed).toBe('io server disconnect');
      expect((await mine.emitWithAck('sync', { since: new Date().toISOString() })).serverTime).toBeDefined();
      expect(mine.connected).toBe(true);
    } finally {
      theirs.close();
      mine.close();
    }
  });

  test('an API token cannot "log out everywhere": 400 saying what to do instead', async () => {
    const created = await admin.send('POST', '/api/tokens', { name: 'no-sessions', role: 'viewer' });
    const bot = new Client(vigil.url);
    bot.bearer = created.body.token;
    const res = await bot.request('POST', '/api/auth/logout-all');
    expect(res.status).toBe(400);
    expect(res.body.error.message).toMatch(/DELETE \/api\/tokens\/:id/);
  });

  test('a session expires after SESSION_TTL_HOURS', async () => {
    const short = await startVigil({ ADMIN_PASSWORD, SESSION_TTL_HOURS: String(1.5 / 3600), DOCKER_HOSTS: 'tcp://127.0.0.1:9', PROMETHEUS_POLL_SECONDS: '0' });
    try {
      await short.app.ready();
      const c = new Client(short.url);
      const login = await c.login('admin', ADMIN_PASSWORD);
      expect(login.headers.get('set-cookie')).toMatch(/Max-Age=1;|Max-Age=2;/);
      expect((await c.request('GET', '/api/auth/me')).status).toBe(200);
      await new Promise((r) => setTimeout(r, 1_700));
      expect((await c.request('GET', '/api/auth/me')).status).toBe(401);
    } finally {
      await short.stop();
    }
  });
});

describe('bodies', () => {
  const bodyRoutes: Array<[string, string, number]> = [
    ['POST', '/api/auth/login', 256 * 1024],
    ['POST', '/api/users', 256 * 1024],
    ['POST', '/api/tokens', 256 * 1024],
    ['POST', '/api/incidents/x/notes', 256 * 1024],
    ['POST', '/api/incidents/x/resolve', 256 * 1024],
    ['PUT', '/api/incidents/x/postmortem', 256 * 1024],
    ['PATCH', '/api/incidents/x/postmortem/action-items/0', 256 * 1024],
    ['POST', '/api/containers/x/supervision', 256 * 1024],
    ['POST', '/api/webhooks/alertmanager', 1024 * 1024],
  ];

  test('every route that takes a body answers 413 past its limit, with the limit in the message', async () => {
    const webhookAuth = { authorization: `Bearer ${WEBHOOK_TOKEN}` };
    for (const [method, route, limit] of bodyRoutes) {
      const body = JSON.stringify({ text: 'x'.repeat(limit + 10) });
      const headers: Record<string, string> = route.includes('webhooks') ? webhookAuth : { 'x-csrf-token': admin.csrf! };
      const res = await admin.request(method, route, body, { 'content-type': 'application/json', ...headers });
      expect(res.status, `${method} ${route}`).toBe(413);
      expect(res.body.error.code).toBe('payload_too_large');
      expect(res.body.error.message).toMatch(new RegExp(`larger than the ${limit === 1024 * 1024 ? '1 MB' : '256 kB'} this route accepts; nothing was stored`));
    }
  });

  test('a body that is not JSON is 415 naming what to send; bad JSON 400; an unknown encoding 415', async () => {
    for (const [method, route] of bodyRoutes) {
      const headers: Record<string, string> = route.includes('webhooks') ? { authorization: `Bearer ${WEBHOOK_TOKEN}` } : { 'x-csrf-token': admin.csrf! };
      const form = await admin.request(method, route, 'username=admin&password=x', { 'content-type': 'application/x-www-form-urlencoded', ...headers });
      expect(form.status, `${method} ${route}`).toBe(415);
      expect(form.body.error.message).toMatch(/send Content-Type: application\/json/);
      const none = await admin.request(method, route, '{"a":1}', { 'content-type': '', ...headers });
      expect(none.status).toBe(415);
    }
    const bad = await admin.request('POST', '/api/auth/login', '{"username": "admin", ', { 'content-type': 'application/json' });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('invalid_json');
    const enc = await admin.request('POST', '/api/auth/login', '{}', { 'content-type': 'application/json', 'content-encoding': 'x-made-up' });
    expect(enc.status).toBe(415);
    expect(enc.body.error.code).toBe('unsupported_encoding');
    const charset = await admin.request('POST', '/api/auth/login', '{}', { 'content-type': 'application/json; charset=ebcdic' });
    expect(charset.status).toBe(415);
    expect(charset.body.error.code).toBe('unsupported_charset');
  });
});

describe('security headers', () => {
  test('a strict Content-Security-Policy and friends on every answer', async () => {
    for (const route of ['/healthz', '/api/auth/me', '/login']) {
      const res = await fetch(vigil.url + route, { headers: { accept: 'text/html' } });
      const csp = res.headers.get('content-security-policy') ?? '';
      const directives = Object.fromEntries(csp.split(';').map((d) => d.trim().split(/\s+/)).map(([k, ...v]) => [k, v.join(' ')]));
      expect(directives['default-src']).toBe("'self'");
      expect(directives['script-src']).toBe("'self'");
      expect(directives['style-src']).toBe("'self'");
      expect(directives['object-src']).toBe("'none'");
      expect(directives['frame-ancestors']).toBe("'none'");
      expect(csp).not.toMatch(/unsafe-inline|unsafe-eval|\*/);
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('x-frame-options')).toBe('DENY');
      expect(res.headers.get('referrer-policy')).toBe('no-referrer');
      expect(res.headers.get('x-powered-by')).toBeNull();
    }
  });
});

describe('audit log', () => {
  // Container actions need Docker: security-socket-proxy.test.ts checks their records.
  const elsewhere: Record<string, string> = {
    'POST /api/containers/:id/restart': 'security-socket-proxy.test.ts',
    'POST /api/containers/:id/supervision': 'security-socket-proxy.test.ts',
    // Needs a Swarm manager (a private dockerd): docker-swarm.test.ts checks its record.
    'POST /api/swarm/services/:name/force-update': 'docker-swarm.test.ts',
    // Needs a container and a change on the real daemon: docker-changes.test.ts checks its records.
    'POST /api/changes/:id/rollback': 'docker-changes.test.ts',
    // Alertmanager is a source, not a person: what it sent is stored as signals with their source.
    'POST /api/webhooks/alertmanager': 'not audited: a source, its signals are the record',
    // Sending a test message changes nothing stored.
    'POST /api/notification-channels/:id/test': 'not audited: sends a test message, stores nothing',
    'POST /api/me/page-test': 'not audited: sends test messages, stores nothing',
    // The ack link acts as the person paged, not as a signed-in caller: paging.test.ts checks its record.
    'POST /api/ack/:token': 'paging.test.ts',
    // Changing the admin's own password here would end the other sessions this suite signs in with.
    'POST /api/auth/password': 'accounts.test.ts',
  };

  test('every state-changing route writes who, what, when and from where', async () => {
    const started = new Date().toISOString();
    const ip = '198.51.100.77';
    const c = from(ip);
    expect((await c.login('admin', ADMIN_PASSWORD)).status).toBe(200);
    expect((await c.login('admin', 'wrong password')).status).toBe(401);
    const fired = await new Client(vigil.url).request('POST', '/api/webhooks/alertmanager', firing, { authorization: `Bearer ${WEBHOOK_TOKEN}` });
    expect(fired.status).toBe(200);
    const incidentId = (await c.request('GET', '/api/incidents?status=all')).body.items[0].id;
    const user = await c.send('POST', '/api/users', { username: 'audited', password: 'audited-password-1', role: 'viewer' });
    const token = await c.send('POST', '/api/tokens', { name: 'audited-token', role: 'viewer' });
    const paging = { channel: '', policy: '', schedule: '', window: '' };
    const steps: Array<[string, () => Promise<{ status: number }>, string]> = [
      ['POST /api/incidents/:id/notes', () => c.send('POST', `/api/incidents/${incidentId}/notes`, { text: 'looking' }), 'incident.note'],
      ['POST /api/incidents/:id/acknowledge', () => c.send('POST', `/api/incidents/${incidentId}/acknowledge`), 'incident.acknowledge'],
      ['PUT /api/incidents/:id/postmortem', () => c.send('PUT', `/api/incidents/${incidentId}/postmortem`, { markdown: '# PM\n\n## Action Items\n\n- [ ] fix it\n', version: 0 }), 'postmortem.save'],
      ['PATCH /api/incidents/:id/postmortem/action-items/:index', () => c.send('PATCH', `/api/incidents/${incidentId}/postmortem/action-items/0`, { done: true, version: 1 }), 'postmortem.save'],
      ['POST /api/incidents/:id/resolve', () => c.send('POST', `/api/incidents/${incidentId}/resolve`, { reason: 'fixed' }), 'incident.resolve'],
      ['DELETE /api/tokens/:id', () => c.send('DELETE', `/api/tokens/${token.body.id}`), 'token.revoke'],
      ['POST /api/users/:id/unlock', () => c.send('POST', `/api/users/${user.body.id}/unlock`), 'user.unlock'],
      ['DELETE /api/users/:id/sessions', () => c.send('DELETE', `/api/users/${user.body.id}/sessions`), 'user.sessions.revoke'],
      ['POST /api/users/:id/disable', () => c.send('POST', `/api/users/${user.body.id}/disable`), 'user.disable'],
      ['POST /api/users/:id/enable', () => c.send('POST', `/api/users/${user.body.id}/enable`), 'user.enable'],
      ['POST /api/users/:id/password', () => c.send('POST', `/api/users/${user.body.id}/password`, { password: 'audited-password-2' }), 'user.password.reset'],
      ['DELETE /api/users/:id', () => c.send('DELETE', `/api/users/${user.body.id}`), 'user.delete'],
      ['POST /api/notification-channels', async () => {
        const r = await c.send('POST', '/api/notification-channels', { name: 'audited hook', type: 'webhook', config: { url: 'http://127.0.0.1:9/hook' } });
        paging.channel = r.body.id;
        return r;
      }, 'paging.channel.create'],
      ['PATCH /api/notification-channels/:id', () => c.send('PATCH', `/api/notification-channels/${paging.channel}`, { name: 'audited hook 2' }), 'paging.channel.update'],
      ['POST /api/escalation-policies', async () => {
        const r = await c.send('POST', '/api/escalation-policies', { name: 'audited', services: ['*'], steps: [{ afterSeconds: 0, targets: [{ channelId: paging.channel }] }] });
        paging.policy = r.body.id;
        return r;
      }, 'paging.policy.create'],
      ['PUT /api/escalation-policies/:id', () => c.send('PUT', `/api/escalation-policies/${paging.policy}`, { name: 'audited 2', services: ['web-*'], steps: [{ afterSeconds: 0, targets: [{ channelId: paging.channel }] }] }), 'paging.policy.update'],
      ['DELETE /api/escalation-policies/:id', () => c.send('DELETE', `/api/escalation-policies/${paging.policy}`), 'paging.policy.delete'],
      ['DELETE /api/notification-channels/:id', () => c.send('DELETE', `/api/notification-channels/${paging.channel}`), 'paging.channel.delete'],
      ['POST /api/schedules', async () => {
        const r = await c.send('POST', '/api/schedules', { name: 'audited rota', timeZone: 'UTC' });
        paging.schedule = r.body.id;
        return r;
      }, 'paging.schedule.create'],
      ['PUT /api/schedules/:id', () => c.send('PUT', `/api/schedules/${paging.schedule}`, { name: 'audited rota 2', timeZone: 'Europe/Berlin' }), 'paging.schedule.update'],
      ['DELETE /api/schedules/:id', () => c.send('DELETE', `/api/schedules/${paging.schedule}`), 'paging.schedule.delete'],
      ['POST /api/maintenance-windows', async () => {
        const r = await c.send('POST', '/api/maintenance-windows', { services: ['web'], start: '2026-01-01T00:00:00Z', end: '2026-01-02T00:00:00Z', reason: 'drill' });
        paging.window = r.body.id;
        return r;
      }, 'paging.maintenance.create'],
      ['DELETE /api/maintenance-windows/:id', () => c.send('DELETE', `/api/maintenance-windows/${paging.window}`), 'paging.maintenance.delete'],
      ['PUT /api/me/contacts', () => c.send('PUT', '/api/me/contacts', { email: 'admin@example.com' }), 'paging.contacts.update'],
      ['PUT /api/silence-settings', () => c.send('PUT', '/api/silence-settings', { maxDurationSeconds: 7_200 }), 'silences.settings.update'],
      ['POST /api/auth/logout', () => c.send('POST', '/api/auth/logout'), 'auth.logout'],
    ];
    const covered = new Map<string, string>([
      ['POST /api/auth/login', 'auth.login'], ['POST /api/users', 'user.create'], ['POST /api/tokens', 'token.create'],
    ]);
    for (const [route, run, action] of steps) {
      const res = await run();
      expect(res.status, route).toBeLessThan(300);
      covered.set(route, action);
    }
    expect((await c.login('admin', ADMIN_PASSWORD)).status).toBe(200);
    expect((await c.send('POST', '/api/auth/logout-all')).status).toBe(200);
    covered.set('POST /api/auth/logout-all', 'auth.logout_all');

    // Every state-changing route the source declares is covered here or named above.
    const missing = stateChangingRoutes().map(routeKey).filter((k) => !covered.has(k) && !(k in elsewhere));
    expect(missing).toEqual([]);

    const records = await auditSince(started);
    for (const action of new Set(covered.values())) {
      const record = records.find((r) => r.action === action && r.ip === ip);
      expect(record, action).toBeDefined();
      expect(record!.actor).toMatch(/^admin$/);
      expect(Date.parse(record!.at)).toBeGreaterThanOrEqual(Date.parse(started));
    }
    expect(records.find((r) => r.action === 'auth.login' && r.outcome === 'denied' && r.ip === ip)).toBeDefined();
    expect(records.find((r) => r.action === 'incident.note')?.target).toBe(incidentId);
    expect(records.find((r) => r.action === 'user.create')?.target).toBe('audited');
  });
});
