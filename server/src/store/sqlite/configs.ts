// Paging's admin-edited documents (channels, policies, schedules, maintenance windows, contacts):
// one row per (kind, id), the body as JSON text, a version for optimistic concurrency.
import { CONFIG_KINDS, CONFIG_LIST_LIMIT } from '../types.ts';
import type { ConfigDoc, ConfigKind, ConfigRepository, SaveResult } from '../types.ts';
import { isPlainObject, oneOf } from '../records.ts';
import type { Row, SqliteConnection } from './connection.ts';
import { integer, text } from './connection.ts';

function toConfig(row: Row): ConfigDoc {
  const body: unknown = JSON.parse(text(row, 'body'));
  if (!isPlainObject(body)) throw new Error('stored config body is not an object');
  return {
    kind: oneOf(row['kind'], CONFIG_KINDS, 'config kind'),
    id: text(row, 'id'),
    body,
    version: integer(row, 'version'),
    updatedAt: text(row, 'updated_at'),
  };
}

export class SqliteConfigs implements ConfigRepository {
  private readonly conn: SqliteConnection;

  constructor(conn: SqliteConnection) {
    this.conn = conn;
  }

  async list(kind: ConfigKind): Promise<ConfigDoc[]> {
    return this.conn
      .statement('SELECT * FROM config_docs WHERE kind = ? ORDER BY updated_at, id LIMIT ?')
      .all(kind, CONFIG_LIST_LIMIT)
      .map(toConfig);
  }

  async get(kind: ConfigKind, id: string): Promise<ConfigDoc | null> {
    const row = this.conn.statement('SELECT * FROM config_docs WHERE kind = ? AND id = ?').get(kind, id);
    return row ? toConfig(row) : null;
  }

  async count(kind: ConfigKind): Promise<number> {
    const row = this.conn.statement('SELECT count(*) AS n FROM config_docs WHERE kind = ?').get(kind);
    return row ? integer(row, 'n') : 0;
  }

  private storedVersion(kind: ConfigKind, id: string): number {
    const row = this.conn.statement('SELECT version FROM config_docs WHERE kind = ? AND id = ?').get(kind, id);
    return row ? integer(row, 'version') : 0;
  }

  async put(doc: { kind: ConfigKind; id: string; body: Record<string, unknown>; updatedAt: string }, expectedVersion: number): Promise<SaveResult> {
    const body = JSON.stringify(doc.body);
    // The check and the write share one write transaction (as post-mortem saves): another process
    // on the same file cannot change the document in between.
    return this.conn.transaction((): SaveResult => {
      const current = this.storedVersion(doc.kind, doc.id);
      if (current !== expectedVersion) return { ok: false, currentVersion: current };
      const version = current + 1;
      if (current === 0) {
        this.conn
          .statement('INSERT INTO config_docs (kind, id, body, version, updated_at) VALUES (?, ?, ?, ?, ?)')
          .run(doc.kind, doc.id, body, version, doc.updatedAt);
      } else {
        this.conn
          .statement('UPDATE config_docs SET body = ?, version = ?, updated_at = ? WHERE kind = ? AND id = ?')
          .run(body, version, doc.updatedAt, doc.kind, doc.id);
      }
      return { ok: true, version };
    });
  }

  async delete(kind: ConfigKind, id: string): Promise<boolean> {
    return Number(this.conn.statement('DELETE FROM config_docs WHERE kind = ? AND id = ?').run(kind, id).changes) === 1;
  }
}
