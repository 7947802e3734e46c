import type { PostmortemRepository, PostmortemVersion, SaveResult } from '../types.ts';
import type { Row, SqliteConnection } from './connection.ts';
import { integer, text } from './connection.ts';

function toVersion(row: Row): PostmortemVersion {
  return {
    incidentId: text(row, 'incident_id'),
    version: integer(row, 'version'),
    markdown: text(row, 'markdown'),
    author: text(row, 'author'),
    savedAt: text(row, 'saved_at'),
  };
}

export class SqlitePostmortems implements PostmortemRepository {
  private readonly conn: SqliteConnection;

  constructor(conn: SqliteConnection) {
    this.conn = conn;
  }

  private latestVersion(incidentId: string): number {
    const row = this.conn
      .statement('SELECT coalesce(max(version), 0) AS v FROM postmortem_versions WHERE incident_id = ?')
      .get(incidentId);
    return row ? integer(row, 'v') : 0;
  }

  async latest(incidentId: string): Promise<PostmortemVersion | null> {
    const row = this.conn
      .statement('SELECT * FROM postmortem_versions WHERE incident_id = ? ORDER BY version DESC LIMIT 1')
      .get(incidentId);
    return row ? toVersion(row) : null;
  }

  async versions(incidentId: string): Promise<PostmortemVersion[]> {
    return this.conn
      .statement('SELECT * FROM postmortem_versions WHERE incident_id = ? ORDER BY version')
      .all(incidentId)
      .map(toVersion);
  }

  async save(input: { incidentId: string; markdown: string; author: string; expectedVersion: number; savedAt: string }): Promise<SaveResult> {
    // The check and the insert share one write transaction, so another process using the same
    // file cannot slip a version in between.
    return this.conn.transaction((): SaveResult => {
      const current = this.latestVersion(input.incidentId);
      if (current !== input.expectedVersion) return { ok: false, currentVersion: current };
      const version = current + 1;
      this.conn
        .statement('INSERT INTO postmortem_versions (incident_id, version, markdown, author, saved_at) VALUES (?, ?, ?, ?, ?)')
        .run(input.incidentId, version, input.markdown, input.author, input.savedAt);
      return { ok: true, version };
    });
  }
}
