// The sign-in throttle's counts (auth/login-throttle.ts keeps the rules). One process owns the
// file (the data-dir lock), and each update reads and writes without yielding, so it is atomic.
import type { LoginThrottleRepository, ThrottleEntry } from '../types.ts';
import type { Row, SqliteConnection } from './connection.ts';
import { integer, text } from './connection.ts';

function toEntry(row: Row): ThrottleEntry {
  const failures: unknown = JSON.parse(text(row, 'failures'));
  return {
    failures: Array.isArray(failures) ? failures.filter((f): f is number => typeof f === 'number') : [],
    lockedUntil: integer(row, 'locked_until'),
    expiresAt: integer(row, 'expires_at'),
  };
}

export class SqliteLoginThrottle implements LoginThrottleRepository {
  private readonly conn: SqliteConnection;

  constructor(conn: SqliteConnection) {
    this.conn = conn;
  }

  async get(key: string): Promise<ThrottleEntry | null> {
    const row = this.conn.statement('SELECT * FROM login_throttle WHERE key = ?').get(key);
    return row ? toEntry(row) : null;
  }

  async update<T>(key: string, change: (current: ThrottleEntry | null) => { entry: ThrottleEntry | null; result: T }): Promise<T> {
    const row = this.conn.statement('SELECT * FROM login_throttle WHERE key = ?').get(key);
    const { entry, result } = change(row ? toEntry(row) : null);
    if (entry === null) {
      this.conn.statement('DELETE FROM login_throttle WHERE key = ?').run(key);
    } else {
      this.conn.statement(`
        INSERT INTO login_throttle (key, failures, locked_until, expires_at) VALUES (?, ?, ?, ?)
        ON CONFLICT (key) DO UPDATE SET failures = excluded.failures, locked_until = excluded.locked_until, expires_at = excluded.expires_at`)
        .run(key, JSON.stringify(entry.failures), entry.lockedUntil, entry.expiresAt);
    }
    return result;
  }

  async delete(key: string): Promise<void> {
    this.conn.statement('DELETE FROM login_throttle WHERE key = ?').run(key);
  }

  async prune(now: number, maxKeys: number): Promise<number> {
    const expired = Number(this.conn.statement('DELETE FROM login_throttle WHERE expires_at <= ?').run(now).changes);
    const overflow = Number(this.conn.statement(`
      DELETE FROM login_throttle WHERE key IN (
        SELECT key FROM login_throttle ORDER BY expires_at DESC, key DESC LIMIT -1 OFFSET ?
      )`).run(maxKeys).changes);
    return expired + overflow;
  }

  async count(): Promise<number> {
    const row = this.conn.statement('SELECT count(*) AS n FROM login_throttle').get();
    return row ? integer(row, 'n') : 0;
  }
}
