// The store contract against the embedded SQLite store, plus what only it has: a schema that migrates.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { DatabaseSync } from 'node:sqlite';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createStore } from '../../src/store/index.ts';
import { migrate, MIGRATIONS, schemaVersion } from '../../src/store/sqlite/migrations.ts';
import { DATABASE_FILE, SqliteStore } from '../../src/store/sqlite/store.ts';
import { storeContract } from './store-contract.ts';
import { commitContract } from './store-contract-commit.ts';
import { alertsContract } from './store-contract-alerts.ts';

const root = mkdtempSync(path.join(os.tmpdir(), 'vigil-store-test-'));
let runs = 0;
const freshDir = (): string => path.join(root, `run-${++runs}`);

afterAll(() => {
  rmSync(root, { recursive: true, force: true });
});

storeContract('embedded (SQLite)', () => {
  const dir = freshDir();
  return { store: new SqliteStore(dir), reopen: () => new SqliteStore(dir) };
});

commitContract('embedded (SQLite)', () => {
  const dir = freshDir();
  return { open: (fault) => new SqliteStore(dir, fault ? { beforeCommitWrite: fault } : {}) };
});

alertsContract('embedded (SQLite)', () => {
  const dir = freshDir();
  return {
    store: new SqliteStore(dir),
    reopen: () => new SqliteStore(dir),
    // Back to the schema before the history: migration 9 runs again and builds it from the signals.
    async forgetHistory() {
      const db = new DatabaseSync(path.join(dir, DATABASE_FILE));
      db.exec('DROP TABLE alerts; DROP TABLE alert_labels; DROP TABLE alert_periods; DROP TABLE alert_incidents; PRAGMA user_version = 8');
      // Back to version 8 means without what later versions added, so that they apply again (v11: accounts).
      db.exec(`DROP TABLE login_throttle; DROP INDEX api_tokens_by_creator; ALTER TABLE api_tokens DROP COLUMN expires_at;
        ALTER TABLE api_tokens DROP COLUMN last_used_at; ALTER TABLE users DROP COLUMN deleted_at`);
      db.close();
    },
  };
});

function indexNames(file: string): string[] {
  const db = new DatabaseSync(file, { readOnly: true });
  try {
    return db.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND name NOT LIKE 'sqlite_%' ORDER BY name").all()
      .map((row) => String(row['name']));
  } finally {
    db.close();
  }
}

describe('embedded store: what it loads', () => {
  /** The bare specifiers a fresh Node resolves while createStore runs with these options. */
  function loadedPackages(options: string): string[] {
    const script = `
      import { registerHooks } from 'node:module';
      const seen = new Set();
      registerHooks({ resolve(specifier, context, next) { if (!specifier.startsWith('.') && !specifier.startsWith('node:') && !specifier.startsWith('file:')) seen.add(specifier); return next(specifier, context); } });
      const { createStore } = await import(${JSON.stringify(path.resolve(import.meta.dirname, '../../src/store/index.ts'))});
      await createStore(${options});
      process.stdout.write(JSON.stringify([...seen]));`;
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
    return JSON.parse(out) as string[];
  }

  it('does not load the MongoDB driver unless a MONGODB_URL asks for it', () => {
    const dir = freshDir();
    expect(loadedPackages(`{ dataDir: ${JSON.stringify(dir)} }`)).not.toContain('mongodb');
    expect(loadedPackages(`{ dataDir: ${JSON.stringify(dir)}, mongodbUrl: 'mongodb://127.0.0.1:9/x' }`)).toContain('mongodb');
  });
});

describe('embedded store: file and schema', () => {
  it('createStore without a MongoDB URL makes the embedded store in the data directory, in WAL mode', async () => {
    const dir = freshDir();
    const store = await createStore({ dataDir: dir, mongodbUrl: '  ' });
    expect(store.kind).toBe('embedded');
    expect(existsSync(dir)).toBe(false); // nothing happens before init
    await store.init();
    try {
      const file = path.join(dir, DATABASE_FILE);
      expect(existsSync(file)).toBe(true);
      const db = new DatabaseSync(file);
      try {
        expect(db.prepare('PRAGMA journal_mode').get()?.['journal_mode']).toBe('wal');
        expect(schemaVersion(db)).toBe(MIGRATIONS.length);
      } finally {
        db.close();
      }
    } finally {
      await store.close();
    }
  });

  it('migrates a database written at an older schema version, keeping its data', async () => {
    const dir = freshDir();
    const file = path.join(dir, DATABASE_FILE);
    mkdirSync(dir, { recursive: true });
    const old = new DatabaseSync(file);
    expect(migrate(old, MIGRATIONS.slice(0, 1))).toEqual([1]);
    expect(schemaVersion(old)).toBe(1);
    old.prepare(`INSERT INTO incidents (id, title, service, host, status, severity, opened_at, last_event_at, sources)
                 VALUES ('i-old', 'backend down', 'backend', 'local', 'open', 'critical', ?, ?, '["docker"]')`)
      .run('2026-11-24T09:00:00.000Z', '2026-11-24T09:00:05.000Z');
    old.close();
    expect(indexNames(file)).not.toContain('incidents_by_last_event');

    const store = new SqliteStore(dir);
    await store.init();
    try {
      expect((await store.incidents.get('i-old'))?.title).toBe('backend down');
      expect((await store.incidents.changedSince('2026-11-24T09:00:00.000Z', 10)).map((w) => w.item.id)).toEqual(['i-old']);
    } finally {
      await store.close();
    }
    const db = new DatabaseSync(file);
    expect(schemaVersion(db)).toBe(MIGRATIONS.length);
    expect(migrate(db)).toEqual([]); // already current: nothing to apply
    db.close();
    expect(indexNames(file)).toEqual(expect.arrayContaining(['incidents_by_last_event', 'timeline_by_time', 'incidents_by_write', 'timeline_by_write', 'incidents_by_status', 'incidents_active']));
  });

  it('the board\'s queries read their indexes, not the whole incidents table', async () => {
    const dir = freshDir();
    const store = new SqliteStore(dir);
    await store.init();
    await store.close();
    const db = new DatabaseSync(path.join(dir, DATABASE_FILE));
    const plan = (sql: string) => db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all().map((r) => String(r['detail'])).join('; ');
    // The statements SqliteIncidents.list builds for status=open (active), with and without a cursor, and one status.
    expect(plan("SELECT * FROM incidents WHERE status <> 'resolved' ORDER BY opened_at DESC, id DESC LIMIT 51")).toMatch(/USING INDEX incidents_active/);
    expect(plan("SELECT * FROM incidents WHERE status <> 'resolved' AND (opened_at < ? OR (opened_at = ? AND id < ?)) ORDER BY opened_at DESC, id DESC LIMIT 51")).toMatch(/USING INDEX incidents_active/);
    expect(plan('SELECT * FROM incidents WHERE status = ? ORDER BY opened_at DESC, id DESC LIMIT 51')).toMatch(/USING INDEX incidents_by_status/);
    db.close();
  });

  it('the outbox\'s queries read their indexes, not the whole outbox', async () => {
    const dir = freshDir();
    const store = new SqliteStore(dir);
    await store.init();
    await store.close();
    const db = new DatabaseSync(path.join(dir, DATABASE_FILE));
    const plan = (sql: string) => db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all().map((r) => String(r['detail'])).join('; ');
    // The statements SqliteOutbox builds (sqlite/outbox.ts).
    expect(plan("SELECT * FROM outbox WHERE state = 'pending' AND next_attempt_at <= ? ORDER BY next_attempt_at, id LIMIT ?")).toMatch(/USING INDEX outbox_due/);
    expect(plan("SELECT min(next_attempt_at) AS at FROM outbox WHERE state = 'pending'")).toMatch(/USING COVERING INDEX outbox_due/);
    expect(plan(`SELECT o.* FROM outbox_incidents i JOIN outbox o ON o.id = i.outbox_id
                 WHERE i.incident_id = ? ORDER BY i.created_at, i.outbox_id LIMIT ?`)).toMatch(/SEARCH i USING PRIMARY KEY \(incident_id=\?\)/);
    expect(plan('SELECT * FROM outbox WHERE channel_id = ? ORDER BY created_at DESC, id DESC LIMIT ?')).toMatch(/USING INDEX outbox_by_channel/);
    expect(plan('SELECT * FROM outbox WHERE ack_token_hash = ?')).toMatch(/USING INDEX outbox_by_ack_token/);
    expect(plan(`UPDATE outbox SET state = 'cancelled'
                 WHERE id IN (SELECT outbox_id FROM outbox_incidents WHERE incident_id = ?)
                   AND +state = 'pending' AND event IN (SELECT value FROM json_each(?))`)).toMatch(/SEARCH outbox_incidents USING PRIMARY KEY/);
    expect(plan('SELECT * FROM config_docs WHERE kind = ? ORDER BY updated_at, id LIMIT ?')).toMatch(/USING INDEX config_docs_in_order/);
    db.close();
  });

  it('the alert history\'s queries read their indexes, not the signals or the whole alerts table', async () => {
    const dir = freshDir();
    const store = new SqliteStore(dir);
    await store.init();
    await store.close();
    const db = new DatabaseSync(path.join(dir, DATABASE_FILE));
    const plan = (sql: string) => db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all().map((r) => String(r['detail'])).join('; ');
    // The statements SqliteAlerts builds (sqlite/alerts.ts).
    expect(plan('SELECT * FROM alerts ORDER BY last_at DESC, fingerprint DESC LIMIT ?')).toMatch(/SCAN alerts USING INDEX alerts_newest/);
    expect(plan('SELECT * FROM alerts WHERE service = ? ORDER BY last_at DESC, fingerprint DESC LIMIT ?')).toMatch(/USING INDEX alerts_by_service \(service=\?\)/);
    expect(plan('SELECT * FROM alerts WHERE alertname = ? ORDER BY last_at DESC, fingerprint DESC LIMIT ?')).toMatch(/USING INDEX alerts_by_name \(alertname=\?\)/);
    expect(plan('SELECT * FROM alerts WHERE fingerprint IN (SELECT fingerprint FROM alert_labels WHERE key = ? AND value = ?) ORDER BY last_at DESC, fingerprint DESC LIMIT ?'))
      .toMatch(/SEARCH alert_labels USING PRIMARY KEY \(key=\? AND value=\?\)/);
    expect(plan('SELECT starts_at, ends_at FROM alert_periods WHERE fingerprint = ? AND starts_at < ? AND (ends_at IS NULL OR ends_at > ?) AND starts_at < ? ORDER BY starts_at DESC LIMIT ?'))
      .toMatch(/SEARCH alert_periods USING PRIMARY KEY \(fingerprint=\? AND starts_at<\?\)/);
    expect(plan('SELECT incident_id, at FROM alert_incidents WHERE fingerprint = ? ORDER BY at DESC, incident_id DESC LIMIT ?')).toMatch(/SEARCH alert_incidents USING PRIMARY KEY \(fingerprint=\?\)/);
    db.close();
  });

  it('refuses a database from a newer Vigil instead of guessing', async () => {
    const dir = freshDir();
    const store = new SqliteStore(dir);
    await store.init();
    await store.close();
    const db = new DatabaseSync(path.join(dir, DATABASE_FILE));
    db.exec(`PRAGMA user_version = ${MIGRATIONS.length + 1}`);
    db.close();
    const again = new SqliteStore(dir);
    await expect(again.init()).rejects.toThrow(`schema version ${MIGRATIONS.length + 1}, newer than this Vigil knows`);
    await expect(again.ping()).rejects.toThrow(/not open/);
  });

  it('rolls back a failing migration and leaves the version where it was', () => {
    const db = new DatabaseSync(':memory:');
    const broken = [...MIGRATIONS, { version: MIGRATIONS.length + 1, name: 'broken', sql: 'CREATE TABLE extra (x TEXT); SELECT * FROM no_such_table;' }];
    expect(() => migrate(db, broken)).toThrow(`migration ${MIGRATIONS.length + 1} ("broken") failed`);
    expect(schemaVersion(db)).toBe(MIGRATIONS.length);
    expect(db.prepare("SELECT count(*) AS n FROM sqlite_master WHERE name = 'extra'").get()?.['n']).toBe(0);
    db.close();
  });
});
