// Small repositories: source cursors, the audit log and settings.
import { AUDIT_OUTCOMES } from '../../contract/index.ts';
import { definedOnly, fromJsonText, oneOf, pageLimit, toJsonText } from '../records.ts';
import type { AuditRecord, AuditRepository, CursorRepository, SettingRepository } from '../types.ts';
import type { Row, SqliteConnection } from './connection.ts';
import { nullableText, optionalText, orNull, text } from './connection.ts';
import { setCursor } from './writes.ts';

export class SqliteCursors implements CursorRepository {
  private readonly conn: SqliteConnection;

  constructor(conn: SqliteConnection) {
    this.conn = conn;
  }

  async get(source: string, host: string): Promise<string | null> {
    const row = this.conn.statement('SELECT value FROM source_cursors WHERE source = ? AND host = ?').get(source, host);
    return row ? text(row, 'value') : null;
  }

  async set(source: string, host: string, value: string): Promise<void> {
    setCursor(this.conn, source, host, value);
  }
}

function toAudit(row: Row): AuditRecord {
  return {
    id: text(row, 'id'),
    at: text(row, 'at'),
    actor: text(row, 'actor'),
    action: text(row, 'action'),
    ...definedOnly({
      target: optionalText(row, 'target'),
      ip: optionalText(row, 'ip'),
    }),
    outcome: oneOf(row['outcome'], AUDIT_OUTCOMES, 'audit outcome'),
    ...definedOnly({ detail: fromJsonText(nullableText(row, 'detail')) }),
  };
}

export class SqliteAudit implements AuditRepository {
  private readonly conn: SqliteConnection;

  constructor(conn: SqliteConnection) {
    this.conn = conn;
  }

  async append(record: AuditRecord): Promise<void> {
    this.conn
      .statement('INSERT INTO audit (id, at, actor, action, target, ip, outcome, detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
      .run(record.id, record.at, record.actor, record.action, orNull(record.target), orNull(record.ip), record.outcome, toJsonText(record.detail));
  }

  async list(query: { limit: number; before?: string; beforeId?: string }): Promise<AuditRecord[]> {
    const limit = pageLimit(query.limit);
    const rows = query.before === undefined
      ? this.conn.statement('SELECT * FROM audit ORDER BY at DESC, id DESC LIMIT ?').all(limit)
      : query.beforeId === undefined
        ? this.conn.statement('SELECT * FROM audit WHERE at < ? ORDER BY at DESC, id DESC LIMIT ?').all(query.before, limit)
        : this.conn.statement('SELECT * FROM audit WHERE at < ? OR (at = ? AND id < ?) ORDER BY at DESC, id DESC LIMIT ?')
          .all(query.before, query.before, query.beforeId, limit);
    return rows.map(toAudit);
  }
}

export class SqliteSettings implements SettingRepository {
  private readonly conn: SqliteConnection;

  constructor(conn: SqliteConnection) {
    this.conn = conn;
  }

  async get(key: string): Promise<string | null> {
    const row = this.conn.statement('SELECT value FROM settings WHERE key = ?').get(key);
    return row ? text(row, 'value') : null;
  }

  async setIfAbsent(key: string, value: string): Promise<string> {
    this.conn.statement('INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING').run(key, value);
    const stored = await this.get(key);
    if (stored === null) throw new Error(`setting ${key} vanished right after it was written`);
    return stored;
  }

  async put(key: string, value: string): Promise<void> {
    this.conn.statement('INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value').run(key, value);
  }
}
