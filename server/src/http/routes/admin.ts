// Admin-only: users (with their sessions and sign-in lock) and API tokens (API.md), and the audit log.
import { Router } from 'express';
import { z } from 'zod';
import { ROLES } from '../../contract/index.ts';
import { UsernameTakenError, type AuthService } from '../../auth/service.ts';
import type { AuditLog } from '../../audit.ts';
import type { LoginThrottle } from '../../auth/login-throttle.ts';
import { HttpError, notFound, parseBody } from '../errors.ts';
import { principalOf, requireRole } from '../auth-middleware.ts';

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
  limit: z.coerce.number().int().min(1).max(500).default(100),
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
    const actor = principalOf(req).actor;
    try {
      const user = await auth.createUser(input);
      await audit.record({ actor, action: 'user.create', target: user.username, outcome: 'ok', detail: { role: user.role }, ...(req.ip ? { ip: req.ip } : {}) });
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
    await audit.record({ actor: principalOf(req).actor, action: 'user.sessions.revoke', target: user.username, outcome: 'ok', detail: { sessions: revoked }, ...(req.ip ? { ip: req.ip } : {}) });
    res.json({ revoked });
  });

  // Lifts a sign-in lock on the username after too many failed attempts.
  r.post('/users/:id/unlock', admin, async (req, res) => {
    const user = await userOf(String(req.params['id']));
    throttle.unlock(user.username);
    await audit.record({ actor: principalOf(req).actor, action: 'user.unlock', target: user.username, outcome: 'ok', ...(req.ip ? { ip: req.ip } : {}) });
    res.status(204).end();
  });

  r.get('/tokens', admin, async (_req, res) => {
    res.json({ items: await auth.listTokens() });
  });

  r.post('/tokens', admin, async (req, res) => {
    const input = parseBody(newToken, req);
    const actor = principalOf(req).actor;
    const { record, token } = await auth.createToken({ ...input, createdBy: actor });
    await audit.record({ actor, action: 'token.create', target: record.name, outcome: 'ok', detail: { id: record.id, role: record.role }, ...(req.ip ? { ip: req.ip } : {}) });
    res.status(201).json({ ...record, token });
  });

  r.delete('/tokens/:id', admin, async (req, res) => {
    const actor = principalOf(req).actor;
    const id = String(req.params['id']);
    const revoked = await auth.revokeToken(id);
    if (!revoked) throw notFound(`API token ${id}`);
    await audit.record({ actor, action: 'token.revoke', target: id, outcome: 'ok', ...(req.ip ? { ip: req.ip } : {}) });
    res.status(204).end();
  });

  r.get('/audit', admin, async (req, res) => {
    const q = auditQuery.safeParse(req.query);
    if (!q.success) throw new HttpError(400, 'invalid_query', q.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
    res.json({ items: await audit.list(q.data.limit, q.data.before, q.data.beforeId) });
  });

  return r;
}
