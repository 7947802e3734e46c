// The admin routes (users, API tokens, the audit log) as the admin page calls them: each answer's
// shape is checked before use, and the audit log's cursor paging is kept free of gaps.
import {
  AUDIT_OUTCOMES, isOneOf, ROLES, type ApiToken, type AuditRecord, type CreatedApiToken, type PublicUser, type Role,
} from '@vigil/server/contract';
import { api, ApiError } from './api.ts';
import { isPublicUser, isRecord } from './wire.ts';

const optionalString = (v: unknown): boolean => v === undefined || typeof v === 'string';

export function isApiToken(v: unknown): v is ApiToken {
  return isRecord(v) && typeof v['id'] === 'string' && typeof v['name'] === 'string' && isOneOf(ROLES, v['role'])
    && typeof v['createdBy'] === 'string' && typeof v['createdAt'] === 'string' && optionalString(v['revokedAt'])
    && optionalString(v['expiresAt']) && optionalString(v['lastUsedAt']);
}

export function isCreatedApiToken(v: unknown): v is CreatedApiToken {
  return isApiToken(v) && typeof (v as unknown as Record<string, unknown>)['token'] === 'string';
}

export function isAuditRecord(v: unknown): v is AuditRecord {
  return isRecord(v) && typeof v['id'] === 'string' && typeof v['at'] === 'string'
    && typeof v['actor'] === 'string' && typeof v['action'] === 'string'
    && isOneOf(AUDIT_OUTCOMES, v['outcome'])
    && optionalString(v['target']) && optionalString(v['ip']);
}

function badAnswer(what: string): ApiError {
  return new ApiError(502, 'bad_answer', `Vigil answered ${what} in a shape this page does not understand; reload the page.`);
}

function itemsOf<T>(answer: unknown, guard: (v: unknown) => v is T, what: string): T[] {
  if (!isRecord(answer) || !Array.isArray(answer['items']) || !answer['items'].every(guard)) throw badAnswer(what);
  return answer['items'];
}

export async function listUsers(): Promise<PublicUser[]> {
  return itemsOf(await api.get('/api/users'), isPublicUser, 'the user list');
}

export async function createUser(input: { username: string; password: string; role: Role }): Promise<PublicUser> {
  const answer = await api.post('/api/users', input);
  if (!isPublicUser(answer)) throw badAnswer('the new user');
  return answer;
}

/** Signs the user out everywhere; resolves with how many sessions ended. */
export async function revokeSessions(userId: string): Promise<number> {
  const answer = await api.delete(`/api/users/${encodeURIComponent(userId)}/sessions`);
  return isRecord(answer) && typeof answer['revoked'] === 'number' ? answer['revoked'] : 0;
}

export async function unlockUser(userId: string): Promise<void> {
  await api.post(`/api/users/${encodeURIComponent(userId)}/unlock`);
}

/** Disabled: they cannot sign in, their sessions and live connections end, their tokens stop working. */
export async function disableUser(userId: string): Promise<PublicUser> {
  const answer = await api.post(`/api/users/${encodeURIComponent(userId)}/disable`);
  if (!isPublicUser(answer)) throw badAnswer('the disabled user');
  return answer;
}

export async function enableUser(userId: string): Promise<PublicUser> {
  const answer = await api.post(`/api/users/${encodeURIComponent(userId)}/enable`);
  if (!isPublicUser(answer)) throw badAnswer('the enabled user');
  return answer;
}

export async function deleteUser(userId: string): Promise<void> {
  await api.delete(`/api/users/${encodeURIComponent(userId)}`);
}

/** Sets another user's password; resolves with how many of their sessions ended. */
export async function resetPassword(userId: string, password: string): Promise<number> {
  const answer = await api.post(`/api/users/${encodeURIComponent(userId)}/password`, { password });
  return isRecord(answer) && typeof answer['revoked'] === 'number' ? answer['revoked'] : 0;
}

/** The signed-in user's own password; resolves with how many of their other sessions ended. */
export async function changeOwnPassword(currentPassword: string, newPassword: string): Promise<number> {
  const answer = await api.post('/api/auth/password', { currentPassword, newPassword });
  return isRecord(answer) && typeof answer['revoked'] === 'number' ? answer['revoked'] : 0;
}

export async function listTokens(): Promise<ApiToken[]> {
  return itemsOf(await api.get('/api/tokens'), isApiToken, 'the token list');
}

export async function createToken(input: { name: string; role: Role; expiresInDays?: number }): Promise<CreatedApiToken> {
  const answer = await api.post('/api/tokens', input);
  if (!isCreatedApiToken(answer)) throw badAnswer('the new token');
  return answer;
}

export async function revokeToken(id: string): Promise<void> {
  await api.delete(`/api/tokens/${encodeURIComponent(id)}`);
}

export const AUDIT_PAGE = 100;

export interface AuditPage {
  items: AuditRecord[];
  /** The cursor of the next (older) page (the last record's time and id); null when this page was the last. */
  before: string | null;
}

/** A full page goes on after its last record (by time, then id: records sharing a millisecond are not skipped). */
export function pageOf(items: readonly AuditRecord[], limit: number): AuditPage {
  const last = items.at(-1);
  if (!last || items.length < limit) return { items: [...items], before: null };
  return { items: [...items], before: `${last.at}|${last.id}` };
}

export async function loadAudit(before: string | null, limit = AUDIT_PAGE): Promise<AuditPage> {
  const query = new URLSearchParams({ limit: String(limit) });
  if (before) {
    const bar = before.indexOf('|');
    query.set('before', bar < 0 ? before : before.slice(0, bar));
    if (bar >= 0) query.set('beforeId', before.slice(bar + 1));
  }
  return pageOf(itemsOf(await api.get(`/api/audit?${query.toString()}`), isAuditRecord, 'the audit log'), limit);
}

/** An audit record's detail as one line of text (JSON), or '' when it has none. */
export function detailText(detail: unknown): string {
  if (detail === undefined || detail === null) return '';
  if (typeof detail === 'string') return detail;
  try {
    return JSON.stringify(detail);
  } catch {
    return String(detail);
  }
}

/** Loaded rows whose text contains every word of the filter (case-insensitive). */
export function filterAudit(records: readonly AuditRecord[], filter: string): AuditRecord[] {
  const words = filter.toLowerCase().split(/\s+/).filter(Boolean);
  if (words.length === 0) return [...records];
  return records.filter((r) => {
    const text = [r.at, r.actor, r.action, r.target ?? '', r.outcome, r.ip ?? '', detailText(r.detail)].join(' ').toLowerCase();
    return words.every((w) => text.includes(w));
  });
}

/** Per-field messages from a 400 `invalid_request` (`details: [{path, message}]`), keyed by field. */
export function fieldErrors(err: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (!(err instanceof ApiError) || !Array.isArray(err.details)) return out;
  for (const d of err.details) {
    if (!isRecord(d) || !Array.isArray(d['path']) || typeof d['message'] !== 'string') continue;
    const key = d['path'].length > 0 ? String(d['path'][0]) : 'body';
    out[key] = out[key] ? `${out[key]}; ${d['message']}` : d['message'];
  }
  return out;
}

export function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
