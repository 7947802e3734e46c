// One error shape for every answer: {"error": {"code", "message"}} (API.md).
import type { ErrorRequestHandler, Request } from 'express';
import type { z } from 'zod';
import { ApiFailure } from '../contract/index.ts';
import type { Logger } from '../logger.ts';
import { InvalidCursorError, StoreConflictError, StoreUnavailableError } from '../store/types.ts';

/** What a route throws to refuse a request; errorHandler answers with it. */
export class HttpError extends ApiFailure {}

export const unauthenticated = () =>
  new HttpError(401, 'unauthenticated', 'Sign in first: send the session cookie from POST /api/auth/login or an "Authorization: Bearer <api token>" header.');

export const forbidden = (needed: string, have: string) =>
  new HttpError(403, 'forbidden', `This needs the ${needed} role; you are signed in as ${have}.`);

export { notFound } from '../contract/index.ts';

/** One problem with a request: where (`path`, empty for the whole of it) and what is wrong. */
export interface Problem { path: PropertyKey[]; message: string }

/** 400 with one message naming each problem (`where: what`) and the problems themselves as `details`. */
function invalid(code: string, what: string, whole: string, problems: readonly Problem[]): HttpError {
  const words = problems.map((p) => `${p.path.length > 0 ? p.path.map(String).join('.') : whole}: ${p.message}`);
  return new HttpError(400, code, `Invalid ${what} — ${words.join('; ')}`, problems.map((p) => ({ path: p.path, message: p.message })));
}

/** A body the route cannot take: 400 `invalid_request`, each bad field named (as parseBody answers). */
export const invalidBody = (problems: readonly Problem[]) => invalid('invalid_request', 'request body', 'body', problems);

/** A query string the route cannot take: 400 `invalid_query`, each bad parameter named. */
export const invalidQuery = (problems: readonly Problem[]) => invalid('invalid_query', 'query', 'query string', problems);

/** Parses an untrusted request body with zod; a failure becomes a 400 that names each bad field. */
export function parseBody<S extends z.ZodType>(schema: S, req: Request): z.infer<S> {
  const result = schema.safeParse(req.body);
  if (!result.success) throw invalidBody(result.error.issues);
  return result.data;
}

/** Parses an untrusted query string (`req.query`) with zod, as parseBody does a body: 400 `invalid_query`. */
export function parseQuery<S extends z.ZodType>(schema: S, query: unknown): z.infer<S> {
  const result = schema.safeParse(query);
  if (!result.success) throw invalidQuery(result.error.issues);
  return result.data;
}

interface BodyParserError { type?: string; status?: number; expose?: boolean; limit?: number; length?: number; charset?: string }

function kilobytes(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${(bytes / 1024 / 1024).toFixed(1).replace(/\.0$/, '')} MB` : `${Math.floor(bytes / 1024)} kB`;
}

/** body-parser's errors, in words that say what to send instead; always 4xx (its 5xx kinds are bad requests here). */
function bodyParserProblem(err: BodyParserError & Error): HttpError {
  switch (err.type) {
    case 'entity.too.large':
      return new HttpError(413, 'payload_too_large', typeof err.limit === 'number'
        ? `The request body${typeof err.length === 'number' && Number.isFinite(err.length) ? ` (${kilobytes(err.length)})` : ''} is larger than the ${kilobytes(err.limit)} this route accepts; nothing was stored. Send less, e.g. split it into several requests.`
        : 'The request body is larger than this route accepts; nothing was stored.');
    case 'entity.parse.failed':
      return new HttpError(400, 'invalid_json', 'The request body is not valid JSON (send a JSON object with Content-Type: application/json).');
    case 'charset.unsupported':
      return new HttpError(415, 'unsupported_charset', `The body's charset${err.charset ? ` "${err.charset}"` : ''} is not supported; send UTF-8 JSON.`);
    case 'encoding.unsupported':
      return new HttpError(415, 'unsupported_encoding', 'The body\'s Content-Encoding is not supported; send it uncompressed, or with gzip, deflate or br.');
    default: {
      const status = err.status !== undefined && err.status >= 400 && err.status < 500 ? err.status : 400;
      return new HttpError(status, 'bad_request', `The request body could not be read (${err.message}); nothing was stored.`);
    }
  }
}

/** body-parser's errors, and other http-errors a middleware raises for a bad request (e.g. a body whose gzip is corrupt: 400 without a type). */
function isBodyParserError(err: unknown): err is BodyParserError & Error {
  if (!(err instanceof Error)) return false;
  const { type, status, expose } = err as BodyParserError;
  return typeof status === 'number' && (typeof type === 'string' || (expose === true && status >= 400 && status < 500));
}

/** The MongoDB driver's "cannot reach the server" errors, which are not StoreUnavailableError. */
function isDriverConnectionError(err: unknown): boolean {
  return err instanceof Error && /^Mongo(ServerSelection|Network|NetworkTimeout|NotConnected|TopologyClosed)Error$/.test(err.name);
}

export function errorHandler(log: Logger): ErrorRequestHandler {
  return (err: unknown, req, res, _next) => {
    let e: HttpError;
    // Services refuse with the contract's ApiFailure; routes with HttpError, which is one.
    if (err instanceof ApiFailure) e = err;
    else if (isBodyParserError(err)) {
      e = bodyParserProblem(err);
    } else if (err instanceof InvalidCursorError) e = new HttpError(400, 'invalid_cursor', 'The cursor is not one this server handed out; start again from the first page.');
    else if (err instanceof StoreConflictError) e = new HttpError(409, 'conflict', err.message);
    else if (err instanceof StoreUnavailableError || isDriverConnectionError(err)) e = new HttpError(503, 'store_unavailable', 'The store is not reachable right now; nothing was changed. Try again shortly.');
    else {
      log.error({ err, method: req.method, path: req.path }, 'unhandled error in request');
      e = new HttpError(500, 'internal', 'Something went wrong on the server; it has been logged.');
    }
    if (res.headersSent) return;
    res.status(e.status).json(e.toBody());
  };
}
