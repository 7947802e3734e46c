// POST /api/auth/login, POST /api/auth/logout, GET /api/auth/me.
import { Router, type CookieOptions, type Request } from 'express';
import { z } from 'zod';
import type { LoginResponse } from '../../contract/index.ts';
import type { AuthService } from '../../auth/service.ts';
import type { AuditLog } from '../../audit.ts';
import { HttpError, parseBody } from '../errors.ts';
import { authenticate, principalOf, SESSION_COOKIE } from '../auth-middleware.ts';

const loginBody = z.object({
  username: z.string().trim().min(1, 'required').max(64),
  password: z.string().min(1, 'required').max(1024),
});

export interface AuthRouteOptions {
  auth: AuthService;
  audit: AuditLog;
  cookieSecure: 'auto' | boolean;
  sessionTtlMs: number;
}

export function authRoutes(o: AuthRouteOptions): Router {
  const r = Router();
  const cookieOptions = (req: Request): CookieOptions => ({
    httpOnly: true,
    sameSite: 'lax',
    secure: o.cookieSecure === 'auto' ? req.secure : o.cookieSecure,
    path: '/',
  });

  r.post('/login', async (req, res) => {
    const { username, password } = parseBody(loginBody, req);
    const session = await o.auth.login(username, password, req.ip);
    if (!session) {
      await o.audit.record({ actor: username, action: 'auth.login', outcome: 'denied', ...(req.ip ? { ip: req.ip } : {}) });
      throw new HttpError(401, 'invalid_credentials', 'Wrong username or password.');
    }
    await o.audit.record({ actor: session.user.username, action: 'auth.login', outcome: 'ok', ...(req.ip ? { ip: req.ip } : {}) });
    res.cookie(SESSION_COOKIE, session.cookieValue, { ...cookieOptions(req), maxAge: o.sessionTtlMs });
    const body: LoginResponse = { user: session.user, csrfToken: session.csrfToken };
    res.json(body);
  });

  r.use(authenticate(o.auth));

  r.get('/me', (req, res) => {
    const p = principalOf(req);
    if (!p.user) {
      res.json({ user: null, actor: p.actor, role: p.role, csrfToken: null });
      return;
    }
    const body: LoginResponse = { user: p.user, csrfToken: p.csrfToken ?? '' };
    res.json(body);
  });

  r.post('/logout', async (req, res) => {
    const p = principalOf(req);
    await o.auth.logout(p);
    await o.audit.record({ actor: p.actor, action: 'auth.logout', outcome: 'ok', ...(req.ip ? { ip: req.ip } : {}) });
    res.clearCookie(SESSION_COOKIE, cookieOptions(req));
    res.status(204).end();
  });

  return r;
}
