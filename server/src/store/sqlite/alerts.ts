// The embedded store's alert history (store/alerts.ts): written inside the ingest commit's
// transaction, read by indexed queries.
import type { SQLInputValue } from 'node:sqlite';
import type { AlertFact, AlertLink, AlertPeriodRecord, AlertPeriods, AlertQuery, AlertRecord, AlertRepository } from '../alerts.ts';
import { definedOnly, pageLimit } from '../records.ts';
import type { Row, SqliteConnection } from './connection.ts';
import { integer, optionalText, text } from './connection.ts';

const NEW_ALERT = `
  INSERT INTO alerts (fingerprint, alertname, service, labels, first_at, last_at) VALUES (?, ?, ?, ?, ?, ?)
  ON CONFLICT (fingerprint) DO NOTHING`;
const SEEN_ALERT = `
  UPDATE alerts SET
    service = CASE WHEN ?3 >= last_at THEN ?2 ELSE service END,
    first_at = min(first_at, ?4), last_at = max(last_at, ?3)
  WHERE fingerprint = ?1`;
const LABEL = 'INSERT INTO alert_labels (key, value, fingerprint) VALUES (?, ?, ?) ON CONFLICT DO NOTHING';
// A firing signal never takes an end away; a resolve sets it whichever came first.
const FIRING = 'INSERT INTO alert_periods (fingerprint, starts_at, ends_at) VALUES (?, ?, NULL) ON CONFLICT DO NOTHING';
const RESOLVED = `
  INSERT INTO alert_periods (fingerprint, starts_at, ends_at) VALUES (?, ?, ?)
  ON CONFLICT (fingerprint, starts_at) DO UPDATE SET ends_at = excluded.ends_at`;
const LINK = 'INSERT INTO alert_incidents (fingerprint, incident_id, at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING';

/** Writes a commit's share of the projection; call inside its transaction. */
export function writeAlertProjection(conn: SqliteConnection, facts: readonly AlertFact[], links: readonly AlertLink[]): void {
  for (const f of facts) {
    const inserted = conn.statement(NEW_ALERT).run(f.fingerprint, f.alertname, f.service ?? null, JSON.stringify(f.labels), f.startsAt, f.at);
    if (Number(inserted.changes) === 1) {
      for (const [k, v] of Object.entries(f.labels)) conn.statement(LABEL).run(k, v, f.fingerprint);
    } else {
      conn.statement(SEEN_ALERT).run(f.fingerprint, f.service ?? null, f.at, f.startsAt);
    }
    if (f.endsAt === undefined) conn.statement(FIRING).run(f.fingerprint, f.startsAt);
    else conn.statement(RESOLVED).run(f.fingerprint, f.startsAt, f.endsAt);
  }
  for (const l of links) conn.statement(LINK).run(l.fingerprint, l.incidentId, l.at);
}

function labelsOf(raw: string): Record<string, string> {
  const parsed: unknown = JSON.parse(raw);
  const out: Record<string, string> = {};
  if (typeof parsed === 'object' && parsed !== null) for (const [k, v] of Object.entries(parsed)) if (typeof v === 'string') out[k] = v;
  return out;
}

function toAlert(row: Row): AlertRecord {
  return {
    fingerprint: text(row, 'fingerprint'),
    alertname: text(row, 'alertname'),
    ...definedOnly({ service: optionalText(row, 'service') }),
    labels: labelsOf(text(row, 'labels')),
    firstAt: text(row, 'first_at'),
    lastAt: text(row, 'last_at'),
  };
}

function toPeriod(row: Row): AlertPeriodRecord {
  return { startsAt: text(row, 'starts_at'), ...definedOnly({ endsAt: optionalText(row, 'ends_at') }) };
}

/** LIKE with the user's text taken literally. */
function likePattern(value: string): string {
  return `%${value.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

export class SqliteAlerts implements AlertRepository {
  private readonly conn: SqliteConnection;

  constructor(conn: SqliteConnection) {
    this.conn = conn;
  }

  async list(q: AlertQuery): Promise<AlertRecord[]> {
    const where: string[] = [];
    const args: SQLInputValue[] = [];
    if (q.service !== undefined) { where.push('service = ?'); args.push(q.service); }
    if (q.alertname !== undefined) { where.push('alertname = ?'); args.push(q.alertname); }
    for (const [k, v] of q.labels) {
      where.push('fingerprint IN (SELECT fingerprint FROM alert_labels WHERE key = ? AND value = ?)');
      args.push(k, v);
    }
    if (q.text !== undefined) {
      where.push("(lower(alertname) LIKE ? ESCAPE '\\' OR lower(coalesce(service, '')) LIKE ? ESCAPE '\\' OR lower(labels) LIKE ? ESCAPE '\\')");
      const p = likePattern(q.text);
      args.push(p, p, p);
    }
    if (q.after !== undefined) {
      where.push('(last_at < ? OR (last_at = ? AND fingerprint < ?))');
      args.push(q.after.lastAt, q.after.lastAt, q.after.fingerprint);
    }
    const sql = `SELECT * FROM alerts ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY last_at DESC, fingerprint DESC LIMIT ?`;
    return this.conn.statement(sql).all(...args, pageLimit(q.limit)).map(toAlert);
  }

  async get(fingerprint: string): Promise<AlertRecord | null> {
    const row = this.conn.statement('SELECT * FROM alerts WHERE fingerprint = ?').get(fingerprint);
    return row ? toAlert(row) : null;
  }

  async periods(fingerprint: string, window: { from: string; to: string }, limit: number, before?: string): Promise<AlertPeriods> {
    // Overlapping the window: started before its end, and not ended before its start.
    const overlap = 'fingerprint = ? AND starts_at < ? AND (ends_at IS NULL OR ends_at > ?)';
    const items = this.conn
      .statement(`SELECT starts_at, ends_at FROM alert_periods WHERE ${overlap} AND starts_at < ? ORDER BY starts_at DESC LIMIT ?`)
      .all(fingerprint, window.to, window.from, before ?? '9999', pageLimit(limit)).map(toPeriod);
    const count = this.conn.statement(`SELECT count(*) AS n FROM alert_periods WHERE ${overlap}`).get(fingerprint, window.to, window.from);
    const latest = this.conn.statement('SELECT starts_at, ends_at FROM alert_periods WHERE fingerprint = ? ORDER BY starts_at DESC LIMIT 1').get(fingerprint);
    return { items, total: count ? integer(count, 'n') : 0, ...(latest ? { latest: toPeriod(latest) } : {}) };
  }

  async incidents(fingerprint: string, limit: number): Promise<AlertLink[]> {
    return this.conn
      .statement('SELECT incident_id, at FROM alert_incidents WHERE fingerprint = ? ORDER BY at DESC, incident_id DESC LIMIT ?')
      .all(fingerprint, pageLimit(limit))
      .map((row) => ({ fingerprint, incidentId: text(row, 'incident_id'), at: text(row, 'at') }));
  }
}
