// The store contract against the MongoDB store, talking to a real FerretDB (MongoDB wire protocol),
// plus how it behaves when the server is missing or goes away.
import { randomBytes } from 'node:crypto';
import { MongoClient } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStore } from '../../src/store/index.ts';
import { MongoStore } from '../../src/store/mongo/store.ts';
import { StoreUnavailableError } from '../../src/store/types.ts';
import { describeWith, requireComponent } from '../harness/components.ts';
import type { FerretDb } from '../harness/ferretdb.ts';
import { probeFerretDb, startFerretDb } from '../harness/ferretdb.ts';
import { freePort } from '../harness/ports.ts';
import { signal, storeContract, t } from './store-contract.ts';
import { commitContract } from './store-contract-commit.ts';
import { alertsContract } from './store-contract-alerts.ts';

const ferretBinary = await requireComponent('FerretDB', probeFerretDb);
const runId = `${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;

describe('MongoDB store without a server', () => {
  it('init() against a closed port rejects within the selection timeout, with a clear message and no password', async () => {
    const port = await freePort();
    const store = new MongoStore(`mongodb://vigil:s3cret@127.0.0.1:${port}/vigil`, { serverSelectionTimeoutMS: 1_500 });
    const started = Date.now();
    const failure = await store.init().then(() => null, (err: unknown) => err);
    const elapsed = Date.now() - started;
    expect(failure).toBeInstanceOf(StoreUnavailableError);
    const message = failure instanceof Error ? failure.message : '';
    expect(message).toContain(`cannot reach MongoDB at mongodb://127.0.0.1:${port}/vigil`);
    expect(message).not.toContain('s3cret');
    expect(elapsed).toBeLessThan(10_000);
    await expect(store.ping()).rejects.toBeInstanceOf(StoreUnavailableError);
    await expect(store.users.count()).rejects.toBeInstanceOf(StoreUnavailableError);
    await store.close();
  });

  it('createStore picks MongoDB when a URL is given, and names the database from the URL', async () => {
    const store = await createStore({ mongodbUrl: 'mongodb://db.example:27017/incidents?retryWrites=true', dataDir: '/nonexistent' });
    expect(store.kind).toBe('mongodb');
    expect(store instanceof MongoStore && store.dbName).toBe('incidents');
    expect(new MongoStore('mongodb://db.example:27017/').dbName).toBe('vigil');
  });
});

describeWith(ferretBinary, 'MongoDB store on FerretDB', (binary) => {
  let ferret: FerretDb;
  let databases = 0;

  beforeAll(async () => {
    ferret = await startFerretDb(binary);
  });
  afterAll(async () => {
    await ferret?.stop();
  });

  storeContract('MongoDB (FerretDB)', () => {
    // A database per test, named in the URL path as a deployment would.
    const url = `${ferret.url}vigil_${runId}_${++databases}`;
    return { store: new MongoStore(url), reopen: () => new MongoStore(url) };
  });

  commitContract('MongoDB (FerretDB)', () => {
    const url = `${ferret.url}vigil_${runId}_${++databases}`;
    return { open: (fault) => new MongoStore(url, fault ? { afterCommitStep: fault } : {}) };
  });

  alertsContract('MongoDB (FerretDB)', () => {
    const dbName = `vigil_${runId}_${++databases}`;
    const url = `${ferret.url}${dbName}`;
    return {
      store: new MongoStore(url),
      reopen: () => new MongoStore(url),
      // As a database written before the history: no projection, no "backfilled" setting.
      async forgetHistory() {
        const client = new MongoClient(ferret.url, { serverSelectionTimeoutMS: 3_000 });
        try {
          const db = client.db(dbName);
          for (const name of ['alerts', 'alert_periods', 'alert_incidents']) await db.collection(name).drop().catch(() => undefined);
          await db.collection<{ _id: string }>('settings').deleteOne({ _id: 'alert_history_backfilled_v1' });
        } finally {
          await client.close();
        }
      },
    };
  });

  it('creates the indexes the queries and the uniqueness rules rely on', async () => {
    const dbName = `vigil_${runId}_indexes`;
    const store = new MongoStore(ferret.url, { dbName });
    await store.init();
    await store.signals.insert(signal('s1', t(1)));
    const client = new MongoClient(ferret.url, { serverSelectionTimeoutMS: 3_000 });
    try {
      const db = client.db(dbName);
      const names = async (collection: string): Promise<string[]> => (await db.collection(collection).indexes()).map((i) => i.name ?? '');
      const unique = async (collection: string, name: string): Promise<boolean> =>
        (await db.collection(collection).indexes()).some((i) => i.name === name && i.unique === true);
      expect(await unique('users', 'username')).toBe(true);
      expect(await unique('postmortems', 'incident_version')).toBe(true);
      expect(await unique('api_tokens', 'token_hash')).toBe(true);
      expect(await names('incidents')).toEqual(expect.arrayContaining(['newest_first', 'by_service', 'by_last_event']));
      expect(await names('timeline')).toEqual(expect.arrayContaining(['by_incident', 'by_time']));
      expect(await names('sessions')).toEqual(expect.arrayContaining(['by_expiry', 'by_user']));
      expect(await unique('outbox', 'ack_token_hash')).toBe(true);
      expect(await names('outbox')).toEqual(expect.arrayContaining(['due', 'by_incident', 'by_channel']));
      expect(await names('config_docs')).toEqual(expect.arrayContaining(['by_id', 'in_order']));
      // The signal id is the document id; free-form JSON is stored as text (dotted label keys).
      const raw = await db.collection<{ _id: string; attributes?: unknown }>('signals').findOne({ _id: 's1' });
      expect(typeof raw?.attributes).toBe('string');
      expect(raw && 'id' in raw).toBe(false);
      await store.init(); // indexes re-asserted without error
    } finally {
      await client.close();
      await store.close();
    }
  });

  it('ping() throws once the server has stopped', async () => {
    const own = await startFerretDb(binary);
    const store = new MongoStore(`${own.url}vigil_${runId}_stop`, { serverSelectionTimeoutMS: 1_000 });
    try {
      await store.init();
      await expect(store.ping()).resolves.toBeUndefined();
      await own.stop();
      const started = Date.now();
      await expect(store.ping()).rejects.toThrow();
      expect(Date.now() - started).toBeLessThan(10_000);
    } finally {
      await store.close();
      await own.stop();
    }
  });
});
