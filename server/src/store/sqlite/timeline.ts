import type { TimelineEntry } from '../../contract/index.ts';
import { definedOnly, ENTRY_SOURCES, fromJsonText, oneOf, pageLimit, toJsonText } from '../records.ts';
import type { TimelineRepository, WritePosition, Written } from '../types.ts';
import type { Row, SqliteConnection } from './connection.ts';
import { nullableText, optionalText, orNull, text } from './connection.ts';

function toEntry(row: Row): TimelineEntry {
  return {
    id: text(row, 'id'),
    incidentId: text(row, 'incident_id'),
    at: text(row, 'at'),
    source: oneOf(row['source'], ENTRY_SOURCES, 'timeline entry source'),
    kind: text(row, 'kind'),
    message: text(row, 'message'),
    ...definedOnly({ actor: optionalText(row, 'actor') }),
    data: fromJsonText(nullableText(row, 'data')),
  };
}

export class SqliteTimeline implements TimelineRepository {
  private readonly conn: SqliteConnection;

  constructor(conn: SqliteConnection) {
    this.conn = conn;
  }

  async append(entry: TimelineEntry): Promise<boolean> {
    const result = this.conn
      .statement(`INSERT INTO timeline_entries (id, incident_id, at, source, kind, message, actor, data, recorded_at)
                  VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`)
      .run(entry.id, entry.incidentId, entry.at, entry.source, entry.kind, entry.message, orNull(entry.actor), toJsonText(entry.data), new Date().toISOString());
    return Number(result.changes) === 1;
  }

  async remove(id: string): Promise<boolean> {
    return Number(this.conn.statement('DELETE FROM timeline_entries WHERE id = ?').run(id).changes) === 1;
  }

  async forIncident(incidentId: string): Promise<TimelineEntry[]> {
    return this.conn
      .statement('SELECT * FROM timeline_entries WHERE incident_id = ? ORDER BY at, id')
      .all(incidentId)
      .map(toEntry);
  }

  async since(since: string, limit: number, after?: WritePosition): Promise<Array<Written<TimelineEntry>>> {
    const rows = after
      ? this.conn.statement(`SELECT * FROM timeline_entries WHERE recorded_at >= ? AND (recorded_at, id) > (?, ?)
                             ORDER BY recorded_at, id LIMIT ?`).all(since, after.recordedAt, after.id, pageLimit(limit))
      : this.conn.statement('SELECT * FROM timeline_entries WHERE recorded_at >= ? ORDER BY recorded_at, id LIMIT ?').all(since, pageLimit(limit));
    return rows.map((row) => ({ item: toEntry(row), recordedAt: text(row, 'recorded_at') }));
  }
}
