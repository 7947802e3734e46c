// The MongoDB store (what docker compose runs). Kept to plain CRUD, indexes and unique keys, with
// no transactions or aggregation, so FerretDB 1.24 can stand in for MongoDB in tests.
import { MongoClient } from 'mongodb';
import type { Logger } from '../../logger.ts';
import { redactUrl } from '../../redact-url.ts';
import { logCaseClashRenames } from '../usernames.ts';
import type { CommitBatch, CommitResult, Store } from '../types.ts';
import { StoreUnavailableError } from '../types.ts';
import { MongoApiTokens, MongoSessions, MongoUsers } from './access.ts';
import { MongoLoginThrottle } from './throttle.ts';
import { MongoAudit, MongoCursors, MongoSettings } from './bookkeeping.ts';
import { collectionsOf, ensureIndexes, MongoHandle } from './collections.ts';
import { backfillAlertHistory, MongoAlerts } from './alerts.ts';
import { AppliedMark, commitBatch } from './commit.ts';
import type { CommitStep } from './commit.ts';
import { MongoConfigs } from './configs.ts';
import { MongoIncidents, MongoTimeline } from './incidents.ts';
import { MongoOutbox } from './outbox.ts';
import { MongoPostmortems } from './postmortems.ts';
import { MongoSignals } from './signals.ts';
import { MongoCluster } from './cluster.ts';
import { ensureUniqueUsernames } from './usernames.ts';

export interface MongoStoreOptions {
  /** Database name; default: the one in the URL path, else `vigil`. */
  dbName?: string;
  /** How long to look for a reachable server before an operation fails. */
  serverSelectionTimeoutMS?: number;
  /** Where start-up findings go (users renamed because their names clashed by case). */
  logger?: Logger;
  /** Fault point for tests: runs after each step of a commit and may throw to abort it there. */
  afterCommitStep?: (step: CommitStep) => void;
}

const DEFAULT_DB_NAME = 'vigil';
const DEFAULT_SERVER_SELECTION_TIMEOUT_MS = 3_000;

/** The URL without credentials, fit for logs and error messages. */
export function redactMongoUrl(url: string): string {
  return redactUrl(url);
}

export function databaseNameFromUrl(url: string): string | undefined {
  const match = /^mongodb(?:\+srv)?:\/\/[^/]*\/([^?]*)/.exec(url);
  const name = match?.[1] ? decodeURIComponent(match[1]) : '';
  return name === '' ? undefined : name;
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export class MongoStore implements Store {
  readonly kind = 'mongodb' as const;
  readonly dbName: string;
  private readonly url: string;
  private readonly serverSelectionTimeoutMS: number;
  private readonly handle = new MongoHandle();
  private client: MongoClient | null = null;
  private readonly log: Logger | undefined;
  private initializing: Promise<void> | null = null;
  private readonly afterCommitStep: (step: CommitStep) => void;

  private readonly mark = new AppliedMark();
  readonly signals = new MongoSignals(this.handle, this.mark);
  readonly incidents = new MongoIncidents(this.handle);
  readonly timeline = new MongoTimeline(this.handle);
  readonly cursors = new MongoCursors(this.handle);
  readonly postmortems = new MongoPostmortems(this.handle);
  readonly users = new MongoUsers(this.handle);
  readonly sessions = new MongoSessions(this.handle);
  readonly apiTokens = new MongoApiTokens(this.handle);
  readonly loginThrottle = new MongoLoginThrottle(this.handle);
  readonly audit = new MongoAudit(this.handle);
  readonly settings = new MongoSettings(this.handle);
  readonly configs = new MongoConfigs(this.handle);
  readonly outbox = new MongoOutbox(this.handle);
  readonly cluster = new MongoCluster(this.handle);
  readonly alerts = new MongoAlerts(this.handle);

  constructor(url: string, options: MongoStoreOptions = {}) {
    this.url = url;
    this.dbName = options.dbName ?? databaseNameFromUrl(url) ?? DEFAULT_DB_NAME;
    this.serverSelectionTimeoutMS = options.serverSelectionTimeoutMS ?? DEFAULT_SERVER_SELECTION_TIMEOUT_MS;
    this.log = options.logger?.child({ module: 'store', kind: 'mongodb' });
    this.afterCommitStep = options.afterCommitStep ?? (() => undefined);
  }

  /** See commit.ts: signals first, then the decisions, then the mark; a crash leaves signals `unapplied()` gives back. */
  async commit(batch: CommitBatch): Promise<CommitResult> {
    return commitBatch(this.handle.collections, batch, this.mark, this.afterCommitStep);
  }

  init(): Promise<void> {
    if (this.client) return Promise.resolve();
    this.initializing ??= this.connect().finally(() => {
      this.initializing = null;
    });
    return this.initializing;
  }

  /** A fresh client per attempt: the caller retries init after a failure, and a failed client is closed. */
  private async connect(): Promise<void> {
    const client = new MongoClient(this.url, {
      serverSelectionTimeoutMS: this.serverSelectionTimeoutMS,
      ignoreUndefined: true,
      appName: 'vigil',
    });
    try {
      await client.connect();
      await client.db(this.dbName).command({ ping: 1 });
    } catch (err) {
      await client.close().catch(() => undefined);
      throw new StoreUnavailableError(`cannot reach MongoDB at ${redactMongoUrl(this.url)}: ${describe(err)}`, { cause: err });
    }
    const collections = collectionsOf(client.db(this.dbName));
    try {
      await ensureIndexes(collections);
      const backfilled = await backfillAlertHistory(collections);
      if (backfilled > 0) this.log?.info({ alertSignals: backfilled }, 'alert history built from the stored alert signals');
      const renamed = await ensureUniqueUsernames(collections);
      if (this.log) logCaseClashRenames(renamed, this.log);
    } catch (err) {
      await client.close().catch(() => undefined);
      throw new Error(`cannot create the MongoDB indexes in database ${this.dbName}: ${describe(err)}`, { cause: err });
    }
    this.client = client;
    this.handle.set(collections);
  }

  async ping(): Promise<void> {
    if (!this.client) throw new StoreUnavailableError('the MongoDB store is not connected');
    await this.client.db(this.dbName).command({ ping: 1 });
  }

  async close(): Promise<void> {
    await this.initializing?.catch(() => undefined);
    const client = this.client;
    this.client = null;
    this.handle.set(null);
    await client?.close();
  }
}
