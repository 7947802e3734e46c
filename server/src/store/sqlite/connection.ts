// One open node:sqlite database shared by the repositories, with a statement cache that lives
// exactly as long as the handle (statements of a closed handle must never be reused).
import { DatabaseSync } from 'node:sqlite';
import type { SQLOutputValue, StatementSync } from 'node:sqlite';
import { StoreUnavailableError } from '../types.ts';

export type Row = Record<string, SQLOutputValue>;

const BUSY_TIMEOUT_MS = 5_000;

export class SqliteConnection {
  private db: DatabaseSync | null = null;
  private readonly statements = new Map<string, StatementSync>();

  open(file: string): DatabaseSync {
    if (this.db) return this.db;
    const db = new DatabaseSync(file);
    try {
      // WAL lets readers run beside the writer. NORMAL in WAL mode survives a crash of the process;
      // only an OS crash or power loss can lose the last commits, traded for not syncing every write.
      db.exec('PRAGMA journal_mode = WAL');
      db.exec('PRAGMA synchronous = NORMAL');
      // Another process on the same file (a second Vigil, a backup tool) waits instead of failing.
      db.exec(`PRAGMA busy_timeout = ${BUSY_TIMEOUT_MS}`);
      // Checkpoints every ~32 MB of WAL rather than SQLite's 4 MB: a storm's commits write the same
      // index pages again and again, and each checkpoint writes them to the file once (ingest +15 %).
      db.exec('PRAGMA wal_autocheckpoint = 8000');
    } catch (err) {
      db.close();
      throw err;
    }
    this.db = db;
    return db;
  }

  get isOpen(): boolean {
    return this.db !== null;
  }

  get handle(): DatabaseSync {
    if (!this.db) throw new StoreUnavailableError('the embedded store is not open (init() has not run or close() was called)');
    return this.db;
  }

  statement(sql: string): StatementSync {
    let statement = this.statements.get(sql);
    if (!statement) {
      statement = this.handle.prepare(sql);
      this.statements.set(sql, statement);
    }
    return statement;
  }

  /** BEGIN IMMEDIATE takes the write lock up front, so a read-then-write inside cannot be raced. */
  transaction<T>(work: () => T): T {
    const db = this.handle;
    db.exec('BEGIN IMMEDIATE');
    try {
      const result = work();
      db.exec('COMMIT');
      return result;
    } catch (err) {
      if (db.isTransaction) db.exec('ROLLBACK');
      throw err;
    }
  }

  close(): void {
    this.statements.clear();
    this.db?.close();
    this.db = null;
  }
}

export function text(row: Row, column: string): string {
  const value = row[column];
  if (typeof value !== 'string') throw new Error(`column ${column} is not text`);
  return value;
}

export function optionalText(row: Row, column: string): string | undefined {
  const value = row[column];
  if (value === null || value === undefined) return undefined;
  if (typeof value !== 'string') throw new Error(`column ${column} is not text`);
  return value;
}

export function nullableText(row: Row, column: string): string | null {
  return optionalText(row, column) ?? null;
}

export function integer(row: Row, column: string): number {
  const value = row[column];
  if (typeof value === 'bigint') return Number(value);
  if (typeof value !== 'number') throw new Error(`column ${column} is not a number`);
  return value;
}

const SQLITE_CONSTRAINT_PRIMARYKEY = 1555;
const SQLITE_CONSTRAINT_UNIQUE = 2067;

/** A write refused by a primary key or a unique index. */
export function isUniqueViolation(err: unknown): boolean {
  return err instanceof Error && 'errcode' in err &&
    (err.errcode === SQLITE_CONSTRAINT_UNIQUE || err.errcode === SQLITE_CONSTRAINT_PRIMARYKEY);
}

export function optionalInteger(row: Row, column: string): number | undefined {
  const value = row[column];
  if (value === null || value === undefined) return undefined;
  return integer(row, column);
}

/** Optional fields bind as NULL: node:sqlite refuses `undefined`. */
export function orNull(value: string | undefined): string | null {
  return value ?? null;
}
