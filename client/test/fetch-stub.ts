// The network boundary for client tests: `fetch` stubbed with a router that answers like Vigil,
// recording every request (method, path, JSON body) in the order sent.
import { vi } from 'vitest';

export interface Answer {
  status: number;
  body: unknown;
}

/** An answer for a request, or undefined for Vigil's 404 (may be a promise, to hold a request open). */
export type Route = (method: string, path: string, body: unknown) => Answer | undefined | Promise<Answer | undefined>;

export interface Call {
  method: string;
  path: string;
  body: unknown;
}

const json = (status: number, body: unknown): Response =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

/** Stubs the global fetch; undo with `vi.unstubAllGlobals()`. */
export function serve(route: Route): Call[] {
  const calls: Call[] = [];
  vi.stubGlobal('fetch', async (path: string, init: RequestInit) => {
    const body: unknown = typeof init.body === 'string' ? JSON.parse(init.body) : undefined;
    const method = init.method ?? 'GET';
    calls.push({ method, path, body });
    const answer = await route(method, path, body);
    return answer ? json(answer.status, answer.body) : json(404, { error: { code: 'not_found', message: `No route ${method} ${path}.` } });
  });
  return calls;
}

/** A promise and the functions that settle it, for an answer the test releases when it chooses. */
export function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => { resolve = r; });
  return { promise, resolve };
}
