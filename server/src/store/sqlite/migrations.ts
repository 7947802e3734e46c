// The embedded store's schema, as an ordered list of migrations. PRAGMA user_version records how
// many have been applied; each runs in its own transaction together with the version bump, so a
// crash mid-upgrade leaves the file at the previous version rather than half-migrated.
// Append new migrations at the end; never edit one that has shipped.
import type { DatabaseSync } from 'node:sqlite';
import type { CaseClashRename } from '../usernames.ts';

export interface Migration {
  /** 1-based position; must equal the index in MIGRATIONS + 1. */
  version: number;
  name: string;
  sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'initial schema',
    sql: `
      CREATE TABLE signals (
        id TEXT PRIMARY KEY,
        source TEXT NOT NULL,
        host TEXT NOT NULL,
        at TEXT NOT NULL,
        kind TEXT NOT NULL,
        service TEXT,
        container TEXT,
        attributes TEXT NOT NULL,
        raw TEXT,
        received_at TEXT NOT NULL
      ) STRICT;
      CREATE INDEX signals_by_position ON signals (at, id);

      CREATE TABLE incidents (
        id TEXT PRIMARY KEY,
        title TEXT NOT NULL,
        service TEXT NOT NULL,
        host TEXT NOT NULL,
        status TEXT NOT NULL,
        severity TEXT NOT NULL,
        opened_at TEXT NOT NULL,
        acknowledged_at TEXT,
        acknowledged_by TEXT,
        mitigated_at TEXT,
        resolved_at TEXT,
        last_event_at TEXT NOT NULL,
        sources TEXT NOT NULL
      ) STRICT;
      CREATE INDEX incidents_newest_first ON incidents (opened_at DESC, id DESC);
      CREATE INDEX incidents_by_service ON incidents (service, host, status);

      CREATE TABLE timeline_entries (
        id TEXT PRIMARY KEY,
        incident_id TEXT NOT NULL,
        at TEXT NOT NULL,
        source TEXT NOT NULL,
        kind TEXT NOT NULL,
        message TEXT NOT NULL,
        actor TEXT,
        data TEXT
      ) STRICT;
      CREATE INDEX timeline_by_incident ON timeline_entries (incident_id, at, id);

      CREATE TABLE source_cursors (
        source TEXT NOT NULL,
        host TEXT NOT NULL,
        value TEXT NOT NULL,
        PRIMARY KEY (source, host)
      ) STRICT;

      CREATE TABLE postmortem_versions (
        incident_id TEXT NOT NULL,
        version INTEGER NOT NULL,
        markdown TEXT NOT NULL,
        author TEXT NOT NULL,
        saved_at TEXT NOT NULL,
        PRIMARY KEY (incident_id, version)
      ) STRICT;

      CREATE TABLE users (
        id TEXT PRIMARY KEY,
        username TEXT NOT NULL UNIQUE,
        password_hash TEXT NOT NULL,
        role TEXT NOT NULL,
        created_at TEXT NOT NULL,
        disabled INTEGER NOT NULL DEFAULT 0
      ) STRICT;

      CREATE TABLE sessions (
        id_hash TEXT PRIMARY KEY,
        user_id TEXT NOT NULL,
        csrf_token TEXT NOT NULL,
        created_at TEXT NOT NULL,
        expires_at TEXT NOT NULL,
        ip TEXT
      ) STRICT;
      CREATE INDEX sessions_by_user ON sessions (user_id);
      CREATE INDEX sessions_by_expiry ON sessions (expires_at);

      CREATE TABLE api_tokens (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        role TEXT NOT NULL,
        token_hash TEXT NOT NULL UNIQUE,
        created_by TEXT NOT NULL,
        created_at TEXT NOT NULL,
        revoked_at TEXT
      ) STRICT;

      CREATE TABLE audit (
        id TEXT PRIMARY KEY,
        at TEXT NOT NULL,
        actor TEXT NOT NULL,
        action TEXT NOT NULL,
        target TEXT,
        ip TEXT,
        outcome TEXT NOT NULL,
        detail TEXT
      ) STRICT;
      CREATE INDEX audit_newest_first ON audit (at DESC, id DESC);

      CREATE TABLE settings (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
      ) STRICT;
    `,
  },
  {
    version: 2,
    name: 'indexes for socket.io sync',
    // A reconnecting browser asks for everything changed since a time; without these the
    // sync reads scan whole tables.
    sql: `
      CREATE INDEX incidents_by_last_event ON incidents (last_event_at, id);
      CREATE INDEX timeline_by_time ON timeline_entries (at, id);
    `,
  },
  {
    version: 3,
    name: 'write times for socket.io sync',
    // Sync by when a row was written, not by its event time: entries whose event happened earlier
    // (an alert's startsAt, a replayed Docker event) are still what a reconnecting browser missed.
    sql: `
      ALTER TABLE incidents ADD COLUMN recorded_at TEXT NOT NULL DEFAULT '';
      UPDATE incidents SET recorded_at = last_event_at;
      CREATE INDEX incidents_by_write ON incidents (recorded_at, id);
      ALTER TABLE timeline_entries ADD COLUMN recorded_at TEXT NOT NULL DEFAULT '';
      UPDATE timeline_entries SET recorded_at = at;
      CREATE INDEX timeline_by_write ON timeline_entries (recorded_at, id);
    `,
  },
  {
    version: 4,
    name: 'indexes for the board',
    // The board lists open (or active) incidents newest first; with few of them among 100k the
    // newest-first index alone reads the whole table before it has a page (docs/benchmarks.md).
    sql: `
      CREATE INDEX incidents_by_status ON incidents (status, opened_at DESC, id DESC);
      CREATE INDEX incidents_active ON incidents (opened_at DESC, id DESC) WHERE status <> 'resolved';
    `,
  },
  {
    version: 5,
    name: 'usernames unique regardless of case',
    // "ADMIN" and "admin" were two accounts sharing one sign-in lockout count. A file that already
    // holds such names keeps the oldest account's name (created_at, then id) and renames each later
    // one to "<name cut to 55>-<first 8 of its id>" (store/usernames.ts caseClashRename), with an
    // audit record per rename: no user is lost, and the admin can see who to tell. Should a new
    // name itself clash, the unique index fails and the whole migration rolls back, loudly.
    // NOCASE folds ASCII letters only, like usernameKey().
    sql: `
      CREATE TEMP TABLE v5_case_clashes AS
        SELECT u.id AS id, u.username AS old_name, substr(u.username, 1, 55) || '-' || substr(u.id, 1, 8) AS new_name
        FROM users u
        WHERE EXISTS (SELECT 1 FROM users o WHERE o.username = u.username COLLATE NOCASE
                        AND (o.created_at < u.created_at OR (o.created_at = u.created_at AND o.id < u.id)));
      UPDATE users SET username = (SELECT new_name FROM v5_case_clashes c WHERE c.id = users.id)
        WHERE id IN (SELECT id FROM v5_case_clashes);
      INSERT INTO audit (id, at, actor, action, target, ip, outcome, detail)
        SELECT 'schema-v5-rename-' || id, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), 'system', 'user.rename', old_name, NULL, 'ok',
               json_object('from', old_name, 'to', new_name, 'userId', id,
                           'reason', 'usernames are unique regardless of case since schema v5; an older user holds this name in another case')
        FROM v5_case_clashes;
      DROP TABLE v5_case_clashes;
      CREATE UNIQUE INDEX users_by_username_key ON users (username COLLATE NOCASE);
    `,
  },
  {
    version: 6,
    name: 'where a merged incident went',
    // Signals arriving late can re-derive a service so that an incident's id changes (ids depend only
    // on the signals); the old id then leads to the incident that took over its time.
    sql: `
      CREATE TABLE incident_aliases (
        id TEXT PRIMARY KEY,
        successor TEXT NOT NULL,
        recorded_at TEXT NOT NULL
      ) STRICT;
    `,
  },
  {
    version: 7,
    name: 'paging: config documents and the outbox',
    // Paging's admin-edited documents (channels, policies, schedules, maintenance, contacts) as JSON
    // bodies per kind, and the outbox: one row per message to one channel, durable before any
    // attempt. A digest names several incidents, so which incidents a row names is a table of its
    // own (with the row's created_at, so an incident's rows come out of the index in order).
    sql: `
      CREATE TABLE config_docs (
        kind TEXT NOT NULL,
        id TEXT NOT NULL,
        body TEXT NOT NULL,
        version INTEGER NOT NULL,
        updated_at TEXT NOT NULL,
        PRIMARY KEY (kind, id)
      ) STRICT;
      CREATE INDEX config_docs_in_order ON config_docs (kind, updated_at, id);

      CREATE TABLE outbox (
        id TEXT PRIMARY KEY,
        channel_id TEXT NOT NULL,
        user_id TEXT,
        incident_ids TEXT NOT NULL,
        event TEXT NOT NULL,
        step INTEGER,
        message TEXT NOT NULL,
        state TEXT NOT NULL,
        attempts INTEGER NOT NULL,
        created_at TEXT NOT NULL,
        next_attempt_at TEXT NOT NULL,
        delivered_at TEXT,
        last_error TEXT,
        last_status INTEGER,
        ack_token_hash TEXT,
        ack_expires_at TEXT
      ) STRICT;
      CREATE INDEX outbox_due ON outbox (state, next_attempt_at, id);
      CREATE UNIQUE INDEX outbox_by_ack_token ON outbox (ack_token_hash) WHERE ack_token_hash IS NOT NULL;
      CREATE INDEX outbox_by_channel ON outbox (channel_id, created_at, id);

      CREATE TABLE outbox_incidents (
        incident_id TEXT NOT NULL,
        created_at TEXT NOT NULL,
        outbox_id TEXT NOT NULL,
        PRIMARY KEY (incident_id, created_at, outbox_id)
      ) STRICT, WITHOUT ROWID;
    `,
  },
  {
    version: 8,
    name: 'changes: an incident\'s suspected change, signals by kind',
    // The change (container.change) an incident's failure followed, as JSON; the changes list reads
    // signals of one kind newest first.
    sql: `
      ALTER TABLE incidents ADD COLUMN suspected_change TEXT;
      CREATE INDEX signals_by_kind ON signals (kind, at, id);
    `,
  },
  {
    version: 9,
    name: 'alert history: alerts, their firing periods, labels and incidents, built from the stored alert signals',
    // The projection GET /api/alerts reads (store/alerts.ts), so it never scans the signals; the
    // backfill gives alerts stored before this version their history. startsAt is normalized to
    // ISO with milliseconds as the runtime projection does (Alertmanager trims trailing zeros).
    sql: `
      CREATE TABLE alerts (
        fingerprint TEXT PRIMARY KEY,
        alertname TEXT NOT NULL,
        service TEXT,
        labels TEXT NOT NULL,
        first_at TEXT NOT NULL,
        last_at TEXT NOT NULL
      ) STRICT;
      CREATE INDEX alerts_newest ON alerts (last_at, fingerprint);
      CREATE INDEX alerts_by_service ON alerts (service, last_at, fingerprint);
      CREATE INDEX alerts_by_name ON alerts (alertname, last_at, fingerprint);
      CREATE TABLE alert_labels (
        key TEXT NOT NULL,
        value TEXT NOT NULL,
        fingerprint TEXT NOT NULL,
        PRIMARY KEY (key, value, fingerprint)
      ) STRICT, WITHOUT ROWID;
      CREATE TABLE alert_periods (
        fingerprint TEXT NOT NULL,
        starts_at TEXT NOT NULL,
        ends_at TEXT,
        PRIMARY KEY (fingerprint, starts_at)
      ) STRICT, WITHOUT ROWID;
      CREATE TABLE alert_incidents (
        fingerprint TEXT NOT NULL,
        incident_id TEXT NOT NULL,
        at TEXT NOT NULL,
        PRIMARY KEY (fingerprint, incident_id)
      ) STRICT, WITHOUT ROWID;

      CREATE TEMP TABLE alert_facts AS
        SELECT json_extract(attributes, '$.fingerprint') AS fp,
               coalesce(json_extract(attributes, '$.alertname'), json_extract(attributes, '$.labels.alertname'), '') AS alertname,
               service, json_extract(attributes, '$.labels') AS labels, kind, at,
               strftime('%Y-%m-%dT%H:%M:%fZ', json_extract(attributes, '$.startsAt')) AS starts_at,
               coalesce(strftime('%Y-%m-%dT%H:%M:%fZ', json_extract(attributes, '$.endsAt')), at) AS ends_at
        FROM signals
        WHERE kind IN ('alert.firing', 'alert.resolved')
          AND json_type(attributes, '$.fingerprint') = 'text'
          AND json_type(attributes, '$.labels') = 'object';
      DELETE FROM alert_facts WHERE starts_at IS NULL OR fp = '';
      INSERT INTO alerts (fingerprint, alertname, service, labels, first_at, last_at)
        SELECT fp, alertname, service, labels, min(starts_at), max(at) FROM alert_facts GROUP BY fp;
      INSERT OR IGNORE INTO alert_labels (key, value, fingerprint)
        SELECT l.key, l.value, a.fingerprint FROM alerts a, json_each(a.labels) l WHERE l.type = 'text';
      INSERT INTO alert_periods (fingerprint, starts_at, ends_at)
        SELECT fp, starts_at, max(CASE WHEN kind = 'alert.resolved' THEN ends_at END) FROM alert_facts GROUP BY fp, starts_at;
      INSERT OR IGNORE INTO alert_incidents (fingerprint, incident_id, at)
        SELECT json_extract(s.value, '$.attributes.fingerprint'), t.incident_id, min(t.at)
        FROM timeline_entries t, json_each(t.data, '$.signals') s
        WHERE t.source IN ('alertmanager', 'prometheus')
          AND json_extract(s.value, '$.kind') IN ('alert.firing', 'alert.resolved')
          AND json_type(s.value, '$.attributes.fingerprint') = 'text'
        GROUP BY 1, 2;
      DROP TABLE alert_facts;
    `,
  },
  {
    // MERGE NOTE (issue 17): version 10 belongs to the incident-series part; this placeholder only
    // keeps the numbering of this branch valid and is replaced by that migration when merged.
    version: 10,
    name: 'reserved (incident series)',
    sql: 'SELECT 1;',
  },
  {
    version: 11,
    name: 'accounts: deleted users, token expiry and last use, the sign-in throttle',
    // A deleted user stays (deleted_at) so their name is never re-used; the throttle's counts live
    // here so a restart does not forget them (auth/login-throttle.ts), pruned by expires_at.
    sql: `
      ALTER TABLE users ADD COLUMN deleted_at TEXT;
      ALTER TABLE api_tokens ADD COLUMN expires_at TEXT;
      ALTER TABLE api_tokens ADD COLUMN last_used_at TEXT;
      CREATE INDEX api_tokens_by_creator ON api_tokens (created_by);
      CREATE TABLE login_throttle (
        key TEXT PRIMARY KEY,
        failures TEXT NOT NULL,
        locked_until INTEGER NOT NULL,
        expires_at INTEGER NOT NULL
      ) STRICT;
      CREATE INDEX login_throttle_by_expiry ON login_throttle (expires_at);
    `,
  },
];

export function schemaVersion(db: DatabaseSync): number {
  const row = db.prepare('PRAGMA user_version').get();
  const value = row?.['user_version'];
  return typeof value === 'number' ? value : Number(value ?? 0);
}

/** Brings the database up to the last of `migrations`; returns the versions it applied. */
export function migrate(db: DatabaseSync, migrations: readonly Migration[] = MIGRATIONS): number[] {
  migrations.forEach((migration, index) => {
    if (migration.version !== index + 1) throw new Error(`migration "${migration.name}" is out of order`);
  });
  const current = schemaVersion(db);
  if (current > migrations.length) {
    throw new Error(
      `the embedded store is at schema version ${current}, newer than this Vigil knows (${migrations.length}); ` +
        'run a newer Vigil or restore a backup of the data directory',
    );
  }
  const applied: number[] = [];
  for (const migration of migrations.slice(current)) {
    db.exec('BEGIN IMMEDIATE');
    try {
      // Another process may have migrated while this one waited for the write lock.
      if (schemaVersion(db) >= migration.version) {
        db.exec('COMMIT');
        continue;
      }
      db.exec(migration.sql);
      // user_version lives in the file header and is written inside this same transaction.
      db.exec(`PRAGMA user_version = ${migration.version}`);
      db.exec('COMMIT');
    } catch (err) {
      if (db.isTransaction) db.exec('ROLLBACK');
      throw new Error(`embedded store migration ${migration.version} ("${migration.name}") failed: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
    }
    applied.push(migration.version);
  }
  return applied;
}

/** The renames schema v5 made (from its audit records), to be said in the log of the start that made them. */
export function caseClashRenames(db: DatabaseSync): CaseClashRename[] {
  const rows = db.prepare("SELECT detail FROM audit WHERE id LIKE 'schema-v5-rename-%' ORDER BY id").all();
  return rows.flatMap((row) => {
    const detail: unknown = typeof row['detail'] === 'string' ? JSON.parse(row['detail']) : null;
    if (typeof detail !== 'object' || detail === null) return [];
    const { userId, from, to } = detail as Record<string, unknown>;
    return typeof userId === 'string' && typeof from === 'string' && typeof to === 'string' ? [{ userId, from, to }] : [];
  });
}
