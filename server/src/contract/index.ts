// The wire: what the server sends and the client reads. The client imports these types;
// nothing here may import server runtime code.

export type Role = 'viewer' | 'responder' | 'admin';
export const ROLES: readonly Role[] = ['viewer', 'responder', 'admin'];

export type IncidentStatus = 'open' | 'acknowledged' | 'mitigated' | 'resolved';
export type Severity = 'critical' | 'warning' | 'info';
export type EntrySource = 'docker' | 'prometheus' | 'alertmanager' | 'user' | 'supervisor' | 'system';

export interface Incident {
  id: string;
  title: string;
  service: string;
  host: string;
  status: IncidentStatus;
  severity: Severity;
  openedAt: string;
  acknowledgedAt?: string;
  acknowledgedBy?: string;
  mitigatedAt?: string;
  resolvedAt?: string;
  lastEventAt: string;
  sources: string[];
}

export interface TimelineEntry {
  id: string;
  incidentId: string;
  at: string;
  source: EntrySource;
  kind: string;
  message: string;
  actor?: string;
  data: unknown;
}

export interface IncidentWithTimeline extends Incident {
  timeline: TimelineEntry[];
}

export interface Container {
  id: string;
  name: string;
  host: string;
  project?: string;
  service?: string;
  image: string;
  state: string;
  health?: string;
  supervised: boolean;
  restartCount: number;
  startedAt?: string;
  /** Published ports; `restartable` false when labelled vigil.restartable=false; `supervisionPaused`: maintenance mode. */
  ports?: Array<{ privatePort: number; protocol: string; publicPort?: number; ip?: string }>;
  restartable?: boolean;
  supervisionPaused?: boolean;
}

export interface PublicUser {
  id: string;
  username: string;
  role: Role;
  createdAt: string;
}

export interface LoginResponse {
  user: PublicUser;
  csrfToken: string;
}

export type SourceState = 'up' | 'down' | 'connecting' | 'disabled';

export interface SourceStatus {
  source: string;
  host?: string;
  state: SourceState;
  detail?: string;
  since: string;
}

export interface ReadyReport {
  ready: boolean;
  store: { kind: 'mongodb' | 'embedded'; state: 'up' | 'down'; detail?: string };
  sources: SourceStatus[];
}

export interface ApiErrorBody {
  error: { code: string; message: string; details?: unknown };
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/** socket.io events the server emits; the one declaration both ends use. */
export interface ServerToClientEvents {
  'incident:upsert': (incident: Incident) => void;
  'timeline:append': (entry: TimelineEntry) => void;
  'container:update': (container: Container) => void;
  'source:status': (status: SourceStatus) => void;
  'server:hello': (hello: { serverTime: string; user: PublicUser }) => void;
  /** Only after signals arrived out of order: the incident turned out to be part of another one. */
  'incident:remove': (ref: { id: string }) => void;
  /** Only after signals arrived out of order: the entry was re-derived (e.g. its burst grew). */
  'timeline:remove': (ref: { id: string; incidentId: string }) => void;
}

/**
 * `sync`: what the server wrote at or after `since` (server clock), one page at a time. The first
 * request sends `since` alone; each following one sends the same `since` and the previous answer's
 * `next` as `cursor`, until an answer comes without `next`.
 */
export interface SyncRequest {
  since: string;
  cursor?: string;
}

/** One page: incidents first (all of them, over as many pages as needed), then timeline entries. */
export interface SyncResult {
  incidents: Incident[];
  entries: TimelineEntry[];
  serverTime: string;
  /** Present when more follows: send it back as `cursor` for the next page. */
  next?: string;
}

/**
 * A refused sync. `invalid_request`: fix the request; `sync_busy` (this socket's previous sync is
 * still being answered, or the server is answering many), `sync_rate_limited` (too many syncs for
 * this user or token) and `store_unavailable`: try again after `retryAfterMs`.
 */
export type SyncErrorCode = 'invalid_request' | 'sync_busy' | 'sync_rate_limited' | 'store_unavailable';

export interface SyncFailure {
  error: string;
  code?: SyncErrorCode;
  retryAfterMs?: number;
}

export type SyncAnswer = SyncResult | SyncFailure;

/** socket.io events the client emits. */
export interface ClientToServerEvents {
  sync: (request: SyncRequest, ack: (result: SyncAnswer) => void) => void;
}

// Analytics answers (`GET /api/incidents/:id` → `analytics`, `GET /api/stats`): computed in the
// domain and re-exported here, type-only, so the client reads one declaration.
export type { DetectionHop, DetectionHopName, IncidentAnalytics, Interval, ServiceStats, StatsResponse } from '../domain/analytics.ts';
import type { IncidentAnalytics } from '../domain/analytics.ts';

/** `GET /api/metrics/query_range?chart=…`: the named charts a viewer may ask for (type-only, like the above). */
export type { ChartName } from '../sources/prometheus/charts.ts';

/** `GET /api/incidents/:id`: the incident, its timeline in time order, and its analytics. */
export interface IncidentDetail extends IncidentWithTimeline {
  analytics: IncidentAnalytics;
}

// Admin answers (`GET /api/tokens`, `POST /api/tokens`, `GET /api/audit`): the store's records as
// the routes send them, re-exported type-only so the admin page reads one declaration.
export type { AuditRecord } from '../store/types.ts';
import type { ApiTokenRecord } from '../store/types.ts';

/** An API token as listed: never the token itself (only its hash is kept). */
export type ApiToken = Omit<ApiTokenRecord, 'tokenHash'>;

/** `POST /api/tokens`: the record and, this once, the token. */
export interface CreatedApiToken extends ApiToken {
  token: string;
}
