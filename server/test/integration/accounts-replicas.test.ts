// The sign-in lockout kept in the store: it survives a restart of Vigil on the same data directory
// (embedded store), and holds across two replicas sharing one MongoDB (a real FerretDB) — where a
// user disabled on replica A also loses, at once, the live connection they hold on replica B
// (socket.io through a real redis-server).
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { io as connect, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { describeWith, requireComponent } from '../harness/components.ts';
import { probeFerretDb, startFerretDb, type FerretDb } from '../harness/ferretdb.ts';
import { probeRedisServer, startRedisServer, type RedisServer } from '../harness/redis.ts';
import { Client, startVigil, type RunningVigil } from '../harness/vigil.ts';

const ferretBinary = await requireComponent('FerretDB', probeFerretDb);
const redisBinary = await requireComponent('redis-server', probeRedisServer);
const ADMIN_PASSWORD = 'accounts-replicas-admin';

async function login(vigil: RunningVigil, username: string, password: string) {
  return new Client(vigil.url).login(username, password);
}

/** Fails `username` 5 times (the per-username rule): the 5th answers 429 and starts the lock. */
async function lockOut(vigil: RunningVigil, username: string): Promise<void> {
  const statuses: number[] = [];
  for (let i = 0; i < 5; i++) statuses.push((await login(vigil, username, `wrong-guess-${i}`)).status);
  expect(statuses).toEqual([401, 401, 401, 401, 429]);
}

describe('a restart of Vigil (embedded store, same DATA_DIR)', () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-throttle-'));
  afterAll(() => { fs.rmSync(dataDir, { recursive: true, force: true }); });

  test('does not forget a lock: the right password still gets 429 with Retry-After until an admin lifts it', async () => {
    const first = await startVigil({ DATA_DIR: dataDir, ADMIN_PASSWORD });
    try {
      const admin = new Client(first.url);
      expect((await admin.login('admin', ADMIN_PASSWORD)).status).toBe(200);
      expect((await admin.send('POST', '/api/users', { username: 'gina', password: 'gina-password-1', role: 'viewer' })).status).toBe(201);
      await lockOut(first, 'gina');
    } finally {
      await first.stop();
    }

    const second = await startVigil({ DATA_DIR: dataDir, ADMIN_PASSWORD });
    try {
      const locked = await login(second, 'GINA', 'gina-password-1');
      expect(locked.status).toBe(429);
      expect(locked.body.error).toMatchObject({ code: 'too_many_attempts', details: { scope: 'username' } });
      expect(Number(locked.headers.get('retry-after'))).toBeGreaterThan(60);
      const admin = new Client(second.url);
      expect((await admin.login('admin', ADMIN_PASSWORD)).status).toBe(200);
      const gina = (await admin.request('GET', '/api/users')).body.items.find((u: { username: string }) => u.username === 'gina');
      expect((await admin.send('POST', `/api/users/${gina.id}/unlock`)).status).toBe(204);
      expect((await login(second, 'gina', 'gina-password-1')).status).toBe(200);
    } finally {
      await second.stop();
    }
  });
});

describeWith(ferretBinary, 'two replicas on one FerretDB', (ferret) => {
  describeWith(redisBinary, 'with socket.io through redis-server', (redisBin) => {
    let db: FerretDb;
    let redis: RedisServer;
    let a: RunningVigil;
    let b: RunningVigil;
    let admin: Client;
    const sockets: Socket[] = [];

    beforeAll(async () => {
      [db, redis] = await Promise.all([startFerretDb(ferret), startRedisServer(redisBin)]);
      const env = {
        MONGODB_URL: `${db.url}vigil_accounts_${randomBytes(4).toString('hex')}`, REDIS_URL: redis.url, ADMIN_PASSWORD, PROMETHEUS_POLL_SECONDS: '0',
      };
      a = await startVigil({ ...env, REPLICA_NAME: 'acc-a' });
      b = await startVigil({ ...env, REPLICA_NAME: 'acc-b' });
      admin = new Client(a.url);
      expect((await admin.login('admin', ADMIN_PASSWORD)).status).toBe(200);
    });
    afterAll(async () => {
      for (const s of sockets) s.close();
      await Promise.all([a?.stop(), b?.stop()]);
      await Promise.all([db?.stop(), redis?.stop()]);
    });

    test('a lock started on replica A holds on replica B', async () => {
      expect((await admin.send('POST', '/api/users', { username: 'hank', password: 'hank-password-1', role: 'viewer' })).status).toBe(201);
      await lockOut(a, 'hank');
      const onB = await login(b, 'hank', 'hank-password-1');
      expect(onB.status).toBe(429);
      expect(onB.headers.get('retry-after')).toBeTruthy();
    });

    test('a user disabled on replica A loses their live connection on replica B at once', async () => {
      const created = await admin.send('POST', '/api/users', { username: 'ivy', password: 'ivy-password-01', role: 'viewer' });
      expect(created.status).toBe(201);
      const ivy = new Client(b.url);
      expect((await ivy.login('ivy', 'ivy-password-01')).status).toBe(200);
      // No reconnection: a reconnect (refused) would hide whether the server closed it.
      const socket = connect(b.url, { transports: ['websocket'], reconnection: false, extraHeaders: { cookie: ivy.cookie ?? '' } });
      sockets.push(socket);
      const disconnected = new Promise<string>((resolve) => socket.on('disconnect', (reason) => resolve(reason)));
      await new Promise((resolve, reject) => {
        socket.on('server:hello', resolve);
        socket.on('connect_error', reject);
      });
      expect((await admin.send('POST', `/api/users/${created.body.id}/disable`)).status).toBe(200);
      // Well before the minute after which every replica re-checks its sockets anyway: this is the
      // disconnect through Redis, not that re-check.
      const cutoff = new Promise<string>((resolve) => { setTimeout(() => resolve('still connected after 30 s'), 30_000).unref(); });
      expect(await Promise.race([disconnected, cutoff])).toBe('io server disconnect');
      expect((await ivy.request('GET', '/api/auth/me')).status).toBe(401);
      expect((await login(b, 'ivy', 'ivy-password-01')).status).toBe(403);
    });
  });
});
