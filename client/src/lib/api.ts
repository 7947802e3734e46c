// The one way the UI talks HTTP to Vigil: JSON in and out, the session cookie, the CSRF header on
// changes, and every failure turned into an ApiError that carries the server's own words.
import { ApiFailure, type ApiErrorBody, type ReadyReport } from '@vigil/server/contract';
import { isClusterState } from './cluster.ts';

/** A failed request, in the server's own words (status 0: Vigil could not be reached). */
export class ApiError extends ApiFailure {
  override name = 'ApiError';
}

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

const CHANGING: ReadonlySet<HttpMethod> = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export interface RequestOptions {
  /**
   * A 401 here is an answer the caller handles (wrong password, "am I signed in?"), not a sign
   * that the session ended under us: do not run the unauthorized hook.
   */
  unauthorizedIsAnswer?: boolean;
  signal?: AbortSignal;
}

export interface ApiHooks {
  /** The token from login or GET /api/auth/me; null when signed out. */
  csrfToken(): string | null;
  /** Called on a 401 nobody expected: the session is gone. */
  onUnauthorized(error: ApiError): void;
}

export type FetchLike = (input: string, init: RequestInit) => Promise<Response>;

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function isApiErrorBody(v: unknown): v is ApiErrorBody {
  return isRecord(v) && isRecord(v['error'])
    && typeof v['error']['code'] === 'string' && typeof v['error']['message'] === 'string';
}

/** Turns a failed answer into an ApiError, using the server's `{error:{code,message}}` when it sent one. */
export function toApiError(status: number, statusText: string, body: unknown): ApiError {
  if (isApiErrorBody(body)) return new ApiError(status, body.error.code, body.error.message, body.error.details);
  const text = typeof body === 'string' && body.trim() !== '' && body.length <= 300 ? body.trim() : '';
  const fallback = status >= 500
    ? `Vigil answered ${status}${statusText ? ` ${statusText}` : ''}; try again shortly.`
    : `The request failed with ${status}${statusText ? ` ${statusText}` : ''}.`;
  return new ApiError(status, `http_${status}`, text || fallback);
}

/** A network failure (no answer at all) in the same shape, status 0. */
export function networkError(err: unknown): ApiError {
  const why = err instanceof Error ? err.message : String(err);
  return new ApiError(0, 'network', `Cannot reach Vigil (${why}). Check the connection; the page retries when you act again.`);
}

async function readBody(res: Response): Promise<unknown> {
  if (res.status === 204) return undefined;
  const text = await res.text();
  if (text === '') return undefined;
  const type = res.headers.get('content-type') ?? '';
  if (type.includes('json')) {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      return text;
    }
  }
  return text;
}

export interface ApiClient {
  request(method: HttpMethod, path: string, body?: unknown, opts?: RequestOptions): Promise<unknown>;
  get(path: string, opts?: RequestOptions): Promise<unknown>;
  post(path: string, body?: unknown, opts?: RequestOptions): Promise<unknown>;
  put(path: string, body?: unknown, opts?: RequestOptions): Promise<unknown>;
  patch(path: string, body?: unknown, opts?: RequestOptions): Promise<unknown>;
  delete(path: string, opts?: RequestOptions): Promise<unknown>;
}

/**
 * Answers are `unknown` on purpose: each caller checks the shape it relies on (see the guards
 * in the stores) instead of casting untrusted JSON.
 */
export function createApiClient(hooks: ApiHooks, fetchImpl: FetchLike = (i, init) => globalThis.fetch(i, init)): ApiClient {
  async function request(method: HttpMethod, path: string, body?: unknown, opts: RequestOptions = {}): Promise<unknown> {
    const headers: Record<string, string> = { Accept: 'application/json' };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    if (CHANGING.has(method)) {
      const token = hooks.csrfToken();
      if (token) headers['X-CSRF-Token'] = token;
    }
    let res: Response;
    try {
      res = await fetchImpl(path, {
        method,
        headers,
        credentials: 'same-origin',
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
        ...(opts.signal ? { signal: opts.signal } : {}),
      });
    } catch (err) {
      if (opts.signal?.aborted) throw err;
      throw networkError(err);
    }
    const parsed = await readBody(res);
    if (res.ok) return parsed;
    const error = toApiError(res.status, res.statusText, parsed);
    if (res.status === 401 && !opts.unauthorizedIsAnswer) hooks.onUnauthorized(error);
    throw error;
  }
  return {
    request,
    get: (path, opts) => request('GET', path, undefined, opts),
    post: (path, body, opts) => request('POST', path, body, opts),
    put: (path, body, opts) => request('PUT', path, body, opts),
    patch: (path, body, opts) => request('PATCH', path, body, opts),
    delete: (path, opts) => request('DELETE', path, undefined, opts),
  };
}

const hooks: ApiHooks = {
  csrfToken: () => null,
  onUnauthorized: () => undefined,
};

/** main.ts wires the session store and router in here once, at start. */
export function configureApi(next: Partial<ApiHooks>): void {
  Object.assign(hooks, next);
}

/** The app's client; reads the hooks on every call, so configureApi may run after import. */
export const api: ApiClient = createApiClient({
  csrfToken: () => hooks.csrfToken(),
  onUnauthorized: (e) => hooks.onUnauthorized(e),
});

export function isReadyReport(v: unknown): v is ReadyReport {
  return isRecord(v) && typeof v['ready'] === 'boolean' && isRecord(v['store'])
    && typeof v['store']['state'] === 'string' && Array.isArray(v['sources']) && isClusterState(v['cluster']);
}

/** GET /readyz: 200 and 503 both carry the report (503 = the store is down). */
export async function fetchReadiness(fetchImpl: FetchLike = (i, init) => globalThis.fetch(i, init)): Promise<ReadyReport> {
  let res: Response;
  try {
    res = await fetchImpl('/readyz', { headers: { Accept: 'application/json' }, credentials: 'same-origin' });
  } catch (err) {
    throw networkError(err);
  }
  const body = await readBody(res);
  if ((res.ok || res.status === 503) && isReadyReport(body)) return body;
  throw toApiError(res.status, res.statusText, body);
}
