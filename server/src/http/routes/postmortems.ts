// Post-mortems (API.md): read (a draft until one is saved), save with a version, export as Markdown,
// the versions, and action items — one marked done, or all of them across incidents.
import { Router } from 'express';
import { z } from 'zod';
import type { Postmortems } from '../../services/postmortems.ts';
import { parseBody, parseQuery } from '../errors.ts';
import { limit, oneOf } from '../query-params.ts';
import { auditContext, requireRole } from '../auth-middleware.ts';

const MAX_MARKDOWN = 200_000;
const saveBody = z.object({
  markdown: z.string().max(MAX_MARKDOWN, `at most ${MAX_MARKDOWN} characters`),
  version: z.number().int().min(0),
});

const toggleBody = z.object({ done: z.boolean(), version: z.number().int().min(0) });
const itemsQuery = z.object({
  status: oneOf(['open', 'done', 'all'], 'open'),
  limit: limit(500, 200),
});

export function postmortemRoutes(postmortems: Postmortems): Router {
  const r = Router();

  r.get('/incidents/:id/postmortem', async (req, res) => {
    res.json(await postmortems.view(String(req.params['id'])));
  });

  r.get('/incidents/:id/postmortem.md', async (req, res) => {
    const pm = await postmortems.view(String(req.params['id']));
    res.type('text/markdown; charset=utf-8');
    res.setHeader('Content-Disposition', `attachment; filename="postmortem-${pm.incidentId}.md"`);
    res.send(pm.markdown);
  });

  r.get('/incidents/:id/postmortem/versions', async (req, res) => {
    res.json({ items: await postmortems.versions(String(req.params['id'])) });
  });

  r.put('/incidents/:id/postmortem', requireRole('responder'), async (req, res) => {
    const body = parseBody(saveBody, req);
    res.json(await postmortems.save(String(req.params['id']), body.markdown, body.version, auditContext(req)));
  });

  r.patch('/incidents/:id/postmortem/action-items/:index', requireRole('responder'), async (req, res) => {
    const body = parseBody(toggleBody, req);
    res.json(await postmortems.markActionItem(String(req.params['id']), String(req.params['index']), body.done, body.version, auditContext(req)));
  });

  r.get('/action-items', async (req, res) => {
    const q = parseQuery(itemsQuery, req.query);
    res.json({ items: await postmortems.actionItems(q.status, q.limit) });
  });

  return r;
}
