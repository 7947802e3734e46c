// The socket.io event maps, declared once: the generics of the server's `Server<…>` and the
// client's `Socket<…>`.
import type { PublicUser } from './access.ts';
import type { Container } from './containers.ts';
import type { Incident, TimelineEntry } from './incidents.ts';
import type { ClusterState, SourceStatus } from './status.ts';

/** socket.io events the server emits. */
export interface ServerToClientEvents {
  'incident:upsert': (incident: Incident) => void;
  'timeline:append': (entry: TimelineEntry) => void;
  'container:update': (container: Container) => void;
  'source:status': (status: SourceStatus) => void;
  'server:hello': (hello: { serverTime: string; user: PublicUser; cluster: ClusterState }) => void;
  /** A replica took the lead (every browser on every replica gets it, through Redis when set). */
  'cluster:leader': (leader: { leader: string; term: number }) => void;
  /**
   * Only after signals arrived out of order: the incident turned out to be part of another one,
   * `replacedBy` (when one covers its time; GET /api/incidents/:id of the old id leads there too).
   */
  'incident:remove': (ref: { id: string; replacedBy?: string }) => void;
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
