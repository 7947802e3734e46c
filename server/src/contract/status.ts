// Health of Vigil and of what it watches (`GET /readyz`, socket.io `source:status`), and the one
// error shape every route answers with.
import type { SourceState, StoreKind } from './values.ts';

export interface SourceStatus {
  source: string;
  host?: string;
  state: SourceState;
  detail?: string;
  since: string;
}

/**
 * Which replica answers and which one leads (API.md "Several replicas"). With the embedded store
 * there is one replica and it always leads. `leader` is null while no replica holds the lease
 * (a failover under way); `term` grows by one with every new leader.
 */
export interface ClusterState {
  replica: string;
  role: 'leader' | 'follower';
  leader: string | null;
  term: number;
}

export interface ReadyReport {
  ready: boolean;
  store: { kind: StoreKind; state: 'up' | 'down'; detail?: string };
  sources: SourceStatus[];
  cluster: ClusterState;
}

export interface ApiErrorBody {
  error: { code: string; message: string; details?: unknown };
}

/**
 * A refusal as the wire carries it: the HTTP status, a code for programs, a message for people and,
 * sometimes, details. The server throws it (`HttpError`) and the client gets it back (`ApiError`).
 */
export class ApiFailure extends Error {
  readonly status: number;
  readonly code: string;
  readonly details?: unknown;
  constructor(status: number, code: string, message: string, details?: unknown) {
    super(message);
    this.status = status;
    this.code = code;
    if (details !== undefined) this.details = details;
  }

  /** The body of the answer: the one error shape every route answers with. */
  toBody(): ApiErrorBody {
    return { error: { code: this.code, message: this.message, ...(this.details !== undefined ? { details: this.details } : {}) } };
  }
}

/** 404 `not_found` for a thing named in words ("Incident inc_…"). */
export const notFound = (what: string): ApiFailure => new ApiFailure(404, 'not_found', `${what} not found.`);
