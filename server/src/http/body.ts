// Request bodies: JSON only, parsed with a size limit. A body of another type is refused (415)
// rather than silently read as "no body", so a client sending form data learns why.
import express, { type RequestHandler } from 'express';
import { HttpError } from './errors.ts';

/** The API's limit: the largest body it takes (a post-mortem, 200k characters) fits. */
export const API_BODY_LIMIT = '256kb';

function hasBody(headers: NodeJS.Dict<string | string[]>): boolean {
  const length = headers['content-length'];
  if (typeof length === 'string') return length.trim() !== '0';
  return headers['transfer-encoding'] !== undefined;
}

/** express.json with `limit`, then 415 for any other body type on any method. */
export function jsonBody(limit: string): RequestHandler[] {
  return [
    express.json({ limit, strict: true }),
    (req, _res, next) => {
      if (hasBody(req.headers) && !req.is('application/json')) {
        const sent = req.headers['content-type'];
        throw new HttpError(415, 'unsupported_media_type',
          `This API takes JSON bodies only${sent ? `, not ${JSON.stringify(sent.slice(0, 100))}` : ' and the request names no Content-Type'}: send Content-Type: application/json.`);
      }
      next();
    },
  ];
}
