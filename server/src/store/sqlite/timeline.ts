import { ENTRY_SOURCES, type TimelineEntry } from '../../contract/index.ts';
import { definedOnly, fromJsonText, oneOf } from '../records.ts';
import type { TimelineRepository, WritePosition, Written } from '../types.ts';
import type { Row, SqliteConnection } from './connection.ts';
import { nullableText, optionalText, text } from './connection.ts';
import { writtenSince } from './paging.ts';
import { appendEntry, removeEntry } from './writes.ts';

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
    return appendEntry(this.conn, entry, new Date().toISOString());
  }

  async remove(id: string): Promise<boolean> {
    return removeEntry(this.conn, id);
  }

  async forIncidents(incidentIds: readonly string[]): Promise<TimelineEntry[]> {
    const out: TimelineEntry[] = [];
    for (const id of incidentIds) out.push(...await this.forIncident(id));
    return out;
  }

  async forIncident(incidentId: string): Promise<TimelineEntry[]> {
    return this.conn
      .statement('SELECT * FROM timeline_entries WHERE incident_id = ? ORDER BY at, id')
      .all(incidentId)
      .map(toEntry);
  }

  async since(since: string, limit: number, after?: WritePosition): Promise<Array<Written<TimelineEntry>>> {
    return writtenSince(this.conn, 'timeline_entries', toEntry, { since, limit, after });
  }
}
