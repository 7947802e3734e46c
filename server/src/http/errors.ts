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
    if (err instanceof HttpError) e = err;
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
