// POST /api/auth/login (throttled: failures per username and per address lock for a while),
// POST /api/auth/logout, POST /api/auth/logout-all, GET /api/auth/me, POST /api/auth/password.
import { Router, type CookieOptions, type Request } from 'express';
import { z } from 'zod';
import type { LoginResponse } from '../../contract/index.ts';
import type { AuthService } from '../../auth/service.ts';
import { AccountError, type AccountService } from '../../auth/accounts.ts';
import type { AuditLog } from '../../audit.ts';
import { humanDuration, retryAfterSeconds, type Lock, type LoginThrottle } from '../../auth/login-throttle.ts';
import { HttpError, parseBody } from '../errors.ts';
import { auditContext, authenticate, principalOf, SESSION_COOKIE } from '../auth-middleware.ts';
import { newPassword } from './accounts.ts';

const loginBody = z.object({
  username: z.string().trim().min(1, 'required').max(64),
  password: z.string().min(1, 'required').max(1024),
});

const passwordChange = z.object({
  currentPassword: z.string().min(1, 'required').max(1024),
  newPassword,
});

export interface AuthRouteOptions {
  auth: AuthService;
  accounts: AccountService;
  audit: AuditLog;
  cookieSecure: 'auto' | boolean;
  sessionTtlMs: number;
  throttle: LoginThrottle;
}

function lockedOut(lock: Lock, ip: string | undefined): HttpError {
  const wait = humanDuration(lock.retryAfterMs);
  const message = lock.scope === 'username'
    ? `Too many failed sign-ins for this username: it is locked for ${wait}. Wait and try again, or ask an admin to lift the lock (Users → unlock); the password was not checked.`
    : `Too many failed sign-ins from your address${ip ? ` (${ip})` : ''}: sign-in from it is paused for ${wait}. Wait and try again; the password was not checked.`;
  return new HttpError(429, 'too_many_attempts', message, { scope: lock.scope, retryAfterSeconds: retryAfterSeconds(lock) });
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
    const ip = req.ip;
    const lock = await o.throttle.check(username, ip);
    if (lock) {
      res.setHeader('Retry-After', String(retryAfterSeconds(lock)));
      throw lockedOut(lock, ip);
    }
    const result = await o.auth.login(username, password, ip);
    if (!result.ok) {
      const failure = await o.throttle.failure(username, ip);
      // A name nobody has is kept out of the log as typed: it may be a password typed in the wrong field.
      const actor = result.username ?? await o.audit.unknownUser(username);
      await o.audit.record({ ...auditContext(req, actor), action: 'auth.login', outcome: 'denied' });
      if (failure.locked) {
        const l = failure.locked;
        await o.audit.record({
          ...auditContext(req, actor), action: 'auth.lockout', target: l.scope === 'username' ? actor : (ip ?? 'unknown'), outcome: 'denied',
          detail: { scope: l.scope, until: new Date(l.until).toISOString(), failures: l.scope === 'username' ? failure.failures.username : failure.failures.ip },
        });
        res.setHeader('Retry-After', String(retryAfterSeconds(l)));
        throw lockedOut(l, ip);
      }
      if (result.disabled) throw new HttpError(403, 'user_disabled', 'This account is disabled; ask an admin to enable it (Admin → Users).');
      throw new HttpError(401, 'invalid_credentials', 'Wrong username or password.');
    }
    const session = result.session;
    await o.throttle.success(username);
    await o.audit.record({ ...auditContext(req, session.user.username), action: 'auth.login', outcome: 'ok' });
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
    await o.audit.record({ ...auditContext(req), action: 'auth.logout', outcome: 'ok' });
    res.clearCookie(SESSION_COOKIE, cookieOptions(req));
    res.status(204).end();
  });

  // Every session of the caller, this one included (a lost laptop, a shared machine).
  r.post('/logout-all', async (req, res) => {
    const p = principalOf(req);
    if (!p.user) throw new HttpError(400, 'not_a_session', 'An API token has no sessions to end; an admin revokes the token itself with DELETE /api/tokens/:id.');
    const revoked = await o.auth.revokeSessions(p.user.id);
    await o.audit.record({ ...auditContext(req), action: 'auth.logout_all', target: p.user.username, outcome: 'ok', detail: { sessions: revoked } });
    res.clearCookie(SESSION_COOKIE, cookieOptions(req));
    res.json({ revoked });
  });

  // One's own password: the current one proves it is them (wrong guesses count towards the same
  // lock as sign-in's, so a borrowed session cannot guess it); every other session of theirs ends.
  r.post('/password', async (req, res) => {
    const p = principalOf(req);
    if (!p.user || !p.sessionHash) throw new HttpError(400, 'not_a_session', 'An API token has no password; sign in as the user to change theirs.');
    const body = parseBody(passwordChange, req);
    const lock = await o.throttle.check(p.user.username, req.ip);
    if (lock) {
      res.setHeader('Retry-After', String(retryAfterSeconds(lock)));
      throw lockedOut(lock, req.ip);
    }
    try {
      const { sessions } = await o.accounts.changeOwn(p.user.id, p.sessionHash, body.currentPassword, body.newPassword);
      await o.audit.record({ ...auditContext(req), action: 'user.password.change', target: p.user.username, outcome: 'ok', detail: { sessionsEnded: sessions } });
      res.json({ revoked: sessions });
    } catch (err) {
      if (err instanceof AccountError) {
        if (err.code === 'wrong_password') await o.throttle.failure(p.user.username, req.ip);
        await o.audit.record({ ...auditContext(req), action: 'user.password.change', target: p.user.username, outcome: 'denied', detail: { reason: err.code } });
      }
      throw err;
    }
  });

  return r;
}
