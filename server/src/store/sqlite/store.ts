// The embedded store: one SQLite file in the data directory, used when no MONGODB_URL is set.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { CommitBatch, Store } from '../types.ts';
import { SqliteApiTokens, SqliteSessions, SqliteUsers } from './access.ts';
import { SqliteAudit, SqliteCursors, SqliteSettings } from './bookkeeping.ts';
import { SqliteConnection } from './connection.ts';
import { SqliteIncidents } from './incidents.ts';
import { migrate } from './migrations.ts';
import { SqlitePostmortems } from './postmortems.ts';
import { SqliteSignals } from './signals.ts';
import { SqliteTimeline } from './timeline.ts';
import { commitBatch } from './writes.ts';

export const DATABASE_FILE = 'vigil.db';

export interface SqliteStoreOptions {
  /** Fault point for tests: runs before every write of a commit and may throw to abort it. */
  beforeCommitWrite?: () => void;
}

export class SqliteStore implements Store {
  readonly kind = 'embedded' as const;
  readonly file: string;
  private readonly dataDir: string;
  private readonly conn = new SqliteConnection();
  private readonly beforeCommitWrite: (() => void) | undefined;

  readonly signals = new SqliteSignals(this.conn);
  readonly incidents = new SqliteIncidents(this.conn);
  readonly timeline = new SqliteTimeline(this.conn);
  readonly cursors = new SqliteCursors(this.conn);
  readonly postmortems = new SqlitePostmortems(this.conn);
  readonly users = new SqliteUsers(this.conn);
  readonly sessions = new SqliteSessions(this.conn);
  readonly apiTokens = new SqliteApiTokens(this.conn);
  readonly audit = new SqliteAudit(this.conn);
  readonly settings = new SqliteSettings(this.conn);

  constructor(dataDir: string, options: SqliteStoreOptions = {}) {
    this.dataDir = dataDir;
    this.beforeCommitWrite = options.beforeCommitWrite;
    this.file = path.join(dataDir, DATABASE_FILE);
  }

  async init(): Promise<void> {
    if (this.conn.isOpen) return;
    mkdirSync(this.dataDir, { recursive: true });
    const db = this.conn.open(this.file);
    try {
      migrate(db);
    } catch (err) {
      this.conn.close();
      throw err;
    }
  }

  async commit(batch: CommitBatch): Promise<void> {
    commitBatch(this.conn, batch, this.beforeCommitWrite);
  }

  /** A transaction cut short left nothing behind: nothing to finish. */
  async recover(): Promise<void> {}

  async ping(): Promise<void> {
    this.conn.statement('SELECT 1').get();
  }

  async close(): Promise<void> {
    this.conn.close();
  }
}
