// The paging outbox: one row per message to one channel, written before any attempt to send it
// (paging/README.md). Which incidents a row names lives in outbox_incidents, since a digest names
// several; the row's created_at is repeated there so an incident's rows come out of the key in order.
import { DELIVERY_STATES, PAGE_EVENTS } from '../../contract/index.ts';
import type { PageEvent } from '../../contract/index.ts';
import { CONFLICTS } from '../conflicts.ts';
import { definedOnly, isPlainObject, oneOf, pageLimit, stringArray } from '../records.ts';
import type { OutboxRecord, OutboxRepository, OutboxUpdate } from '../types.ts';
import { StoreConflictError } from '../types.ts';
import type { Row, SqliteConnection } from './connection.ts';
import { integer, isUniqueViolation, optionalInteger, optionalText, orNull, text } from './connection.ts';

function toRecord(row: Row): OutboxRecord {
  const message: unknown = JSON.parse(text(row, 'message'));
  if (!isPlainObject(message)) throw new Error('stored page message is not an object');
  return {
    id: text(row, 'id'),
    channelId: text(row, 'channel_id'),
    ...definedOnly({ userId: optionalText(row, 'user_id') }),
    incidentIds: stringArray(JSON.parse(text(row, 'incident_ids')), 'page incident ids'),
    event: oneOf(row['event'], PAGE_EVENTS, 'page event'),
    ...definedOnly({ step: optionalInteger(row, 'step') }),
    message,
    state: oneOf(row['state'], DELIVERY_STATES, 'delivery state'),
    attempts: integer(row, 'attempts'),
    createdAt: text(row, 'created_at'),
    nextAttemptAt: text(row, 'next_attempt_at'),
    ...definedOnly({
      deliveredAt: optionalText(row, 'delivered_at'),
      lastError: optionalText(row, 'last_error'),
      lastStatus: optionalInteger(row, 'last_status'),
      ackTokenHash: optionalText(row, 'ack_token_hash'),
      ackExpiresAt: optionalText(row, 'ack_expires_at'),
    }),
  };
}

export class SqliteOutbox implements OutboxRepository {
  private readonly conn: SqliteConnection;

  constructor(conn: SqliteConnection) {
    this.conn = conn;
  }

  /** Stores the record unless its id is known; true when it was new. */
  private insertOne(record: OutboxRecord): boolean {
    let inserted: boolean;
    try {
      inserted = Number(this.conn
        .statement(`INSERT INTO outbox (id, channel_id, user_id, incident_ids, event, step, message, state, attempts, created_at,
                                        next_attempt_at, delivered_at, last_error, last_status, ack_token_hash, ack_expires_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`)
        .run(record.id, record.channelId, orNull(record.userId), JSON.stringify(record.incidentIds), record.event, record.step ?? null,
          JSON.stringify(record.message), record.state, record.attempts, record.createdAt, record.nextAttemptAt,
          orNull(record.deliveredAt), orNull(record.lastError), record.lastStatus ?? null, orNull(record.ackTokenHash), orNull(record.ackExpiresAt))
        .changes) === 1;
    } catch (err) {
      // The id's own conflict is "already enqueued" above; the only other unique key is the ack token's.
      if (isUniqueViolation(err)) throw new StoreConflictError(CONFLICTS.ackToken(record.id), { cause: err });
      throw err;
    }
    if (!inserted) return false;
    for (const incidentId of new Set(record.incidentIds)) {
      this.conn
        .statement('INSERT INTO outbox_incidents (incident_id, created_at, outbox_id) VALUES (?, ?, ?)')
        .run(incidentId, record.createdAt, record.id);
    }
    return true;
  }

  async enqueue(records: readonly OutboxRecord[]): Promise<OutboxRecord[]> {
    if (records.length === 0) return [];
    return this.conn.transaction(() => records.filter((record) => this.insertOne(record)));
  }

  async get(id: string): Promise<OutboxRecord | null> {
    const row = this.conn.statement('SELECT * FROM outbox WHERE id = ?').get(id);
    return row ? toRecord(row) : null;
  }

  async due(now: string, limit: number): Promise<OutboxRecord[]> {
    return this.conn
      .statement("SELECT * FROM outbox WHERE state = 'pending' AND next_attempt_at <= ? ORDER BY next_attempt_at, id LIMIT ?")
      .all(now, pageLimit(limit))
      .map(toRecord);
  }

  async nextDue(): Promise<string | null> {
    const row = this.conn.statement("SELECT min(next_attempt_at) AS at FROM outbox WHERE state = 'pending'").get();
    return row ? optionalText(row, 'at') ?? null : null;
  }

  /** The attempt's outcome replaces the last one: deliveredAt, lastError and lastStatus left out are cleared. */
  async update(id: string, update: OutboxUpdate): Promise<boolean> {
    const result = this.conn
      .statement(`UPDATE outbox SET state = ?, attempts = ?, next_attempt_at = coalesce(?, next_attempt_at),
                                    delivered_at = ?, last_error = ?, last_status = ?
                  WHERE id = ?`)
      .run(update.state, update.attempts, orNull(update.nextAttemptAt), orNull(update.deliveredAt), orNull(update.lastError), update.lastStatus ?? null, id);
    return Number(result.changes) === 1;
  }

  async forIncident(incidentId: string, limit: number): Promise<OutboxRecord[]> {
    return this.conn
      .statement(`SELECT o.* FROM outbox_incidents i JOIN outbox o ON o.id = i.outbox_id
                  WHERE i.incident_id = ? ORDER BY i.created_at, i.outbox_id LIMIT ?`)
      .all(incidentId, pageLimit(limit))
      .map(toRecord);
  }

  async byAckTokenHash(hash: string): Promise<OutboxRecord | null> {
    const row = this.conn.statement('SELECT * FROM outbox WHERE ack_token_hash = ?').get(hash);
    return row ? toRecord(row) : null;
  }

  async recentForChannel(channelId: string, limit: number): Promise<OutboxRecord[]> {
    return this.conn
      .statement('SELECT * FROM outbox WHERE channel_id = ? ORDER BY created_at DESC, id DESC LIMIT ?')
      .all(channelId, pageLimit(limit))
      .map(toRecord);
  }

  async cancelPending(incidentId: string, events: readonly PageEvent[]): Promise<number> {
    if (events.length === 0) return 0;
    // The events as one JSON array: one cached statement whatever their number. `+state` keeps the
    // planner on the incident's few rows rather than every pending one (a storm's escalations).
    const result = this.conn
      .statement(`UPDATE outbox SET state = 'cancelled'
                  WHERE id IN (SELECT outbox_id FROM outbox_incidents WHERE incident_id = ?)
                    AND +state = 'pending' AND event IN (SELECT value FROM json_each(?))`)
      .run(incidentId, JSON.stringify(events));
    return Number(result.changes);
  }
}
