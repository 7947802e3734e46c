// Changes: what was deployed (container.change), and rolling one back.
import { Router } from 'express';
import { z } from 'zod';
import type { ChangeQueries } from '../../services/changes.ts';
import type { ChangeActions } from '../../services/change-actions.ts';
import { auditContext, requireRole } from '../auth-middleware.ts';
import { HttpError, parseQuery } from '../errors.ts';
import { limit, text } from '../query-params.ts';

const listQuery = z.object({
  service: text(300).optional(),
  host: text(300).optional(),
  from: z.iso.datetime({ offset: true }).optional(),
  to: z.iso.datetime({ offset: true }).optional(),
  limit: limit(200, 50),
  cursor: text(1_000).optional(),
}).strict();

const CHANGE_ID = /^chg_[0-9a-f]{24}$/;

export function changeRoutes(deps: { queries: ChangeQueries; actions: ChangeActions }): Router {
  const r = Router();

  r.get('/changes', async (req, res) => {
    const q = parseQuery(listQuery, req.query);
    const iso = (t: string | undefined) => (t === undefined ? undefined : new Date(t).toISOString());
    res.json(await deps.queries.list({ ...q, from: iso(q.from), to: iso(q.to) }));
  });

  r.post('/changes/:id/rollback', requireRole('responder'), async (req, res) => {
    const id = String(req.params['id']);
    if (!CHANGE_ID.test(id)) throw new HttpError(400, 'invalid_request', `"${id.slice(0, 80)}" is not a change id (chg_ and 24 hex digits, as GET /api/changes lists them).`);
    res.status(202).json(await deps.actions.rollback(id, auditContext(req)));
  });

  return r;
}
