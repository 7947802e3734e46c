// The collections and their indexes. Indexes are created at init; createIndex with the same name
// and keys is a no-op, so every start re-asserts them.
import type { Collection, Db, IndexDirection } from 'mongodb';
import { MongoBulkWriteError, MongoServerError } from 'mongodb';
import { StoreUnavailableError } from '../types.ts';
import type {
  AlertDoc, AlertIncidentDoc, AlertPeriodDoc, ApiTokenDoc, AuditDoc, ConfigDocument, CursorDoc, IncidentAliasDoc, IncidentDoc, LeaseDoc, LoginThrottleDoc, OutboxDoc, PostmortemDoc, SessionDoc, SettingDoc, SignalDoc, TimelineDoc, UserDoc,
} from './documents.ts';

export interface Collections {
  signals: Collection<SignalDoc>;
  incidents: Collection<IncidentDoc>;
  incidentAliases: Collection<IncidentAliasDoc>;
  timeline: Collection<TimelineDoc>;
  cursors: Collection<CursorDoc>;
  postmortems: Collection<PostmortemDoc>;
  users: Collection<UserDoc>;
  sessions: Collection<SessionDoc>;
  apiTokens: Collection<ApiTokenDoc>;
  loginThrottle: Collection<LoginThrottleDoc>;
  audit: Collection<AuditDoc>;
  settings: Collection<SettingDoc>;
  configs: Collection<ConfigDocument>;
  outbox: Collection<OutboxDoc>;
  /** Several replicas (cluster/README.md): the leader lease, and the queue of followers' signals. */
  leases: Collection<LeaseDoc>;
  forwarded: Collection<SignalDoc>;
  /** Alert history (store/alerts.ts). */
  alerts: Collection<AlertDoc>;
  alertPeriods: Collection<AlertPeriodDoc>;
  alertIncidents: Collection<AlertIncidentDoc>;
}

export function collectionsOf(db: Db): Collections {
  return {
    signals: db.collection<SignalDoc>('signals'),
    incidents: db.collection<IncidentDoc>('incidents'),
    incidentAliases: db.collection<IncidentAliasDoc>('incident_aliases'),
    timeline: db.collection<TimelineDoc>('timeline'),
    cursors: db.collection<CursorDoc>('cursors'),
    postmortems: db.collection<PostmortemDoc>('postmortems'),
    users: db.collection<UserDoc>('users'),
    sessions: db.collection<SessionDoc>('sessions'),
    apiTokens: db.collection<ApiTokenDoc>('api_tokens'),
    loginThrottle: db.collection<LoginThrottleDoc>('login_throttle'),
    audit: db.collection<AuditDoc>('audit'),
    settings: db.collection<SettingDoc>('settings'),
    configs: db.collection<ConfigDocument>('config_docs'),
    outbox: db.collection<OutboxDoc>('outbox'),
    leases: db.collection<LeaseDoc>('cluster_terms'),
    forwarded: db.collection<SignalDoc>('forwarded_signals'),
    alerts: db.collection<AlertDoc>('alerts'),
    alertPeriods: db.collection<AlertPeriodDoc>('alert_periods'),
    alertIncidents: db.collection<AlertIncidentDoc>('alert_incidents'),
  };
}

interface IndexSpec {
  collection: keyof Collections;
  name: string;
  keys: Record<string, IndexDirection>;
  unique?: boolean;
  /** Only documents that have the field: a unique key that is often absent. FerretDB 1.24 ignores it (its SQL indexes skip NULLs anyway). */
  sparse?: boolean;
}

// Signal, timeline entry, cursor, user id, session, token id and setting uniqueness all come from
// `_id`, which MongoDB indexes by itself.
const INDEXES: readonly IndexSpec[] = [
  { collection: 'signals', name: 'by_position', keys: { at: 1, _id: 1 } },
  { collection: 'signals', name: 'by_kind', keys: { kind: 1, at: 1, _id: 1 } },
  { collection: 'incidents', name: 'newest_first', keys: { openedAt: -1, _id: -1 } },
  { collection: 'incidents', name: 'by_service', keys: { service: 1, host: 1, status: 1 } },
  { collection: 'incidents', name: 'by_status', keys: { status: 1, openedAt: -1, _id: -1 } },
  { collection: 'incidents', name: 'by_last_event', keys: { lastEventAt: 1, _id: 1 } },
  { collection: 'timeline', name: 'by_incident', keys: { incidentId: 1, at: 1, _id: 1 } },
  { collection: 'timeline', name: 'by_time', keys: { at: 1, _id: 1 } },
  { collection: 'incidents', name: 'by_write', keys: { recordedAt: 1, _id: 1 } },
  { collection: 'timeline', name: 'by_write', keys: { recordedAt: 1, _id: 1 } },
  // Two saves of the same version race on this index: exactly one insert wins.
  { collection: 'postmortems', name: 'incident_version', keys: { incidentId: 1, version: 1 }, unique: true },
  { collection: 'users', name: 'username', keys: { username: 1 }, unique: true },
  { collection: 'sessions', name: 'by_user', keys: { userId: 1 } },
  { collection: 'sessions', name: 'by_expiry', keys: { expiresAt: 1 } },
  { collection: 'apiTokens', name: 'token_hash', keys: { tokenHash: 1 }, unique: true },
  { collection: 'apiTokens', name: 'by_creator', keys: { createdBy: 1 } },
  { collection: 'loginThrottle', name: 'by_key', keys: { key: 1, v: -1 } },
  { collection: 'loginThrottle', name: 'by_expiry', keys: { expiresAt: 1, _id: 1 } },
  { collection: 'audit', name: 'newest_first', keys: { at: -1, _id: -1 } },
  { collection: 'signals', name: 'by_store_time', keys: { storedAt: 1, _id: 1 } },
  { collection: 'leases', name: 'by_term', keys: { term: -1 } },
  // Paging. A config version's uniqueness is its `_id`, JSON of [kind, id, version] (configs.ts).
  { collection: 'configs', name: 'by_id', keys: { kind: 1, id: 1, version: -1 } },
  { collection: 'configs', name: 'in_order', keys: { kind: 1, updatedAt: 1, id: 1 } },
  { collection: 'outbox', name: 'due', keys: { state: 1, nextAttemptAt: 1, _id: 1 } },
  { collection: 'outbox', name: 'by_incident', keys: { incidentIds: 1, createdAt: 1, _id: 1 } },
  { collection: 'outbox', name: 'by_channel', keys: { channelId: 1, createdAt: -1, _id: -1 } },
  // Small (what followers handed in and the leader has not taken yet): read in arrival order.
  { collection: 'forwarded', name: 'in_order', keys: { receivedAt: 1, _id: 1 } },
  // Alert history: newest first, filtered by service, name or label pairs; an alert's periods and incidents.
  { collection: 'alerts', name: 'newest_first', keys: { lastAt: -1, _id: -1 } },
  { collection: 'alerts', name: 'by_service', keys: { service: 1, lastAt: -1, _id: -1 } },
  { collection: 'alerts', name: 'by_name', keys: { alertname: 1, lastAt: -1, _id: -1 } },
  { collection: 'alerts', name: 'by_label', keys: { labelPairs: 1 } },
  { collection: 'alertPeriods', name: 'by_alert', keys: { fingerprint: 1, startsAt: -1 } },
  { collection: 'alertIncidents', name: 'by_alert', keys: { fingerprint: 1, at: -1, incidentId: -1 } },
  { collection: 'outbox', name: 'ack_token_hash', keys: { ackTokenHash: 1 }, unique: true, sparse: true },
];

export async function ensureIndexes(collections: Collections): Promise<void> {
  for (const spec of INDEXES) {
    await collections[spec.collection].createIndex(spec.keys, { name: spec.name, ...(spec.unique ? { unique: true } : {}), ...(spec.sparse ? { sparse: true } : {}) });
  }
}

/** MongoDB's error code for a write refused by a unique index (`_id` included). */
export const DUPLICATE_KEY = 11000;

export function isDuplicateKey(err: unknown): boolean {
  return err instanceof MongoServerError && err.code === DUPLICATE_KEY;
}

/** Runs an insert; false when a unique index already holds its key (the write is then a no-op). */
export async function insertedOnce(insert: () => Promise<unknown>): Promise<boolean> {
  try {
    await insert();
    return true;
  } catch (err) {
    if (isDuplicateKey(err)) return false;
    throw err;
  }
}

/** An unordered insert; the indexes of the documents that were there already. Any other failure throws. */
export async function insertNew(insert: () => Promise<unknown>): Promise<Set<number>> {
  try {
    await insert();
    return new Set();
  } catch (err) {
    if (!(err instanceof MongoBulkWriteError)) throw err;
    const writeErrors = Array.isArray(err.writeErrors) ? err.writeErrors : [err.writeErrors];
    if (writeErrors.length === 0 || writeErrors.some((e) => e.code !== DUPLICATE_KEY)) throw err;
    return new Set(writeErrors.map((e) => e.index));
  }
}

/** Holds the live collections once init has connected; repositories reach them through here. */
export class MongoHandle {
  private current: Collections | null = null;

  set(collections: Collections | null): void {
    this.current = collections;
  }

  get collections(): Collections {
    if (!this.current) throw new StoreUnavailableError('the MongoDB store is not connected (init() has not succeeded or close() was called)');
    return this.current;
  }
}
