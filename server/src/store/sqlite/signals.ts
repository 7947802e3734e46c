import type { Signal } from '../../domain/signal.ts';
import { ENTRY_SOURCES } from '../../contract/index.ts';
import { attributesFromJsonText, definedOnly, fromJsonText, oneOf, pageLimit } from '../records.ts';
import type { SignalKindQuery, SignalRepository } from '../types.ts';
import type { Row, SqliteConnection } from './connection.ts';
import { integer, nullableText, optionalText, text } from './connection.ts';
import { insertSignal } from './writes.ts';

function toSignal(row: Row): Signal {
  return {
    id: text(row, 'id'),
    source: oneOf(row['source'], ENTRY_SOURCES, 'signal source'),
    host: text(row, 'host'),
    at: text(row, 'at'),
    kind: text(row, 'kind'),
    ...definedOnly({ service: optionalText(row, 'service'), container: optionalText(row, 'container') }),
    attributes: attributesFromJsonText(text(row, 'attributes')),
    raw: fromJsonText(nullableText(row, 'raw')),
    receivedAt: text(row, 'received_at'),
  };
}

export class SqliteSignals implements SignalRepository {
  private readonly conn: SqliteConnection;

  constructor(conn: SqliteConnection) {
    this.conn = conn;
  }

  /** Stores the signal unless its id is known; returns the stored form, or null for a duplicate. */
  private insertOne(signal: Signal, now: string): Signal | null {
    // A caller that already knows when the signal arrived (a replay, an import) keeps that time.
    const receivedAt = signal.receivedAt ?? now;
    return insertSignal(this.conn, signal, receivedAt) ? { ...signal, receivedAt } : null;
  }

  async insert(signal: Signal): Promise<boolean> {
    return this.insertOne(signal, new Date().toISOString()) !== null;
  }

  async insertMany(signals: Signal[]): Promise<Signal[]> {
    const receivedAt = new Date().toISOString();
    return this.conn.transaction(() => {
      const fresh: Signal[] = [];
      for (const signal of signals) {
        const stored = this.insertOne(signal, receivedAt);
        if (stored) fresh.push(stored);
      }
      return fresh;
    });
  }

  /** A commit stores its signals and their decisions in one transaction: none is ever left unapplied. */
  async unapplied(): Promise<Signal[]> {
    return [];
  }

  async get(id: string): Promise<Signal | null> {
    const row = this.conn.statement('SELECT * FROM signals WHERE id = ?').get(id);
    return row ? toSignal(row) : null;
  }

  async listAfter(after: { at: string; id: string } | null, limit: number): Promise<Signal[]> {
    const rows = after
      ? this.conn
          .statement('SELECT * FROM signals WHERE at > ? OR (at = ? AND id > ?) ORDER BY at, id LIMIT ?')
          .all(after.at, after.at, after.id, pageLimit(limit))
      : this.conn.statement('SELECT * FROM signals ORDER BY at, id LIMIT ?').all(pageLimit(limit));
    return rows.map(toSignal);
  }

  async listKind(q: SignalKindQuery): Promise<Signal[]> {
    const where = ['kind = ?'];
    const args: Array<string | number> = [q.kind];
    if (q.service !== undefined) { where.push('service = ?'); args.push(q.service); }
    if (q.host !== undefined) { where.push('host = ?'); args.push(q.host); }
    if (q.from !== undefined) { where.push('at >= ?'); args.push(q.from); }
    if (q.to !== undefined) { where.push('at <= ?'); args.push(q.to); }
    if (q.before !== undefined) { where.push('(at < ? OR (at = ? AND id < ?))'); args.push(q.before.at, q.before.at, q.before.id); }
    const rows = this.conn
      .statement(`SELECT * FROM signals WHERE ${where.join(' AND ')} ORDER BY at DESC, id DESC LIMIT ?`)
      .all(...args, pageLimit(q.limit));
    return rows.map(toSignal);
  }

  async count(): Promise<number> {
    const row = this.conn.statement('SELECT count(*) AS n FROM signals').get();
    return row ? integer(row, 'n') : 0;
  }
}
