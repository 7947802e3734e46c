// Who is calling, may they, and did a cookie-borne state change carry its CSRF token.
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { parse as parseCookie } from 'cookie';
import type { Role } from '../contract/index.ts';
import type { AuditContext } from '../audit.ts';
import { roleAtLeast, type AuthService, type Principal } from '../auth/service.ts';
import { safeEqual } from '../auth/secrets.ts';
import { forbidden, HttpError, unauthenticated } from './errors.ts';

export const SESSION_COOKIE = 'vigil_session';
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

declare module 'express-serve-static-core' {
  interface Request {
    principal?: Principal;
  }
}

export function readSessionCookie(cookieHeader: string | undefined): string | undefined {
  if (!cookieHeader) return undefined;
  return parseCookie(cookieHeader)[SESSION_COOKIE];
}

export function bearerFrom(header: string | undefined): string | undefined {
  const m = header?.match(/^Bearer\s+(\S+)\s*$/i);
  return m?.[1];
}

/** Resolves the caller from a bearer token or the session cookie; 401 when neither is valid. */
export async function principalFrom(auth: AuthService, authorization: string | undefined, cookieHeader: string | undefined): Promise<Principal | null> {
  const bearer = bearerFrom(authorization);
  if (bearer !== undefined) return auth.fromBearer(bearer);
  const cookieValue = readSessionCookie(cookieHeader);
  return cookieValue ? auth.fromSessionCookie(cookieValue) : null;
}

export function authenticate(auth: AuthService): RequestHandler {
  return async (req: Request, _res: Response, next: NextFunction) => {
    const principal = await principalFrom(auth, req.headers.authorization, req.headers.cookie);
    if (!principal) {
      const bearer = bearerFrom(req.headers.authorization);
      if (bearer !== undefined && (await auth.bearerRefusal(bearer)) === 'token_expired') {
        throw new HttpError(401, 'token_expired', 'This API token has expired; ask an admin for a new one (Admin → API tokens).');
      }
      throw unauthenticated();
    }
    if (principal.via === 'session' && !SAFE_METHODS.has(req.method)) {
      const sent = req.get('x-csrf-token');
      if (!sent || !principal.csrfToken || !safeEqual(sent, principal.csrfToken)) {
        throw new HttpError(403, 'csrf_token_invalid', 'This change needs the X-CSRF-Token header with the csrfToken from login or GET /api/auth/me.');
      }
    }
    req.principal = principal;
    next();
  };
}

export function requireRole(needed: Role): RequestHandler {
  return (req: Request, _res: Response, next: NextFunction) => {
    const p = req.principal;
    if (!p) throw unauthenticated();
    if (!roleAtLeast(p.role, needed)) throw forbidden(needed, p.role);
    next();
  };
}

export function principalOf(req: Request): Principal {
  if (!req.principal) throw unauthenticated();
  return req.principal;
}

/** The audit context of a request: its caller (or `actor`, before anyone is signed in) and address. */
export function auditContext(req: Request, actor: string = principalOf(req).actor): AuditContext {
  return { actor, ...(req.ip ? { ip: req.ip } : {}) };
}
