// Accounts against a real Vigil. Usernames unique regardless of case (issue 18.6): with "ADMIN" and
// "admin" both able to exist, signing in as ADMIN reset admin's failure count, so admin's password
// could be guessed without end. And what a failed sign-in leaves in the audit log (18.9): the name as
// typed — often a password typed in the wrong field — and newlines or terminal escapes from anyone.
// Both stores: a fresh one, and one written by an older Vigil that already holds ADMIN and admin.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { MongoClient } from 'mongodb';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { hashPassword } from '../../src/auth/passwords.ts';
import { migrate, MIGRATIONS } from '../../src/store/sqlite/migrations.ts';
import { DATABASE_FILE } from '../../src/store/sqlite/store.ts';
import { describeWith, requireComponent } from '../harness/components.ts';
import { probeFerretDb, startFerretDb, type FerretDb } from '../harness/ferretdb.ts';
import { Client, startVigil, type RunningVigil } from '../harness/vigil.ts';

const ferret = await requireComponent('FerretDB', probeFerretDb);
const ADMIN_PASSWORD = 'accounts-admin-password';

interface AuditRow { actor: string; action: string; target?: string; outcome: string; detail?: Record<string, unknown> }

/** A client whose requests come "from" `ip` (Vigil trusts X-Forwarded-For from a loopback proxy). */
function from(vigil: RunningVigil, ip: string): Client {
  const c = new Client(vigil.url);
  const request = c.request.bind(c);
  c.request = (method, route, body, headers = {}) => request(method, route, body, { 'x-forwarded-for': ip, ...headers });
  return c;
}

/** Every string in a JSON value, keys included. */
function strings(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(strings);
  if (typeof value === 'object' && value !== null) return Object.entries(value).flatMap(([k, v]) => [k, ...strings(v)]);
  return [];
}

async function audit(admin: Client): Promise<AuditRow[]> {
  const res = await admin.request('GET', '/api/audit?limit=500');
  expect(res.status).toBe(200);
  return res.body.items;
}

describe('a fresh store (embedded)', () => {
  let vigil: RunningVigil;
  let admin: Client;
  beforeAll(async () => {
    vigil = await startVigil({ ADMIN_PASSWORD, DOCKER_HOSTS: 'tcp://127.0.0.1:9', PROMETHEUS_POLL_SECONDS: '0' });
    await vigil.app.ready();
    admin = from(vigil, '198.51.100.1');
    expect((await admin.login('admin', ADMIN_PASSWORD)).status).toBe(200);
  });
  afterAll(async () => { await vigil?.stop(); });

  test('a user that differs from another only by case is refused with 409, naming the one that exists', async () => {
    for (const username of ['ADMIN', 'Admin', 'aDMIN']) {
      const res = await admin.send('POST', '/api/users', { username, password: 'twin-password-1', role: 'admin' });
      expect(res.status, username).toBe(409);
      expect(res.body.error).toMatchObject({
        code: 'username_taken', details: { existing: 'admin' },
        message: `A user named "admin" already exists, and usernames are unique regardless of case, so "${username}" cannot be created.`,
      });
    }
    expect((await admin.send('POST', '/api/users', { username: 'Dana', password: 'dana-password-1', role: 'viewer' })).status).toBe(201);
    const again = await admin.send('POST', '/api/users', { username: 'Dana', password: 'dana-password-1', role: 'viewer' });
    expect(again.body.error.message).toBe('A user named "Dana" already exists.');
    expect((await admin.request('GET', '/api/users')).body.items.map((u: { username: string }) => u.username).sort()).toEqual(['Dana', 'admin']);
  });

  test('sign-in finds the user regardless of case, and every spelling counts towards one lockout', async () => {
    const signedIn = await from(vigil, '203.0.113.10').login('DANA', 'dana-password-1');
    expect(signedIn.status).toBe(200);
    expect(signedIn.body.user.username).toBe('Dana');
    const statuses: number[] = [];
    for (const [i, name] of ['dana', 'DANA', 'Dana', 'dAnA', 'danA', 'DANA'].entries()) {
      statuses.push((await from(vigil, `203.0.113.${20 + i}`).login(name, `wrong-${i}`)).status);
    }
    expect(statuses).toEqual([401, 401, 401, 401, 429, 429]);
    // Locked for every spelling, the right password included: it is not even checked.
    expect((await from(vigil, '203.0.113.40').login('dana', 'dana-password-1')).status).toBe(429);
    const lockout = (await audit(admin)).find((r) => r.action === 'auth.lockout');
    expect(lockout).toMatchObject({ actor: 'Dana', target: 'Dana' });
  });

  test('a name nobody has is stored as a keyed hash, never as typed; control characters are escaped everywhere', async () => {
    const typedPassword = 'correct-horse-battery';
    // At most 64 characters, as sign-in accepts: a typed password, a forged log line, terminal escapes.
    const hostile = `${typedPassword}\nadmin auth.login ok\u001b[2J\u001b]0;owned\u0007`;
    for (let i = 0; i < 2; i++) expect((await from(vigil, '203.0.113.50').login(hostile, 'whatever')).status).toBe(401);
    expect((await from(vigil, '203.0.113.50').login('someone-else', 'whatever')).status).toBe(401);
    // A known user with a wrong password is named as stored.
    expect((await from(vigil, '203.0.113.51').login('ADMIN', 'not-the-password')).status).toBe(401);
    // A token name is the admin's own text, but it is request text too.
    expect((await admin.send('POST', '/api/tokens', { name: 'deploy\r\nadmin token.revoke ok\u001b[31m\u202egnp.exe', role: 'viewer' })).status).toBe(201);

    const rows = await audit(admin);
    const denied = rows.filter((r) => r.action === 'auth.login' && r.outcome === 'denied');
    const unknown = denied.map((r) => r.actor).filter((a) => a.startsWith('unknown user'));
    expect(unknown.length).toBeGreaterThanOrEqual(3);
    for (const actor of unknown) expect(actor).toMatch(/^unknown user \(hmac-sha256:[0-9a-f]{8}\)$/);
    // The same name gives the same marker (repeated guesses can be told apart), another name another.
    const [other, second, first] = unknown;
    expect(second).toBe(first);
    expect(other).not.toBe(first);
    expect(denied.map((r) => r.actor)).toContain('admin');
    expect(rows.find((r) => r.action === 'token.create')?.target).toBe('deploy\\u000d\\u000aadmin token.revoke ok\\u001b[31m\\u202egnp.exe');

    expect(JSON.stringify(rows)).not.toContain(typedPassword);
    // eslint-disable-next-line no-control-regex -- looking for raw control characters is the point
    const raw = strings(rows).filter((text) => /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/.test(text));
    expect(raw).toEqual([]);
  });
});

const LEGACY = {
  admin: { id: '0a0a0a0a-1111-4111-8111-000000000001', username: 'admin', password: 'legacy-admin-password', createdAt: '2026-11-01T09:00:00.000Z' },
  twin: { id: '7b7b7b7b-2222-4222-8222-000000000002', username: 'ADMIN', password: 'legacy-twin-password', createdAt: '2026-11-02T09:00:00.000Z' },
};
const RENAMED = 'ADMIN-7b7b7b7b';

/** What an older Vigil left: ADMIN and admin, both admins; the signal that the upgrade keeps both. */
async function legacyUsers(): Promise<Array<{ id: string; username: string; passwordHash: string; createdAt: string }>> {
  return Promise.all(Object.values(LEGACY).map(async (u) => ({ id: u.id, username: u.username, passwordHash: await hashPassword(u.password), createdAt: u.createdAt })));
}

function upgradeSuite(prepare: () => Promise<Record<string, string>>): void {
  let vigil: RunningVigil;
  let admin: Client;
  beforeAll(async () => {
    vigil = await startVigil({ ADMIN_PASSWORD, DOCKER_HOSTS: 'tcp://127.0.0.1:9', PROMETHEUS_POLL_SECONDS: '0', ...await prepare() });
    await vigil.app.ready();
    admin = from(vigil, '198.51.100.2');
    expect((await admin.login('admin', LEGACY.admin.password)).status).toBe(200);
  });
  afterAll(async () => { await vigil?.stop(); });

  test('keeps both users: the older keeps its name, the later one is renamed, and the audit log says so', async () => {
    const users = (await admin.request('GET', '/api/users')).body.items as Array<{ id: string; username: string; role: string }>;
    expect(users.map((u) => [u.id, u.username, u.role]).sort()).toEqual([[LEGACY.admin.id, 'admin', 'admin'], [LEGACY.twin.id, RENAMED, 'admin']]);
    const renamed = await from(vigil, '198.51.100.3').login(RENAMED, LEGACY.twin.password);
    expect(renamed.status).toBe(200);
    expect(renamed.body.user).toMatchObject({ id: LEGACY.twin.id, username: RENAMED });
    const record = (await audit(admin)).find((r) => r.action === 'user.rename');
    expect(record).toMatchObject({ actor: 'system', target: 'ADMIN', outcome: 'ok', detail: { from: 'ADMIN', to: RENAMED, userId: LEGACY.twin.id } });
  });

  test('the attack no longer works: signing in as ADMIN is signing in as admin, and does not reset its count', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) {
      statuses.push((await from(vigil, `203.0.113.${60 + i}`).login('admin', `guess-${i}`)).status);
      // The old way to reset the count: a success as ADMIN. Now ADMIN is admin, and this is a wrong password.
      statuses.push((await from(vigil, `203.0.113.${70 + i}`).login('ADMIN', LEGACY.twin.password)).status);
    }
    expect(statuses).toEqual([401, 401, 401, 401, 429, 429, 429, 429]);
    expect((await from(vigil, '203.0.113.80').login('admin', LEGACY.admin.password)).status).toBe(429);
  });
}

describe('an embedded store written before usernames were unique regardless of case (schema v4)', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-accounts-legacy-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  upgradeSuite(async () => {
    const db = new DatabaseSync(path.join(dir, DATABASE_FILE));
    migrate(db, MIGRATIONS.slice(0, 4));
    const insert = db.prepare('INSERT INTO users (id, username, password_hash, role, created_at) VALUES (?, ?, ?, ?, ?)');
    // The later one first: which name stays is decided by age, not by row order.
    for (const u of (await legacyUsers()).reverse()) insert.run(u.id, u.username, u.passwordHash, 'admin', u.createdAt);
    db.close();
    return { DATA_DIR: dir };
  });
});

describeWith(ferret, 'a MongoDB store written before usernames were unique regardless of case (FerretDB)', (binary) => {
  let db: FerretDb;
  const name = `vigil_accounts_${randomBytes(4).toString('hex')}`;
  afterAll(async () => { await db?.stop(); });
  upgradeSuite(async () => {
    db = await startFerretDb(binary);
    const client = new MongoClient(db.url, { serverSelectionTimeoutMS: 3_000 });
    try {
      // As an older Vigil wrote them: no usernameKey, a case-sensitive unique index on username.
      const users = client.db(name).collection<{ _id: string; username: string; passwordHash: string; role: string; createdAt: string }>('users');
      await users.createIndex({ username: 1 }, { name: 'username', unique: true });
      for (const u of (await legacyUsers()).reverse()) {
        await users.insertOne({ _id: u.id, username: u.username, passwordHash: u.passwordHash, role: 'admin', createdAt: u.createdAt });
      }
    } finally {
      await client.close();
    }
    return { MONGODB_URL: `${db.url}${name}` };
  });
});
