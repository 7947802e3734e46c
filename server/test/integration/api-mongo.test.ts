// Vigil on the MongoDB store (FerretDB here): it serves, and when the database is unreachable —
// at start or later — it still starts, /readyz says 503, and store-backed routes answer 503.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { describeWith, requireComponent } from '../harness/components.ts';
import { probeFerretDb, startFerretDb, type FerretDb } from '../harness/ferretdb.ts';
import { freePort } from '../harness/ports.ts';
import { Client, startVigil, type RunningVigil } from '../harness/vigil.ts';

const ferret = await requireComponent('FerretDB', probeFerretDb);

describeWith(ferret, 'Vigil on MongoDB (FerretDB)', (binary) => {
  let db: FerretDb;
  let vigil: RunningVigil;
  beforeAll(async () => {
    db = await startFerretDb(binary);
    vigil = await startVigil({ MONGODB_URL: `${db.url}vigil_api_${randomBytes(4).toString('hex')}`, ADMIN_PASSWORD: 'mongo-admin-password' });
    await vigil.app.ready();
  });
  afterAll(async () => {
    await vigil?.stop();
    await db?.stop();
  });

  test('login, users and readiness work on MongoDB', async () => {
    const ready = await new Client(vigil.url).request('GET', '/readyz');
    expect(ready.status).toBe(200);
    expect(ready.body.store).toEqual({ kind: 'mongodb', state: 'up' });
    const admin = new Client(vigil.url);
    expect((await admin.login('admin', 'mongo-admin-password')).status).toBe(200);
    expect((await admin.send('POST', '/api/users', { username: 'dana', password: 'dana-password-1', role: 'responder' })).status).toBe(201);
    expect((await admin.send('POST', '/api/users', { username: 'dana', password: 'dana-password-1', role: 'responder' })).status).toBe(409);
  });

  test('when the database goes away /readyz answers 503 and the API 503, /healthz stays 200', async () => {
    const admin = new Client(vigil.url);
    expect((await admin.login('admin', 'mongo-admin-password')).status).toBe(200);
    await db.stop();
    const ready = await new Client(vigil.url).request('GET', '/readyz');
    expect(ready.status).toBe(503);
    expect(ready.body.ready).toBe(false);
    expect(ready.body.store.state).toBe('down');
    expect(typeof ready.body.store.detail).toBe('string');
    const me = await admin.request('GET', '/api/auth/me');
    expect(me.status).toBe(503);
    expect(me.body.error.code).toBe('store_unavailable');
    expect((await new Client(vigil.url).request('GET', '/healthz')).status).toBe(200);
  }, 30_000);
});

test('Vigil starts when MongoDB is unreachable and says so', async () => {
  const port = await freePort();
  const vigil = await startVigil({ MONGODB_URL: `mongodb://127.0.0.1:${port}/vigil` }, undefined, { ready: false });
  try {
    const c = new Client(vigil.url);
    expect((await c.request('GET', '/healthz')).status).toBe(200);
    const ready = await c.request('GET', '/readyz');
    expect(ready.status).toBe(503);
    expect(ready.body.store).toMatchObject({ kind: 'mongodb', state: 'down' });
    const login = await c.login('admin', 'whatever-password');
    expect(login.status).toBe(503);
    expect(login.body.error.code).toBe('store_unavailable');
  } finally {
    await vigil.stop();
  }
});
