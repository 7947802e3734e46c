// Reads in write order (recorded_at, id), as the by_write indexes hold it: the socket.io sync's
// "what changed since", for incidents and timeline entries alike.
import { pageLimit } from '../records.ts';
import type { WritePosition, Written } from '../types.ts';
import type { Row, SqliteConnection } from './connection.ts';
import { text } from './connection.ts';

/** Written at or after `since` and, when paging, strictly after the last position handed out. */
export function writtenSince<T>(
  conn: SqliteConnection,
  table: 'incidents' | 'timeline_entries',
  toItem: (row: Row) => T,
  page: { since: string; limit: number; after: WritePosition | undefined },
): Array<Written<T>> {
  const { since, after } = page;
  const limit = pageLimit(page.limit);
  const rows = after
    ? conn.statement(`SELECT * FROM ${table} WHERE recorded_at >= ? AND (recorded_at, id) > (?, ?)
                      ORDER BY recorded_at, id LIMIT ?`).all(since, after.recordedAt, after.id, limit)
    : conn.statement(`SELECT * FROM ${table} WHERE recorded_at >= ? ORDER BY recorded_at, id LIMIT ?`).all(since, limit);
  return rows.map((row) => ({ item: toItem(row), recordedAt: text(row, 'recorded_at') }));
}
