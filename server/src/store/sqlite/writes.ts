// The embedded store's writes of signals, incidents, timeline entries and cursors, as plain
// statements: the repositories run them one at a time, `commit` runs a whole batch in one transaction.
import type { Incident, TimelineEntry } from '../../contract/index.ts';
import type { Signal } from '../../domain/signal.ts';
import { alertProjection } from '../alerts.ts';
import { toJsonText } from '../records.ts';
import type { CommitBatch, CommitResult } from '../types.ts';
import { writeAlertProjection } from './alerts.ts';
import type { SqliteConnection } from './connection.ts';
import { orNull } from './connection.ts';

const INSERT_SIGNAL = `
  INSERT INTO signals (id, source, host, at, kind, service, container, attributes, raw, received_at)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
  ON CONFLICT (id) DO NOTHING`;

const UPSERT_INCIDENT = `
  INSERT INTO incidents (id, title, service, host, status, severity, opened_at, acknowledged_at,
                         acknowledged_by, mitigated_at, resolved_at, last_event_at, sources, recorded_at, suspected_change)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
  ON CONFLICT (id) DO UPDATE SET
    title = excluded.title, service = excluded.service, host = excluded.host,
    status = excluded.status, severity = excluded.severity, opened_at = excluded.opened_at,
    acknowledged_at = excluded.acknowledged_at, acknowledged_by = excluded.acknowledged_by,
    mitigated_at = excluded.mitigated_at, resolved_at = excluded.resolved_at,
    last_event_at = excluded.last_event_at, sources = excluded.sources, recorded_at = excluded.recorded_at,
    suspected_change = excluded.suspected_change`;

const INSERT_ENTRY = `
  INSERT INTO timeline_entries (id, incident_id, at, source, kind, message, actor, data, recorded_at)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`;

const SET_CURSOR = `
  INSERT INTO source_cursors (source, host, value) VALUES (?, ?, ?)
  ON CONFLICT (source, host) DO UPDATE SET value = excluded.value`;

/** Stores the signal unless its id is known; true when it was new. */
export function insertSignal(conn: SqliteConnection, signal: Signal, receivedAt: string): boolean {
  const result = conn.statement(INSERT_SIGNAL).run(
    signal.id, signal.source, signal.host, signal.at, signal.kind,
    orNull(signal.service), orNull(signal.container),
    toJsonText(signal.attributes) ?? '{}', toJsonText(signal.raw), receivedAt,
  );
  return Number(result.changes) === 1;
}

export function upsertIncident(conn: SqliteConnection, incident: Incident, recordedAt: string): void {
  conn.statement(UPSERT_INCIDENT).run(
    incident.id, incident.title, incident.service, incident.host, incident.status, incident.severity,
    incident.openedAt, orNull(incident.acknowledgedAt), orNull(incident.acknowledgedBy),
    orNull(incident.mitigatedAt), orNull(incident.resolvedAt), incident.lastEventAt,
    JSON.stringify(incident.sources), recordedAt,
    incident.suspectedChange === undefined ? null : JSON.stringify(incident.suspectedChange),
  );
}

/** Idempotent by id: true when the entry was new. */
export function appendEntry(conn: SqliteConnection, entry: TimelineEntry, recordedAt: string): boolean {
  const result = conn.statement(INSERT_ENTRY).run(
    entry.id, entry.incidentId, entry.at, entry.source, entry.kind, entry.message, orNull(entry.actor), toJsonText(entry.data), recordedAt,
  );
  return Number(result.changes) === 1;
}

export function removeEntry(conn: SqliteConnection, id: string): boolean {
  return Number(conn.statement('DELETE FROM timeline_entries WHERE id = ?').run(id).changes) === 1;
}

/** The incident and its timeline. Call inside a transaction. */
export function removeIncident(conn: SqliteConnection, id: string): boolean {
  conn.statement('DELETE FROM timeline_entries WHERE incident_id = ?').run(id);
  return Number(conn.statement('DELETE FROM incidents WHERE id = ?').run(id).changes) === 1;
}

/** Remembers where a removed incident went (or forgets it: removed again, it went nowhere). */
function setAlias(conn: SqliteConnection, id: string, successor: string | undefined, now: string): void {
  if (successor === undefined) conn.statement('DELETE FROM incident_aliases WHERE id = ?').run(id);
  else {
    conn.statement('INSERT INTO incident_aliases (id, successor, recorded_at) VALUES (?, ?, ?) ON CONFLICT (id) DO UPDATE SET successor = excluded.successor, recorded_at = excluded.recorded_at')
      .run(id, successor, now);
  }
}

export function setCursor(conn: SqliteConnection, source: string, host: string, value: string): void {
  conn.statement(SET_CURSOR).run(source, host, value);
}

/**
 * One ingest commit in one `BEGIN IMMEDIATE … COMMIT`: the new signals, what they cause, the cursors.
 * A crash (or a throw, the engine's included) anywhere inside leaves the file as it was before.
 * `beforeWrite` is a fault point for tests (it may throw to abort).
 */
export function commitBatch(conn: SqliteConnection, batch: CommitBatch, beforeWrite?: () => void): CommitResult {
  const now = new Date().toISOString();
  const write = beforeWrite ?? (() => undefined);
  return conn.transaction(() => {
    const fresh: Signal[] = [];
    for (const signal of batch.signals) {
      write();
      const stored = signal.receivedAt === undefined ? { ...signal, receivedAt: now } : signal;
      if (insertSignal(conn, stored, stored.receivedAt ?? now)) fresh.push(stored);
    }
    const decisions = batch.decide(fresh);
    for (const d of decisions) {
      write();
      switch (d.type) {
        case 'timeline:remove': removeEntry(conn, d.entryId); break;
        case 'incident:remove':
          removeIncident(conn, d.incidentId);
          setAlias(conn, d.incidentId, d.replacedBy, now);
          break;
        case 'incident:upsert': upsertIncident(conn, d.incident, now); break;
        case 'timeline:append': appendEntry(conn, d.entry, now); break;
      }
    }
    const alerts = alertProjection(fresh, decisions);
    writeAlertProjection(conn, alerts.facts, alerts.links);
    for (const c of batch.cursors ?? []) {
      write();
      setCursor(conn, c.source, c.host, c.value);
    }
    return { fresh, decisions };
  });
}
