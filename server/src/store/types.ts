// The repository interface. Two implementations: MongoDB (store/mongo) and embedded SQLite
// (store/sqlite). One contract test suite runs against both.
import type { ApiToken, AuditRecord, DeliveryState, Incident, IncidentStatus, Page, PageEvent, PublicUser, StoreKind, TimelineEntry } from '../contract/index.ts';
import type { Decision } from '../domain/decision.ts';
import type { Signal } from '../domain/signal.ts';
import type { AlertRepository } from './alerts.ts';

// Records the API sends as they are stored are the contract's own shapes.
export type { AuditRecord, Page, StoreKind } from '../contract/index.ts';

/** A user as stored: the public fields (contract `toPublicUser` keeps only those) and the secrets. */
export interface UserRecord extends PublicUser {
  passwordHash: string;
  disabled?: boolean;
  /** Set when an admin deleted the user: the record stays so the name is never given to someone else. */
  deletedAt?: string;
}

/** What `users.update` may change. */
export interface UserPatch {
  disabled?: boolean;
  passwordHash?: string;
  deletedAt?: string;
}

export interface SessionRecord {
  /** sha256 of the cookie value; the cookie value itself is never stored. */
  idHash: string;
  userId: string;
  csrfToken: string;
  createdAt: string;
  expiresAt: string;
  ip?: string;
}

/** A token as stored: what the API lists (contract `toApiToken`) and the token's hash. */
export interface ApiTokenRecord extends ApiToken {
  /** sha256 of the token; the token is shown once at creation. */
  tokenHash: string;
}

export interface PostmortemVersion {
  incidentId: string;
  version: number;
  markdown: string;
  author: string;
  savedAt: string;
}

export interface IncidentQuery {
  status?: IncidentStatus | 'active' | 'all';
  service?: string;
  limit: number;
  /** Opaque cursor from a previous page; one the store did not hand out → InvalidCursorError. */
  cursor?: string;
}

/** A place in write order: the server's clock when a record was written, and the record's id. */
export interface WritePosition {
  recordedAt: string;
  id: string;
}

/** A record with the position it holds in write order (for socket.io sync pages). */
export interface Written<T> {
  item: T;
  recordedAt: string;
}

export interface SignalKindQuery {
  kind: string;
  service?: string;
  host?: string;
  /** Inclusive bounds on `at` (ISO). */
  from?: string;
  to?: string;
  before?: { at: string; id: string };
  limit: number;
}

export type SaveResult = { ok: true; version: number } | { ok: false; currentVersion: number };

export interface SignalRepository {
  /** Idempotent by `signal.id`: true when newly stored, false when it was already there. */
  insert(signal: Signal): Promise<boolean>;
  /** Idempotent by id; returns the signals that were new, in input order. */
  insertMany(signals: Signal[]): Promise<Signal[]>;
  /**
   * Signals a crash left stored without the decisions they cause (MongoDB, between its two writes of
   * a commit; never on the embedded store), oldest first. The engine takes them in when it is
   * restored; the next commit marks them applied.
   */
  unapplied(): Promise<Signal[]>;
  get(id: string): Promise<Signal | null>;
  /** Signals ordered by (at, id), strictly after the given position. */
  listAfter(after: { at: string; id: string } | null, limit: number): Promise<Signal[]>;
  /** Signals of one kind, newest first (at desc, id desc), strictly before `before` when paging (GET /api/changes). */
  listKind(query: SignalKindQuery): Promise<Signal[]>;
  count(): Promise<number>;
}

export interface IncidentRepository {
  upsert(incident: Incident): Promise<void>;
  get(id: string): Promise<Incident | null>;
  /** Newest first (openedAt desc, id desc). `active` = everything not resolved. */
  list(query: IncidentQuery): Promise<Page<Incident>>;
  /** The open (not resolved) incident of a service on a host, if any. */
  findActive(service: string, host: string): Promise<Incident | null>;
  /**
   * Deletes an incident and its timeline. Only the engine does this, when signals that arrived out
   * of order show the incident was part of another one; the signals themselves stay stored.
   */
  remove(id: string): Promise<boolean>;
  /**
   * Where an incident the engine removed went (its `incident:remove` decision's `replacedBy`),
   * following later merges to an incident that exists; null when it was never replaced (or where
   * it went is gone too). Ask only for an id `get` does not find: an incident that exists again
   * after a later re-derivation may still have an alias. What keeps a link to an incident working after signals arriving late re-derive it.
   */
  successor(id: string): Promise<string | null>;
  /**
   * Incidents written (by the server's clock) at or after `since`, for socket.io sync, in write
   * order (recordedAt, id); with `after`, only those strictly after that position, so a sync can
   * page without skipping or repeating writes that share a millisecond. By write time, not
   * lastEventAt: an entry with an older event time (an alert's startsAt, a replayed Docker event)
   * still changes its incident while a browser is away.
   */
  changedSince(since: string, limit: number, after?: WritePosition): Promise<Array<Written<Incident>>>;
}

export interface TimelineRepository {
  /** Idempotent by `entry.id`: true when newly stored. */
  append(entry: TimelineEntry): Promise<boolean>;
  /** Deletes one entry (the engine re-derived it, e.g. a burst grew); true when it existed. */
  remove(id: string): Promise<boolean>;
  /** Entries of several incidents (each in time order), read at once: what a restart reads for every active incident. */
  forIncidents(incidentIds: readonly string[]): Promise<TimelineEntry[]>;
  /** Entries of one incident in time order (at asc, id asc). */
  forIncident(incidentId: string): Promise<TimelineEntry[]>;
  /** Entries stored (by the server's clock) at or after `since` (and strictly after `after`), in write order (for socket.io sync). */
  since(since: string, limit: number, after?: WritePosition): Promise<Array<Written<TimelineEntry>>>;
}

export interface CursorRepository {
  get(source: string, host: string): Promise<string | null>;
  set(source: string, host: string, value: string): Promise<void>;
}

export interface PostmortemRepository {
  latest(incidentId: string): Promise<PostmortemVersion | null>;
  versions(incidentId: string): Promise<PostmortemVersion[]>;
  /** Saves version `expectedVersion + 1`; refuses when the latest is not `expectedVersion` (0 = none yet). */
  save(input: { incidentId: string; markdown: string; author: string; expectedVersion: number; savedAt: string }): Promise<SaveResult>;
}

export interface UserRepository {
  /** Fails with StoreConflictError when the username is taken, regardless of case (store/usernames.ts). */
  create(user: UserRecord): Promise<void>;
  /** Regardless of case: "ADMIN" finds "admin". */
  byUsername(username: string): Promise<UserRecord | null>;
  byId(id: string): Promise<UserRecord | null>;
  list(): Promise<UserRecord[]>;
  count(): Promise<number>;
  /** False when there is no such user (or it is deleted: a deleted user never changes again). */
  update(id: string, patch: UserPatch): Promise<boolean>;
}

export interface SessionRepository {
  create(session: SessionRecord): Promise<void>;
  get(idHash: string): Promise<SessionRecord | null>;
  delete(idHash: string): Promise<void>;
  /** Every session of the user but `except` (an idHash), if given. */
  deleteForUser(userId: string, except?: string): Promise<number>;
  deleteExpired(now: string): Promise<number>;
}

export interface ApiTokenRepository {
  create(token: ApiTokenRecord): Promise<void>;
  byHash(tokenHash: string): Promise<ApiTokenRecord | null>;
  list(): Promise<ApiTokenRecord[]>;
  revoke(id: string, at: string): Promise<boolean>;
  /** Revokes every token `createdBy` made (its creator was deleted); returns the ids revoked. */
  revokeCreatedBy(createdBy: string, at: string): Promise<string[]>;
  /** Records a use of the token. */
  touch(id: string, at: string): Promise<void>;
}

/** One sign-in throttle key's failures (ms since the epoch): auth/login-throttle.ts keeps the rules. */
export interface ThrottleEntry {
  failures: number[];
  lockedUntil: number;
  /** When the entry no longer matters (its last failure left the window and its lock ended): prunable. */
  expiresAt: number;
}

export interface LoginThrottleRepository {
  get(key: string): Promise<ThrottleEntry | null>;
  /**
   * Reads the entry, applies `change` and stores what it returns (null deletes), safely against
   * another replica changing the same key at the same time (`change` may then run again).
   */
  update<T>(key: string, change: (current: ThrottleEntry | null) => { entry: ThrottleEntry | null; result: T }): Promise<T>;
  delete(key: string): Promise<void>;
  /** Deletes the entries expired at `now`, then the soonest to expire beyond `maxKeys`; returns how many. */
  prune(now: number, maxKeys: number): Promise<number>;
  count(): Promise<number>;
}

export interface AuditRepository {
  append(record: AuditRecord): Promise<void>;
  /** Newest first (at desc, id desc); `before` keeps records with `at` strictly earlier than it. */
  /**
   * Newest first (at desc, id desc). `before` (with `beforeId`, the last record of the previous
   * page) continues strictly after that record, so records sharing a millisecond are never skipped.
   */
  list(query: { limit: number; before?: string; beforeId?: string }): Promise<AuditRecord[]>;
}

export interface SettingRepository {
  get(key: string): Promise<string | null>;
  /** Stores the value only when the key is absent; returns what is stored afterwards. */
  setIfAbsent(key: string, value: string): Promise<string>;
  /** Stores the value, replacing any (an admin's setting, e.g. the longest Alertmanager silence). */
  put(key: string, value: string): Promise<void>;
}

/** What paging keeps as documents an admin edits: one kind per record type (paging/README.md). */
export const CONFIG_KINDS = ['channel', 'policy', 'schedule', 'maintenance', 'contact'] as const;
export type ConfigKind = (typeof CONFIG_KINDS)[number];

export interface ConfigDoc {
  kind: ConfigKind;
  id: string;
  /** JSON-serializable; a channel's secrets are already encrypted in it (paging/secrets.ts). */
  body: Record<string, unknown>;
  /** 1 on create, +1 on each put. */
  version: number;
  updatedAt: string;
}

/** A few hundred per kind at most (admin-made); `list` answers at most `CONFIG_LIST_LIMIT`. */
export const CONFIG_LIST_LIMIT = 1000;

export interface ConfigRepository {
  /** Oldest first (id order within one updatedAt is fine); at most CONFIG_LIST_LIMIT. */
  list(kind: ConfigKind): Promise<ConfigDoc[]>;
  get(kind: ConfigKind, id: string): Promise<ConfigDoc | null>;
  count(kind: ConfigKind): Promise<number>;
  /**
   * Creates (`expectedVersion` 0: refused when the id exists) or replaces version `expectedVersion`
   * (refused when the stored one is another); the stored version is then `expectedVersion + 1`.
   */
  put(doc: { kind: ConfigKind; id: string; body: Record<string, unknown>; updatedAt: string }, expectedVersion: number): Promise<SaveResult>;
  delete(kind: ConfigKind, id: string): Promise<boolean>;
}

/** One message to one channel: the outbox row, durable before any attempt (paging/README.md). */
export interface OutboxRecord {
  /** The delivery id: derived from what the page is (incident, policy, round, step, target), so enqueueing twice is once. */
  id: string;
  channelId: string;
  /** The person this page is for (a user target or a schedule's on-call). */
  userId?: string;
  /** Usually one; a digest lists several. */
  incidentIds: string[];
  event: PageEvent;
  step?: number;
  /** The rendered message (paging/message.ts PageMessage); sent as is on every attempt. */
  message: Record<string, unknown>;
  state: DeliveryState;
  attempts: number;
  createdAt: string;
  /** When the next attempt is due (pending only). */
  nextAttemptAt: string;
  deliveredAt?: string;
  lastError?: string;
  lastStatus?: number;
  /** sha256 of the ack link's token, when the page carries one. */
  ackTokenHash?: string;
  ackExpiresAt?: string;
}

export interface OutboxUpdate {
  state: DeliveryState;
  attempts: number;
  nextAttemptAt?: string;
  deliveredAt?: string;
  lastError?: string;
  lastStatus?: number;
}

export interface OutboxRepository {
  /**
   * Idempotent by id: returns the records that were new, in input order. All or nothing (MongoDB,
   * without transactions: a refused batch is removed again; a crash midway may leave part of it,
   * which enqueueing the batch again completes).
   */
  enqueue(records: readonly OutboxRecord[]): Promise<OutboxRecord[]>;
  get(id: string): Promise<OutboxRecord | null>;
  /** Pending records with nextAttemptAt <= now, earliest first, at most `limit`. */
  due(now: string, limit: number): Promise<OutboxRecord[]>;
  /** The earliest nextAttemptAt of any pending record, or null. */
  nextDue(): Promise<string | null>;
  /**
   * Records the outcome of an attempt; false when the id is unknown. The outcome replaces the last
   * one: `deliveredAt`, `lastError` and `lastStatus` left out are cleared; `nextAttemptAt` left out
   * keeps its value.
   */
  update(id: string, update: OutboxUpdate): Promise<boolean>;
  /** Every record that names this incident, oldest first (createdAt, id), at most `limit`. */
  forIncident(incidentId: string, limit: number): Promise<OutboxRecord[]>;
  byAckTokenHash(hash: string): Promise<OutboxRecord | null>;
  /** Records of a channel, newest first (createdAt desc), at most `limit`: what the banner reads. */
  recentForChannel(channelId: string, limit: number): Promise<OutboxRecord[]>;
  /** Every pending record of these incidents with one of these events becomes `cancelled`; the count. */
  cancelPending(incidentId: string, events: readonly PageEvent[]): Promise<number>;
}

export interface CursorUpdate {
  source: string;
  host: string;
  value: string;
}

/**
 * What one ingest commit stores: the signals it was given that the store did not have yet (with
 * `receivedAt`), the decisions `decide` derives from exactly those (coalesced: at most one per
 * incident and per entry), and the source cursors they move.
 */
export interface CommitBatch {
  signals: readonly Signal[];
  /** Called once, synchronously, with the signals that were new. A throw stores nothing of the batch. */
  decide(fresh: readonly Signal[]): Decision[];
  cursors?: readonly CursorUpdate[];
  /**
   * Several replicas: resolves while this replica still leads, throws (NotLeaderError) once another
   * leads. Called before anything is written and again before the decisions are; a batch refused
   * after its signals went in hands them to the forwarded queue and takes them out again, so the
   * leader that is current applies them (cluster/README.md).
   */
  fence?: () => Promise<void>;
}

export interface CommitResult {
  /** The signals of the batch that were new, in the order given. */
  fresh: Signal[];
  decisions: Decision[];
}

/** The leader lease (cluster/lease.ts): one document; `term` grows by one with every new holder. */
export interface LeaseRecord {
  holder: string;
  /** Where the other replicas reach the holder (REPLICA_URL), for what only the leader can answer. */
  holderUrl?: string;
  term: number;
  /** By the holder's clock; past it, another replica may take the lease. */
  expiresAt: string;
}

/** What several replicas share beyond the records: the lease, and the signals followers hand to the leader. */
export interface ClusterStore {
  readLease(): Promise<LeaseRecord | null>;
  /**
   * Takes the lease when there is none (`seenTerm` null), or when it is still at `seenTerm` and
   * expired before `now` or names this holder (a process before this one under the same name): the
   * next term is claimed by one atomic write (MongoDB: inserting that term's document), so of
   * replicas trying at once exactly one wins.
   * The lease as taken, or null when another replica was first.
   */
  acquire(input: { holder: string; holderUrl?: string; now: string; expiresAt: string; seenTerm: number | null }): Promise<LeaseRecord | null>;
  /** Moves the expiry while holder and term are still these; false once the lease moved on. */
  renew(input: { holder: string; term: number; expiresAt: string }): Promise<boolean>;
  /** Gives the lease up at a clean stop (expires it now), so another replica leads at once. */
  release(input: { holder: string; term: number; now: string }): Promise<void>;
  /** A follower's signals (webhook, people's actions), durable in the queue the leader takes them from; the ones that were new. */
  forward(signals: readonly Signal[]): Promise<Signal[]>;
  /** Queued signals, oldest first (receivedAt, id), at most `limit`. */
  forwarded(limit: number): Promise<Signal[]>;
  /** Takes applied signals out of the queue. */
  unqueue(ids: readonly string[]): Promise<void>;
  /** Which of these ids are still queued (not yet taken in by a leader). */
  queued(ids: readonly string[]): Promise<Set<string>>;
}

export interface Store {
  readonly kind: StoreKind;
  /** Present on the stores several replicas can share (MongoDB). */
  readonly cluster?: ClusterStore;
  /**
   * Stores a batch: the signals that are new, the decisions `decide` derives from them, the cursors.
   * SQLite: one transaction, all or nothing. MongoDB, without transactions: the signals first (its
   * insert tells which are new), then idempotent bulk writes, the "applied" mark last; a crash
   * before the mark leaves signals that `signals.unapplied()` gives back, and the engine's restore
   * re-derives their services (see mongo/commit.ts).
   */
  commit(batch: CommitBatch): Promise<CommitResult>;
  /** Connects, creates indexes / runs migrations. */
  init(): Promise<void>;
  /** Cheap round trip; throws when the store cannot answer. */
  ping(): Promise<void>;
  close(): Promise<void>;
  signals: SignalRepository;
  incidents: IncidentRepository;
  timeline: TimelineRepository;
  cursors: CursorRepository;
  postmortems: PostmortemRepository;
  users: UserRepository;
  sessions: SessionRepository;
  apiTokens: ApiTokenRepository;
  /** Sign-in failures per username and per address, shared by every replica (auth/login-throttle.ts). */
  loginThrottle: LoginThrottleRepository;
  audit: AuditRepository;
  settings: SettingRepository;
  configs: ConfigRepository;
  outbox: OutboxRepository;
  /** The alert history projection, written by `commit` (store/alerts.ts). */
  alerts: AlertRepository;
}

export class StoreConflictError extends Error {
  override name = 'StoreConflictError';
}

export class StoreUnavailableError extends Error {
  override name = 'StoreUnavailableError';
}

/** A page cursor that this store did not hand out (or that was damaged on the way): a client error. */
export class InvalidCursorError extends Error {
  override name = 'InvalidCursorError';
}
