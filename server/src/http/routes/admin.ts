// Admin-only: users (with their sessions and sign-in lock) and API tokens (API.md), and the audit log.
import { Router } from 'express';
import { z } from 'zod';
import { ROLES } from '../../contract/index.ts';
import { UsernameTakenError, type AuthService } from '../../auth/service.ts';
import type { AuditLog } from '../../audit.ts';
import type { LoginThrottle } from '../../auth/login-throttle.ts';
import { HttpError, notFound, parseBody, parseQuery } from '../errors.ts';
import { limit } from '../query-params.ts';
import { auditContext, requireRole } from '../auth-middleware.ts';

const role = z.enum(ROLES, { message: `must be one of ${ROLES.join(', ')}` });

const newUser = z.object({
  username: z.string().trim().regex(/^[a-zA-Z0-9._-]{2,64}$/, '2–64 letters, digits, dots, dashes or underscores'),
  password: z.string().min(10, 'at least 10 characters').max(1024),
  role,
});

const newToken = z.object({
  name: z.string().trim().min(1, 'required').max(100),
  role,
});

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
    throttle.unlock(user.username);
    await audit.record({ ...auditContext(req), action: 'user.unlock', target: user.username, outcome: 'ok' });
    res.status(204).end();
  });

  r.get('/tokens', admin, async (_req, res) => {
    res.json({ items: await auth.listTokens() });
  });

  r.post('/tokens', admin, async (req, res) => {
    const input = parseBody(newToken, req);
    const by = auditContext(req);
    const { record, token } = await auth.createToken({ ...input, createdBy: by.actor });
    await audit.record({ ...by, action: 'token.create', target: record.name, outcome: 'ok', detail: { id: record.id, role: record.role } });
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
