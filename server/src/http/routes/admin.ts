// Admin-only: users (with their sessions and sign-in lock) and API tokens (API.md), and the audit log.
import { Router } from 'express';
import { z } from 'zod';
import { API_TOKEN_MAX_DAYS, PASSWORD_MIN_LENGTH, ROLES } from '../../contract/index.ts';
import { UsernameTakenError, type AuthService } from '../../auth/service.ts';
import type { AuditLog } from '../../audit.ts';
import type { LoginThrottle } from '../../auth/login-throttle.ts';
import { HttpError, notFound, parseBody, parseQuery } from '../errors.ts';
import { limit } from '../query-params.ts';
import { auditContext, requireRole } from '../auth-middleware.ts';

const role = z.enum(ROLES, { message: `must be one of ${ROLES.join(', ')}` });

const newUser = z.object({
  username: z.string().trim().regex(/^[a-zA-Z0-9._-]{2,64}$/, '2–64 letters, digits, dots, dashes or underscores'),
  password: z.string().min(PASSWORD_MIN_LENGTH, `at least ${PASSWORD_MIN_LENGTH} characters`).max(1024),
  role,
});

const DAY_MS = 86_400_000;

const newToken = z.object({
  name: z.string().trim().min(1, 'required').max(100),
  role,
  expiresInDays: z.number().int('whole days').min(1, 'at least 1 day').max(API_TOKEN_MAX_DAYS, `at most ${API_TOKEN_MAX_DAYS} days`).optional(),
  expiresAt: z.iso.datetime({ offset: true, message: 'an ISO-8601 time, e.g. 2027-01-31T00:00:00Z' }).optional(),
}).refine((t) => t.expiresInDays === undefined || t.expiresAt === undefined, { message: 'give expiresInDays or expiresAt, not both', path: ['expiresAt'] });

/** When a new token expires (ISO), or undefined when it does not; a time past or too far is refused. */
function tokenExpiry(input: { expiresInDays?: number | undefined; expiresAt?: string | undefined }, now: number): string | undefined {
  if (input.expiresInDays !== undefined) return new Date(now + input.expiresInDays * DAY_MS).toISOString();
  if (input.expiresAt === undefined) return undefined;
  const at = Date.parse(input.expiresAt);
  if (at <= now) throw new HttpError(400, 'invalid_request', `expiresAt (${input.expiresAt}) is in the past; give a future time or expiresInDays.`);
  if (at > now + API_TOKEN_MAX_DAYS * DAY_MS) throw new HttpError(400, 'invalid_request', `expiresAt is more than ${API_TOKEN_MAX_DAYS} days away; a token lives at most that long (leave both out for one that never expires).`);
  return new Date(at).toISOString();
}

const auditQuery = z.object({
  limit: limit(500, 100),
  before: z.iso.datetime({ offset: false }).optional(),
  /** The id of the last record of the previous page, with its `at` as `before`. */
  beforeId: z.string().min(1).max(200).optional(),
}).refine((q) => q.beforeId === undefined || q.before !== undefined, { message: 'beforeId needs before (the same record\'s at)', path: ['beforeId'] });

export function adminRoutes(auth: AuthService, audit: AuditLog, throttle: LoginThrottle): Router {
  const r = Router();
  const admin = requireRole('admin');

  r.get('/users', admin, async (_req, res) => {
    res.json({ items: await auth.listUsers() });
  });

  r.post('/users', admin, async (req, res) => {
    const input = parseBody(newUser, req);
    const by = auditContext(req);
    try {
      const user = await auth.createUser(input);
      await audit.record({ ...by, action: 'user.create', target: user.username, outcome: 'ok', detail: { role: user.role } });
      res.status(201).json(user);
    } catch (err) {
      if (err instanceof UsernameTakenError) throw new HttpError(409, 'username_taken', err.message, { existing: err.existing });
      throw err;
    }
  });

  async function userOf(id: string) {
    const user = await auth.userById(id);
    if (!user) throw notFound(`User ${id}`);
    return user;
  }

  // Signs a user out everywhere (a stolen cookie, someone leaving): their next request is 401.
  r.delete('/users/:id/sessions', admin, async (req, res) => {
    const user = await userOf(String(req.params['id']));
    const revoked = await auth.revokeSessions(user.id);
    await audit.record({ ...auditContext(req), action: 'user.sessions.revoke', target: user.username, outcome: 'ok', detail: { sessions: revoked } });
    res.json({ revoked });
  });

  // Lifts a sign-in lock on the username after too many failed attempts.
  r.post('/users/:id/unlock', admin, async (req, res) => {
    const user = await userOf(String(req.params['id']));
    await throttle.unlock(user.username);
    await audit.record({ ...auditContext(req), action: 'user.unlock', target: user.username, outcome: 'ok' });
    res.status(204).end();
  });

  r.get('/tokens', admin, async (_req, res) => {
    res.json({ items: await auth.listTokens() });
  });

  r.post('/tokens', admin, async (req, res) => {
    const input = parseBody(newToken, req);
    const by = auditContext(req);
    const expiresAt = tokenExpiry(input, Date.now());
    const { record, token } = await auth.createToken({ name: input.name, role: input.role, createdBy: by.actor, ...(expiresAt ? { expiresAt } : {}) });
    await audit.record({ ...by, action: 'token.create', target: record.name, outcome: 'ok', detail: { id: record.id, role: record.role, ...(expiresAt ? { expiresAt } : {}) } });
    res.status(201).json({ ...record, token });
  });

  r.delete('/tokens/:id', admin, async (req, res) => {
    const id = String(req.params['id']);
    const revoked = await auth.revokeToken(id);
    if (!revoked) throw notFound(`API token ${id}`);
    await audit.record({ ...auditContext(req), action: 'token.revoke', target: id, outcome: 'ok' });
    res.status(204).end();
  });

  r.get('/audit', admin, async (req, res) => {
    const q = parseQuery(auditQuery, req.query);
    res.json({ items: await audit.list(q.limit, q.before, q.beforeId) });
  });

  return r;
}
