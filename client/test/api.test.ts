import { describe, expect, it } from 'vitest';
import { ApiError, createApiClient, fetchReadiness, toApiError, type ApiHooks, type FetchLike } from '../src/lib/api.ts';

interface Call { path: string; init: RequestInit }

function fakeFetch(answer: (call: Call) => Response | Promise<Response>): { fetch: FetchLike; calls: Call[] } {
  const calls: Call[] = [];
  return {
    calls,
    fetch: async (path, init) => {
      const call = { path, init };
      calls.push(call);
      return answer(call);
    },
  };
}

const json = (status: number, body: unknown) => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json; charset=utf-8' } });

function hooks(token: string | null = 'csrf-1'): ApiHooks & { unauthorized: ApiError[] } {
  const unauthorized: ApiError[] = [];
  return { unauthorized, csrfToken: () => token, onUnauthorized: (e) => { unauthorized.push(e); } };
}

const headersOf = (call: Call | undefined) => (call?.init.headers ?? {}) as Record<string, string>;

describe('api client', () => {
  it('sends JSON with the session cookie and parses the JSON answer', async () => {
    const f = fakeFetch(() => json(200, { ok: true }));
    const api = createApiClient(hooks(), f.fetch);
    await expect(api.post('/api/things', { a: 1 })).resolves.toEqual({ ok: true });
    const call = f.calls[0];
    expect(call?.init.method).toBe('POST');
    expect(call?.init.credentials).toBe('same-origin');
    expect(call?.init.body).toBe('{"a":1}');
    expect(headersOf(call)['Content-Type']).toBe('application/json');
  });

  it('adds X-CSRF-Token to changes and never to reads', async () => {
    const f = fakeFetch(() => new Response(null, { status: 204 }));
    const api = createApiClient(hooks('tok'), f.fetch);
    await api.get('/api/a');
    await api.post('/api/a');
    await api.put('/api/a', {});
    await api.patch('/api/a', {});
    await api.delete('/api/a');
    expect(f.calls.map((c) => headersOf(c)['X-CSRF-Token'])).toEqual([undefined, 'tok', 'tok', 'tok', 'tok']);
    expect(headersOf(f.calls[0])['Content-Type']).toBeUndefined();
  });

  it('answers undefined for 204', async () => {
    const api = createApiClient(hooks(), fakeFetch(() => new Response(null, { status: 204 })).fetch);
    await expect(api.post('/api/auth/logout')).resolves.toBeUndefined();
  });

  it('turns the error shape into an ApiError with the server\'s words', async () => {
    const api = createApiClient(hooks(), fakeFetch(() => json(409, { error: { code: 'conflict', message: 'Someone saved first.', details: { version: 3 } } })).fetch);
    const err = await api.put('/api/x', {}).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({ status: 409, code: 'conflict', message: 'Someone saved first.', details: { version: 3 } });
  });

  it('calls the unauthorized hook on an unexpected 401, and not when a 401 is the answer', async () => {
    const h = hooks();
    const api = createApiClient(h, fakeFetch(() => json(401, { error: { code: 'unauthenticated', message: 'Sign in first.' } })).fetch);
    await expect(api.get('/api/incidents')).rejects.toMatchObject({ status: 401, code: 'unauthenticated' });
    expect(h.unauthorized).toHaveLength(1);
    await expect(api.post('/api/auth/login', { username: 'a', password: 'b' }, { unauthorizedIsAnswer: true })).rejects.toMatchObject({ status: 401 });
    expect(h.unauthorized).toHaveLength(1);
  });

  it('reports an answer without the error shape by its status', async () => {
    const api = createApiClient(hooks(), fakeFetch(() => new Response('<html>bad gateway</html>', { status: 502, statusText: 'Bad Gateway', headers: { 'content-type': 'text/html' } })).fetch);
    await expect(api.get('/api/x')).rejects.toMatchObject({ status: 502, code: 'http_502' });
  });

  it('reports a network failure as status 0 with a reason', async () => {
    const api = createApiClient(hooks(), async () => { throw new TypeError('Failed to fetch'); });
    await expect(api.get('/api/x')).rejects.toMatchObject({ status: 0, code: 'network', message: expect.stringContaining('Failed to fetch') });
  });
});

describe('toApiError', () => {
  it('keeps a short plain-text body and falls back to the status otherwise', () => {
    expect(toApiError(503, 'Service Unavailable', 'The web UI is not built.').message).toBe('The web UI is not built.');
    expect(toApiError(500, '', undefined).message).toMatch(/500/);
    expect(toApiError(400, 'Bad Request', { error: 'not the shape' }).code).toBe('http_400');
  });
});

describe('fetchReadiness', () => {
  const report = { ready: false, store: { kind: 'embedded', state: 'down', detail: 'disk full' }, sources: [], cluster: { replica: 'vigil-1', role: 'leader', leader: 'vigil-1', term: 1 } };

  it('accepts the report on 503 (store down)', async () => {
    await expect(fetchReadiness(fakeFetch(() => json(503, report)).fetch)).resolves.toEqual(report);
  });

  it('rejects an answer that is not a report', async () => {
    await expect(fetchReadiness(fakeFetch(() => json(200, { status: 'ok' })).fetch)).rejects.toBeInstanceOf(ApiError);
  });

  it('rejects a report whose cluster part is not the contract\'s', async () => {
    const { cluster: _dropped, ...withoutCluster } = report;
    await expect(fetchReadiness(fakeFetch(() => json(200, withoutCluster)).fetch)).rejects.toBeInstanceOf(ApiError);
    await expect(fetchReadiness(fakeFetch(() => json(200, { ...report, cluster: { ...report.cluster, role: 'boss' } })).fetch)).rejects.toBeInstanceOf(ApiError);
    const failover = { ...report, cluster: { replica: 'vigil-2', role: 'follower', leader: null, term: 4 } };
    await expect(fetchReadiness(fakeFetch(() => json(200, failover)).fetch)).resolves.toEqual(failover);
  });
});
