// Which pages may act with a visitor's session cookie. The cookie is SameSite=Lax, so a page on a
// sibling origin of the same site (another port of the same host) still gets it sent, and CORS
// does not cover WebSockets: without this, such a page could open the socket.io connection as the
// visitor. A browser names the page in `Origin`; it must be PUBLIC_URL or the origin the request was
// served on (Host header and scheme). Requests without `Origin` (scripts, curl) are not from a page.
import type { IncomingMessage } from 'node:http';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { bearerFrom } from './auth-middleware.ts';
import { HttpError } from './errors.ts';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

function originOf(url: string): string | null {
  try {
    const origin = new URL(url).origin;
    return origin === 'null' ? null : origin;
  } catch {
    return null;
  }
}

function isLoopback(address: string | undefined): boolean {
  return address !== undefined && (address.startsWith('127.') || address === '::1' || address.startsWith('::ffff:127.'));
}

/** The scheme and host this request reached Vigil at; X-Forwarded-Proto counts from a loopback proxy only (as for express). */
function servedOrigin(req: IncomingMessage): string | null {
  const host = req.headers.host;
  if (!host) return null;
  const forwarded = isLoopback(req.socket.remoteAddress) ? req.headers['x-forwarded-proto'] : undefined;
  const proto = (Array.isArray(forwarded) ? forwarded[0] : forwarded)?.split(',')[0]?.trim()
    ?? ('encrypted' in req.socket && req.socket.encrypted === true ? 'https' : 'http');
  return proto === 'http' || proto === 'https' ? originOf(`${proto}://${host}`) : null;
}

export type OriginVerdict = { allowed: true } | { allowed: false; origin: string; message: string };

export class OriginPolicy {
  private readonly publicOrigin: string | null;

  constructor(publicUrl: string) {
    this.publicOrigin = originOf(publicUrl);
  }

  check(req: IncomingMessage): OriginVerdict {
    const sent = req.headers.origin;
    if (sent === undefined) return { allowed: true };
    const origin = originOf(sent);
    if (origin !== null && (origin === this.publicOrigin || origin === servedOrigin(req))) return { allowed: true };
    return {
      allowed: false,
      origin: sent,
      message: `A page at ${sent} may not act with a Vigil session; only Vigil's own pages (${this.publicOrigin ?? 'PUBLIC_URL'}) may. `
        + 'If this is how people reach Vigil, set PUBLIC_URL to that address.',
    };
  }
}

/**
 * Refuses a state-changing request from a foreign page. A bearer-token request is not
 * cookie-authenticated and is left alone, as is one without `Origin`.
 */
export function originCheck(policy: OriginPolicy): RequestHandler {
  return (req: Request, _res: Response, next: NextFunction) => {
    if (SAFE_METHODS.has(req.method) || bearerFrom(req.headers.authorization) !== undefined) {
      next();
      return;
    }
    const verdict = policy.check(req);
    if (!verdict.allowed) throw new HttpError(403, 'origin_not_allowed', verdict.message);
    next();
  };
}
