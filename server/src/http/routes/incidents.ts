// Incidents: list, read (with timeline and analytics), statistics, and what responders do to them.
import { Router } from 'express';
import { z } from 'zod';
import { INCIDENT_FILTERS } from '../../contract/index.ts';
import type { IncidentActions } from '../../services/incident-actions.ts';
import type { IncidentQueries } from '../../services/incidents.ts';
import { invalidQuery, parseBody, parseQuery } from '../errors.ts';
import { limit, oneOf, text } from '../query-params.ts';
import { auditContext, requireRole } from '../auth-middleware.ts';

const listQuery = z.object({
  status: oneOf(INCIDENT_FILTERS, 'all'),
  service: text(200).optional(),
  limit: limit(500, 50),
  cursor: z.string().max(500).optional(),
});

const statsQuery = z.object({
  service: text(200).optional(),
  from: z.iso.datetime().optional(),
  to: z.iso.datetime().optional(),
});

const noteBody = z.object({ text: z.string().trim().min(1, 'required').max(10_000) });
const resolveBody = z.object({ reason: z.string().trim().min(1, 'say why it is resolved').max(2_000) });

const DAY_MS = 86_400_000;
const STATS_MAX_RANGE_DAYS = 366;

/** The stats window: the last 30 days up to `to` (now) unless given; at most 366 days. */
function statsWindow(q: z.infer<typeof statsQuery>, now: Date): { from: string; to: string } {
  const to = q.to ?? now.toISOString();
  const from = q.from ?? new Date(Date.parse(to) - 30 * DAY_MS).toISOString();
  if (Date.parse(from) >= Date.parse(to)) throw invalidQuery([{ path: ['from'], message: 'must be before to' }]);
  if (Date.parse(to) - Date.parse(from) > STATS_MAX_RANGE_DAYS * DAY_MS) {
    throw invalidQuery([{ path: ['to'], message: `the range from from to to may span at most ${STATS_MAX_RANGE_DAYS} days` }]);
  }
  return { from, to };
}

export function incidentRoutes(deps: { queries: IncidentQueries; actions: IncidentActions }): Router {
  const r = Router();
  const { queries, actions } = deps;

  r.get('/incidents', async (req, res) => {
    res.json(await queries.list(parseQuery(listQuery, req.query)));
  });

  r.get('/incidents/:id', async (req, res) => {
    res.json(await queries.get(String(req.params['id'])));
  });

  const responder = requireRole('responder');

  r.post('/incidents/:id/notes', responder, async (req, res) => {
    const { text } = parseBody(noteBody, req);
    res.status(201).json(await actions.note(String(req.params['id']), text, auditContext(req)));
  });

  r.post('/incidents/:id/acknowledge', responder, async (req, res) => {
    res.json(await actions.acknowledge(String(req.params['id']), auditContext(req)));
  });

  r.post('/incidents/:id/resolve', responder, async (req, res) => {
    const { reason } = parseBody(resolveBody, req);
    res.json(await actions.resolve(String(req.params['id']), reason, auditContext(req)));
  });

  r.get('/stats', async (req, res) => {
    const q = parseQuery(statsQuery, req.query);
    const { from, to } = statsWindow(q, new Date());
    res.json(await queries.stats(from, to, q.service));
  });

  return r;
}
