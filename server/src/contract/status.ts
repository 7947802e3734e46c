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

export interface ReadyReport {
  ready: boolean;
  store: { kind: StoreKind; state: 'up' | 'down'; detail?: string };
  sources: SourceStatus[];
}

export interface ApiErrorBody {
  error: { code: string; message: string; details?: unknown };
}
