import type { SQLInputValue } from 'node:sqlite';
import { type Incident, INCIDENT_STATUSES, SEVERITIES } from '../../contract/index.ts';
import { decodeIncidentCursor, definedOnly, followAliases, oneOf, pageLimit, stringArray, toIncidentPage } from '../records.ts';
import type { IncidentQuery, IncidentRepository, Page, WritePosition, Written } from '../types.ts';
import type { Row, SqliteConnection } from './connection.ts';
import { optionalText, text } from './connection.ts';
import { writtenSince } from './paging.ts';
import { removeIncident, upsertIncident } from './writes.ts';

function toIncident(row: Row): Incident {
  return {
    id: text(row, 'id'),
    title: text(row, 'title'),
    service: text(row, 'service'),
    host: text(row, 'host'),
    status: oneOf(row['status'], INCIDENT_STATUSES, 'incident status'),
    severity: oneOf(row['severity'], SEVERITIES, 'incident severity'),
    openedAt: text(row, 'opened_at'),
    ...definedOnly({
      acknowledgedAt: optionalText(row, 'acknowledged_at'),
      acknowledgedBy: optionalText(row, 'acknowledged_by'),
      mitigatedAt: optionalText(row, 'mitigated_at'),
      resolvedAt: optionalText(row, 'resolved_at'),
    }),
    lastEventAt: text(row, 'last_event_at'),
    sources: stringArray(JSON.parse(text(row, 'sources')), 'incident sources'),
    ...suspectedChangeOf(row),
  };
}

function suspectedChangeOf(row: Row): Pick<Incident, 'suspectedChange'> {
  const stored = optionalText(row, 'suspected_change');
  if (stored === undefined) return {};
  const value: unknown = JSON.parse(stored);
  return typeof value === 'object' && value !== null ? { suspectedChange: value as NonNullable<Incident['suspectedChange']> } : {};
}

export class SqliteIncidents implements IncidentRepository {
  private readonly conn: SqliteConnection;

  constructor(conn: SqliteConnection) {
    this.conn = conn;
  }

  async upsert(incident: Incident): Promise<void> {
    upsertIncident(this.conn, incident, new Date().toISOString());
  }

  async remove(id: string): Promise<boolean> {
    return this.conn.transaction(() => removeIncident(this.conn, id));
  }

  async get(id: string): Promise<Incident | null> {
    const row = this.conn.statement('SELECT * FROM incidents WHERE id = ?').get(id);
    return row ? toIncident(row) : null;
  }

  async successor(id: string): Promise<string | null> {
    return followAliases(id, async (at) => {
      const row = this.conn.statement('SELECT successor FROM incident_aliases WHERE id = ?').get(at);
      return row ? text(row, 'successor') : null;
    }, async (at) => this.conn.statement('SELECT 1 FROM incidents WHERE id = ?').get(at) !== undefined);
  }

  async list(query: IncidentQuery): Promise<Page<Incident>> {
    const limit = pageLimit(query.limit);
    const where: string[] = [];
    const params: SQLInputValue[] = [];
    const status = query.status ?? 'all';
    if (status === 'active') where.push("status <> 'resolved'");
    else if (status !== 'all') {
      where.push('status = ?');
      params.push(status);
    }
    if (query.service !== undefined) {
      where.push('service = ?');
      params.push(query.service);
    }
    if (query.cursor !== undefined) {
      const after = decodeIncidentCursor(query.cursor);
      where.push('(opened_at < ? OR (opened_at = ? AND id < ?))');
      params.push(after.openedAt, after.openedAt, after.id);
    }
    const sql = `SELECT * FROM incidents ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
                 ORDER BY opened_at DESC, id DESC LIMIT ?`;
    // The statement cache stays small: status, service and cursor give at most a dozen shapes.
    const rows = this.conn.statement(sql).all(...params, limit + 1);
    return toIncidentPage(rows.map(toIncident), limit);
  }

  async findActive(service: string, host: string): Promise<Incident | null> {
    const row = this.conn
      .statement(`SELECT * FROM incidents WHERE service = ? AND host = ? AND status <> 'resolved'
                  ORDER BY opened_at DESC, id DESC LIMIT 1`)
      .get(service, host);
    return row ? toIncident(row) : null;
  }

  async changedSince(since: string, limit: number, after?: WritePosition): Promise<Array<Written<Incident>>> {
    return writtenSince(this.conn, 'incidents', toIncident, { since, limit, after });
  }
}
