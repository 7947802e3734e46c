// Admin-only: a user's life after creation (API.md, docs/api.md): disable, enable, delete, reset
// the password. Each is audited; the rules (not oneself, never the last enabled admin) are in
// auth/accounts.ts.
import { Router } from 'express';
import { z } from 'zod';
import { PASSWORD_MIN_LENGTH } from '../../contract/index.ts';
import type { AccountService } from '../../auth/accounts.ts';
import type { AuditLog } from '../../audit.ts';
import { parseBody } from '../errors.ts';
import { auditContext, principalOf, requireRole } from '../auth-middleware.ts';

export const newPassword = z.string().min(PASSWORD_MIN_LENGTH, `at least ${PASSWORD_MIN_LENGTH} characters`).max(1024);

const resetBody = z.object({ password: newPassword });

export function accountRoutes(accounts: AccountService, audit: AuditLog): Router {
  const r = Router();
  const admin = requireRole('admin');
  const callerOf = (req: Parameters<typeof principalOf>[0]) => {
    const p = principalOf(req);
    return p.user ? { userId: p.user.id } : {};
  };

  r.post('/users/:id/disable', admin, async (req, res) => {
    const { user, sessions } = await accounts.disable(callerOf(req), String(req.params['id']));
    await audit.record({ ...auditContext(req), action: 'user.disable', target: user.username, outcome: 'ok', detail: { sessions } });
    res.json(user);
  });

  r.post('/users/:id/enable', admin, async (req, res) => {
    const user = await accounts.enable(String(req.params['id']));
    await audit.record({ ...auditContext(req), action: 'user.enable', target: user.username, outcome: 'ok' });
    res.json(user);
  });

  r.delete('/users/:id', admin, async (req, res) => {
    const { user, sessions, tokens } = await accounts.delete(callerOf(req), String(req.params['id']));
    await audit.record({ ...auditContext(req), action: 'user.delete', target: user.username, outcome: 'ok', detail: { sessions, tokensRevoked: tokens } });
    res.status(204).end();
  });

  r.post('/users/:id/password', admin, async (req, res) => {
    const { password } = parseBody(resetBody, req);
    const { user, sessions } = await accounts.reset(callerOf(req), String(req.params['id']), password);
    await audit.record({ ...auditContext(req), action: 'user.password.reset', target: user.username, outcome: 'ok', detail: { sessions } });
    res.json({ revoked: sessions });
  });

  return r;
}
