// The shape of each MongoDB document, and the mapping between documents and store records.
// Records never carry `_id`; documents use it for the record's natural id.
import type { DeliveryState, Incident, PageEvent, TimelineEntry } from '../../contract/index.ts';
import type { Signal } from '../../domain/signal.ts';
import { attributesFromJsonText, definedOnly, fromJsonText, toJsonText } from '../records.ts';
import type { ApiTokenRecord, AuditRecord, ConfigKind, PostmortemVersion, SessionRecord, UserRecord } from '../types.ts';
import { usernameKey } from '../usernames.ts';

export interface SignalDoc {
  _id: string;
  source: Signal['source'];
  host: string;
  at: string;
  kind: string;
  service?: string;
  container?: string;
  /** JSON text: see toJsonText. */
  attributes: string;
  raw?: string;
  receivedAt: string;
  /** The server's clock when a commit stored it, later than every earlier commit's (see commit.ts). */
  storedAt?: string;
}

/** The leader lease: a single document, `_id` "leader". */
export interface LeaseDoc {
  _id: string;
  holder: string;
  holderUrl?: string;
  term: number;
  expiresAt: string;
}

/** `recordedAt`: the server's clock when the document was last written (socket.io sync). */
export type IncidentDoc = Omit<Incident, 'id'> & { _id: string; recordedAt?: string };

export interface TimelineDoc {
  _id: string;
  incidentId: string;
  at: string;
  source: TimelineEntry['source'];
  kind: string;
  message: string;
  actor?: string;
  data?: string;
  /** The server's clock when it was stored (socket.io sync). */
  recordedAt?: string;
}

/** Where a removed incident went (`_id` is the removed incident's id). */
export interface IncidentAliasDoc {
  _id: string;
  successor: string;
  recordedAt: string;
}

export interface CursorDoc {
  /** JSON of [source, host]: one document per pair without a separate unique index. */
  _id: string;
  source: string;
  host: string;
  value: string;
}

export interface PostmortemDoc {
  /** `${incidentId}#${version}`; (incidentId, version) also has its own unique index. */
  _id: string;
  incidentId: string;
  version: number;
  markdown: string;
  author: string;
  savedAt: string;
}

/** `usernameKey` (usernameKey(username)) carries the unique index: usernames are unique regardless of case. */
export type UserDoc = Omit<UserRecord, 'id'> & { _id: string; usernameKey?: string };
export type SessionDoc = Omit<SessionRecord, 'idHash'> & { _id: string };
export type ApiTokenDoc = Omit<ApiTokenRecord, 'id'> & { _id: string };
/** One version of a sign-in throttle key's counts: `_id` is "<key>#<v>" (mongo/throttle.ts); `gone` marks a deletion. */
export interface LoginThrottleDoc { _id: string; key: string; v: number; writtenAt: number; failures: number[]; lockedUntil: number; expiresAt: number; gone?: true }

export interface AuditDoc {
  _id: string;
  at: string;
  actor: string;
  action: string;
  target?: string;
  ip?: string;
  outcome: AuditRecord['outcome'];
  detail?: string;
}

export interface SettingDoc {
  _id: string;
  value: string;
}

export function signalToDoc(signal: Signal, receivedAt: string): SignalDoc {
  return {
    _id: signal.id,
    source: signal.source,
    host: signal.host,
    at: signal.at,
    kind: signal.kind,
    ...definedOnly({ service: signal.service, container: signal.container }),
    attributes: toJsonText(signal.attributes) ?? '{}',
    ...definedOnly({ raw: toJsonText(signal.raw) ?? undefined }),
    receivedAt,
  };
}

export function docToSignal(doc: SignalDoc): Signal {
  return {
    id: doc._id,
    source: doc.source,
    host: doc.host,
    at: doc.at,
    kind: doc.kind,
    ...definedOnly({ service: doc.service, container: doc.container }),
    attributes: attributesFromJsonText(doc.attributes),
    raw: fromJsonText(doc.raw),
    receivedAt: doc.receivedAt,
  };
}

export function incidentToDoc(incident: Incident): IncidentDoc {
  return {
    _id: incident.id,
    title: incident.title,
    service: incident.service,
    host: incident.host,
    status: incident.status,
    severity: incident.severity,
    openedAt: incident.openedAt,
    ...definedOnly({
      acknowledgedAt: incident.acknowledgedAt,
      acknowledgedBy: incident.acknowledgedBy,
      mitigatedAt: incident.mitigatedAt,
      resolvedAt: incident.resolvedAt,
    }),
    lastEventAt: incident.lastEventAt,
    sources: [...incident.sources],
    ...(incident.suspectedChange === undefined ? {} : { suspectedChange: incident.suspectedChange }),
    recordedAt: new Date().toISOString(),
  };
}

export function docToIncident(doc: IncidentDoc): Incident {
  return {
    id: doc._id,
    title: doc.title,
    service: doc.service,
    host: doc.host,
    status: doc.status,
    severity: doc.severity,
    openedAt: doc.openedAt,
    ...definedOnly({
      acknowledgedAt: doc.acknowledgedAt,
      acknowledgedBy: doc.acknowledgedBy,
      mitigatedAt: doc.mitigatedAt,
      resolvedAt: doc.resolvedAt,
    }),
    lastEventAt: doc.lastEventAt,
    sources: [...doc.sources],
    ...(doc.suspectedChange === undefined || doc.suspectedChange === null ? {} : { suspectedChange: doc.suspectedChange }),
  };
}

export function entryToDoc(entry: TimelineEntry): TimelineDoc {
  return {
    _id: entry.id,
    incidentId: entry.incidentId,
    at: entry.at,
    source: entry.source,
    kind: entry.kind,
    message: entry.message,
    ...definedOnly({ actor: entry.actor }),
    ...definedOnly({ data: toJsonText(entry.data) ?? undefined }),
    recordedAt: new Date().toISOString(),
  };
}

export function docToEntry(doc: TimelineDoc): TimelineEntry {
  return {
    id: doc._id,
    incidentId: doc.incidentId,
    at: doc.at,
    source: doc.source,
    kind: doc.kind,
    message: doc.message,
    ...definedOnly({ actor: doc.actor }),
    data: fromJsonText(doc.data),
  };
}

export function docToPostmortem(doc: PostmortemDoc): PostmortemVersion {
  return { incidentId: doc.incidentId, version: doc.version, markdown: doc.markdown, author: doc.author, savedAt: doc.savedAt };
}

export function userToDoc(user: UserRecord): UserDoc {
  return {
    _id: user.id,
    username: user.username,
    usernameKey: usernameKey(user.username),
    passwordHash: user.passwordHash,
    role: user.role,
    createdAt: user.createdAt,
    ...(user.disabled ? { disabled: true } : {}),
    ...definedOnly({ deletedAt: user.deletedAt }),
  };
}

export function docToUser(doc: UserDoc): UserRecord {
  return {
    id: doc._id,
    username: doc.username,
    passwordHash: doc.passwordHash,
    role: doc.role,
    createdAt: doc.createdAt,
    ...(doc.disabled ? { disabled: true } : {}),
    ...definedOnly({ deletedAt: doc.deletedAt }),
  };
}

export function sessionToDoc(session: SessionRecord): SessionDoc {
  return {
    _id: session.idHash,
    userId: session.userId,
    csrfToken: session.csrfToken,
    createdAt: session.createdAt,
    expiresAt: session.expiresAt,
    ...definedOnly({ ip: session.ip }),
  };
}

export function docToSession(doc: SessionDoc): SessionRecord {
  return {
    idHash: doc._id,
    userId: doc.userId,
    csrfToken: doc.csrfToken,
    createdAt: doc.createdAt,
    expiresAt: doc.expiresAt,
    ...definedOnly({ ip: doc.ip }),
  };
}

export function tokenToDoc(token: ApiTokenRecord): ApiTokenDoc {
  return {
    _id: token.id,
    name: token.name,
    role: token.role,
    tokenHash: token.tokenHash,
    createdBy: token.createdBy,
    createdAt: token.createdAt,
    ...definedOnly({ revokedAt: token.revokedAt, expiresAt: token.expiresAt, lastUsedAt: token.lastUsedAt }),
  };
}

export function docToToken(doc: ApiTokenDoc): ApiTokenRecord {
  return {
    id: doc._id,
    name: doc.name,
    role: doc.role,
    tokenHash: doc.tokenHash,
    createdBy: doc.createdBy,
    createdAt: doc.createdAt,
    ...definedOnly({ revokedAt: doc.revokedAt, expiresAt: doc.expiresAt, lastUsedAt: doc.lastUsedAt }),
  };
}

export function auditToDoc(record: AuditRecord): AuditDoc {
  return {
    _id: record.id,
    at: record.at,
    actor: record.actor,
    action: record.action,
    ...definedOnly({ target: record.target, ip: record.ip }),
    outcome: record.outcome,
    ...definedOnly({ detail: toJsonText(record.detail) ?? undefined }),
  };
}

export function docToAudit(doc: AuditDoc): AuditRecord {
  return {
    id: doc._id,
    at: doc.at,
    actor: doc.actor,
    action: doc.action,
    ...definedOnly({ target: doc.target, ip: doc.ip, detail: fromJsonText(doc.detail) }),
    outcome: doc.outcome,
  };
}

/** A version of a paging config document (configs.ts): each version its own document, the newest wins. */
export interface ConfigDocument {
  /** JSON of [kind, id, version]. */
  _id: string;
  kind: ConfigKind;
  id: string;
  version: number;
  /** JSON text. */
  body: string;
  updatedAt: string;
}

/** One queued page (outbox.ts). */
export interface OutboxDoc {
  _id: string;
  channelId: string;
  userId?: string;
  incidentIds: string[];
  event: PageEvent;
  step?: number;
  /** JSON text: see records.ts toJsonText. */
  message: string;
  state: DeliveryState;
  attempts: number;
  createdAt: string;
  nextAttemptAt: string;
  deliveredAt?: string;
  lastError?: string;
  lastStatus?: number;
  /** Absent unless the page carries an ack link: the unique index is sparse. */
  ackTokenHash?: string;
  ackExpiresAt?: string;
}

/** Alert history (store/alerts.ts, mongo/alerts.ts). */
export interface AlertDoc {
  _id: string;
  alertname: string;
  service?: string;
  labels: Record<string, string>;
  /** `name=value` per label (names cannot hold `=`): one multikey index answers any label filter. */
  labelPairs: string[];
  firstAt: string;
  lastAt: string;
}

export interface AlertPeriodDoc {
  /** JSON of [fingerprint, startsAt]. */
  _id: string;
  fingerprint: string;
  startsAt: string;
  endsAt: string | null;
}

export interface AlertIncidentDoc {
  /** JSON of [fingerprint, incidentId]. */
  _id: string;
  fingerprint: string;
  incidentId: string;
  at: string;
}
