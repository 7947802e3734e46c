// One error shape for every answer: {"error": {"code", "message"}} (API.md).
import type { ErrorRequestHandler, Request } from 'express';
import type { z } from 'zod';
import type { Logger } from '../logger.ts';
import { InvalidCursorError, StoreConflictError, StoreUnavailableError } from '../store/types.ts';

export class HttpError extends Error {
  readonly status: number;
  readonly code: string;
  readonly details?: unknown;
  constructor(status: number, code: string, message: string, details?: unknown) {
    super(message);
    this.status = status;
    this.code = code;
    this.details = details;
  }
}

export const unauthenticated = () =>
  new HttpError(401, 'unauthenticated', 'Sign in first: send the session cookie from POST /api/auth/login or an "Authorization: Bearer <api token>" header.');

export const forbidden = (needed: string, have: string) =>
  new HttpError(403, 'forbidden', `This needs the ${needed} role; you are signed in as ${have}.`);

export const notFound = (what: string) => new HttpError(404, 'not_found', `${what} not found.`);

/** Parses untrusted input with zod; a failure becomes a 400 that names each bad field. */
export function parseBody<S extends z.ZodType>(schema: S, req: Request): z.infer<S> {
  const result = schema.safeParse(req.body);
  if (!result.success) {
    const problems = result.error.issues.map((i) => `${i.path.length > 0 ? i.path.join('.') : 'body'}: ${i.message}`);
    throw new HttpError(400, 'invalid_request', `Invalid request body — ${problems.join('; ')}`, result.error.issues.map((i) => ({ path: i.path, message: i.message })));
  }
  return result.data;
}

interface BodyParserError { type?: string; status?: number; expose?: boolean }

function isBodyParserError(err: unknown): err is BodyParserError & Error {
  return err instanceof Error && typeof (err as BodyParserError).type === 'string' && typeof (err as BodyParserError).status === 'number';
}

/** The MongoDB driver's "cannot reach the server" errors, which are not StoreUnavailableError. */
function isDriverConnectionError(err: unknown): boolean {
  return err instanceof Error && /^Mongo(ServerSelection|Network|NetworkTimeout|NotConnected|TopologyClosed)Error$/.test(err.name);
}

export function errorHandler(log: Logger): ErrorRequestHandler {
  return (err: unknown, req, res, _next) => {
    let e: HttpError;
    if (err instanceof HttpError) e = err;
    else if (isBodyParserError(err)) {
      e = err.type === 'entity.too.large'
        ? new HttpError(413, 'payload_too_large', 'The request body is larger than this route accepts.')
        : err.type === 'entity.parse.failed'
          ? new HttpError(400, 'invalid_json', 'The request body is not valid JSON.')
          : new HttpError(err.status ?? 400, 'bad_request', err.message);
    } else if (err instanceof InvalidCursorError) e = new HttpError(400, 'invalid_cursor', 'The cursor is not one this server handed out; start again from the first page.');
    else if (err instanceof StoreConflictError) e = new HttpError(409, 'conflict', err.message);
    else if (err instanceof StoreUnavailableError || isDriverConnectionError(err)) e = new HttpError(503, 'store_unavailable', 'The store is not reachable right now; nothing was changed. Try again shortly.');
    else {
      log.error({ err, method: req.method, path: req.path }, 'unhandled error in request');
      e = new HttpError(500, 'internal', 'Something went wrong on the server; it has been logged.');
    }
    if (res.headersSent) return;
    res.status(e.status).json({ error: { code: e.code, message: e.message, ...(e.details !== undefined ? { details: e.details } : {}) } });
  };
}
