// Shape checks for what arrives over the wire, so the UI never trusts a cast of untrusted JSON.
import type { LoginResponse, PublicUser, SourceStatus } from '@vigil/server/contract';

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const ROLE_NAMES: ReadonlySet<string> = new Set(['viewer', 'responder', 'admin']);

export function isPublicUser(v: unknown): v is PublicUser {
  return isRecord(v) && typeof v['id'] === 'string' && typeof v['username'] === 'string'
    && typeof v['role'] === 'string' && ROLE_NAMES.has(v['role']) && typeof v['createdAt'] === 'string';
}

/** A signed-in answer from login or /me. /me answers `{user: null}` for a bearer token: not a session. */
export function isLoginResponse(v: unknown): v is LoginResponse {
  return isRecord(v) && isPublicUser(v['user']) && typeof v['csrfToken'] === 'string';
}

const SOURCE_STATES: ReadonlySet<string> = new Set(['up', 'down', 'connecting', 'disabled']);

export function isSourceStatus(v: unknown): v is SourceStatus {
  return isRecord(v) && typeof v['source'] === 'string' && typeof v['state'] === 'string'
    && SOURCE_STATES.has(v['state']) && typeof v['since'] === 'string'
    && (v['host'] === undefined || typeof v['host'] === 'string')
    && (v['detail'] === undefined || typeof v['detail'] === 'string');
}

/** The key a source is kept under: one per (source, host). */
export function sourceKey(s: Pick<SourceStatus, 'source' | 'host'>): string {
  return s.host === undefined ? s.source : `${s.source}@${s.host}`;
}
