// The embedded store: one SQLite file in the data directory, used when no MONGODB_URL is set, by
// one Vigil at a time (lock.ts).
import path from 'node:path';
import type { Logger } from '../../logger.ts';
import { logCaseClashRenames } from '../usernames.ts';
import type { CommitBatch, CommitResult, Store } from '../types.ts';
import { SqliteAlerts } from './alerts.ts';
import { SqliteApiTokens, SqliteSessions, SqliteUsers } from './access.ts';
import { SqliteAudit, SqliteCursors, SqliteSettings } from './bookkeeping.ts';
import { SqliteConfigs } from './configs.ts';
import { SqliteConnection } from './connection.ts';
import { secureDatabaseFiles, secureDataDir } from './files.ts';
import { SqliteIncidents } from './incidents.ts';
import { DataDirLock } from './lock.ts';
import { caseClashRenames, migrate } from './migrations.ts';
import { SqliteOutbox } from './outbox.ts';
import { SqlitePostmortems } from './postmortems.ts';
import { SqliteSignals } from './signals.ts';
import { SqliteLoginThrottle } from './throttle.ts';
import { SqliteTimeline } from './timeline.ts';
import { commitBatch } from './writes.ts';

export const DATABASE_FILE = 'vigil.db';

export interface SqliteStoreOptions {
  /** Where start-up findings go (files tightened, users renamed by a migration). */
  logger?: Logger;
  /** Fault point for tests: runs before every write of a commit and may throw to abort it. */
  beforeCommitWrite?: () => void;
}

export class SqliteStore implements Store {
  readonly kind = 'embedded' as const;
  readonly file: string;
  private readonly dataDir: string;
  private readonly conn = new SqliteConnection();
  private readonly log: Logger | undefined;
  private readonly beforeCommitWrite: (() => void) | undefined;
  private lock: DataDirLock | undefined;

  readonly signals = new SqliteSignals(this.conn);
  readonly incidents = new SqliteIncidents(this.conn);
  readonly timeline = new SqliteTimeline(this.conn);
  readonly cursors = new SqliteCursors(this.conn);
  readonly postmortems = new SqlitePostmortems(this.conn);
  readonly users = new SqliteUsers(this.conn);
  readonly sessions = new SqliteSessions(this.conn);
  readonly apiTokens = new SqliteApiTokens(this.conn);
  readonly loginThrottle = new SqliteLoginThrottle(this.conn);
  readonly audit = new SqliteAudit(this.conn);
  readonly settings = new SqliteSettings(this.conn);
  readonly configs = new SqliteConfigs(this.conn);
  readonly outbox = new SqliteOutbox(this.conn);
  readonly alerts = new SqliteAlerts(this.conn);

  constructor(dataDir: string, options: SqliteStoreOptions = {}) {
    this.dataDir = dataDir;
    this.log = options.logger?.child({ module: 'store', kind: 'embedded' });
    this.beforeCommitWrite = options.beforeCommitWrite;
    this.file = path.join(dataDir, DATABASE_FILE);
  }

  /**
   * Makes DATA_DIR (0700) and takes it for this process, or throws DataDirInUseError naming the
   * Vigil that holds it (lock.ts); close() gives it back. The Vigil process does this first
   * (main.ts); a store opened only to read the data (a test, a tool) does not take it.
   */
  claimDataDir(): void {
    if (this.lock) return;
    secureDataDir(this.dataDir, this.log);
    this.lock = DataDirLock.acquire(this.dataDir, this.log);
  }

  async init(): Promise<void> {
    if (this.conn.isOpen) return;
    secureDataDir(this.dataDir, this.log);
    secureDatabaseFiles(this.file, this.log);
    const db = this.conn.open(this.file);
    try {
      const applied = migrate(db);
      if (this.log && applied.includes(5)) logCaseClashRenames(caseClashRenames(db), this.log);
    } catch (err) {
      this.conn.close();
      throw err;
    }
  }

  async commit(batch: CommitBatch): Promise<CommitResult> {
    return commitBatch(this.conn, batch, this.beforeCommitWrite);
  }

  async ping(): Promise<void> {
    this.conn.statement('SELECT 1').get();
  }

  async close(): Promise<void> {
    this.conn.close();
    this.lock?.release();
    this.lock = undefined;
  }
}
