// Incidents: list, read (with timeline and analytics), and what responders do to them.
// Human actions become signals like any other, so they reach the timeline through the engine.
import { randomUUID } from 'node:crypto';
import { Router, type Request } from 'express';
import { z } from 'zod';
import { INCIDENT_FILTERS, type IncidentWithTimeline } from '../../contract/index.ts';
import { incidentAnalytics, KIND, statsResponse, userCommandSignal, type UserCommand } from '../../domain/index.ts';
import type { SignalSink } from '../../ingest/pipeline.ts';
import { CursorSigner } from '../../store/cursor.ts';
import { SettingKeys } from '../../store/keys.ts';
import type { Store } from '../../store/types.ts';
import type { AuditLog } from '../../audit.ts';
import { HttpError, notFound, parseBody } from '../errors.ts';
import { principalOf, requireRole } from '../auth-middleware.ts';

const listQuery = z.object({
  status: z.enum(INCIDENT_FILTERS).default('all'),
  service: z.string().trim().min(1).max(200).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  cursor: z.string().max(500).optional(),
});

const statsQuery = z.object({
  service: z.string().trim().min(1).max(200).optional(),
  from: z.iso.datetime().optional(),
  to: z.iso.datetime().optional(),
});

const noteBody = z.object({ text: z.string().trim().min(1, 'required').max(10_000) });
const resolveBody = z.object({ reason: z.string().trim().min(1, 'say why it is resolved').max(2_000) });

const DAY_MS = 86_400_000;
const STATS_MAX_RANGE_MS = 366 * DAY_MS;

function parseQuery<S extends z.ZodType>(schema: S, req: Request): z.infer<S> {
  const r = schema.safeParse(req.query);
  if (!r.success) {
    throw new HttpError(400, 'invalid_query', `Invalid query — ${r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  }
  return r.data;
}

export function incidentRoutes(deps: { store: Store; sink: SignalSink; audit: AuditLog; now?: () => Date }): Router {
  const r = Router();
  const now = deps.now ?? (() => new Date());
  // The store's positions are readable and were accepted as made up; the client gets signed ones.
  const cursors = new CursorSigner(new SettingKeys(deps.store.settings));

  async function load(id: string): Promise<IncidentWithTimeline> {
    const incident = await deps.store.incidents.get(id);
    if (!incident) throw notFound(`Incident ${id}`);
    return { ...incident, timeline: await deps.store.timeline.forIncident(id) };
  }

  r.get('/incidents', async (req, res) => {
    const q = parseQuery(listQuery, req);
    const status = q.status === 'open' ? 'active' : q.status;
    // A cursor belongs to its list: the same status and service filter.
    const scope = `incidents ${JSON.stringify([status, q.service ?? null])}`;
    const cursor = q.cursor === undefined ? undefined : await cursors.open(q.cursor, scope);
    const page = await deps.store.incidents.list({ status, limit: q.limit, ...(q.service ? { service: q.service } : {}), ...(cursor ? { cursor } : {}) });
    res.json({ ...page, nextCursor: page.nextCursor === null ? null : await cursors.sign(page.nextCursor, scope) });
  });

  r.get('/incidents/:id', async (req, res) => {
    const incident = await load(String(req.params['id']));
    res.json({ ...incident, analytics: incidentAnalytics(incident, now().toISOString()) });
  });

  /** Stores the command as a signal (the engine writes the entry) and answers with the incident as it is now. */
  async function command(req: Request, make: (incident: IncidentWithTimeline, actor: string) => UserCommand): Promise<IncidentWithTimeline> {
    const incident = await load(String(req.params['id']));
    const actor = principalOf(req).actor;
    const cmd = make(incident, actor);
    await deps.sink.ingest([userCommandSignal(cmd, now().toISOString(), randomUUID())]);
    await deps.audit.record({ actor, action: `incident.${cmd.kind.replace(/^user\./, '')}`, target: incident.id, outcome: 'ok', ...(req.ip ? { ip: req.ip } : {}) });
    return load(incident.id);
  }

  const responder = requireRole('responder');
  const ref = (i: IncidentWithTimeline) => ({ id: i.id, service: i.service, host: i.host });

  r.post('/incidents/:id/notes', responder, async (req, res) => {
    const { text } = parseBody(noteBody, req);
    res.status(201).json(await command(req, (i, actor) => ({ kind: KIND.note, incident: ref(i), actor, text })));
  });

  r.post('/incidents/:id/acknowledge', responder, async (req, res) => {
    res.json(await command(req, (i, actor) => {
      if (i.status === 'resolved') throw new HttpError(409, 'incident_resolved', `Incident ${i.id} is already resolved; there is nothing to acknowledge.`);
      return { kind: KIND.acknowledge, incident: ref(i), actor };
    }));
  });

  r.post('/incidents/:id/resolve', responder, async (req, res) => {
    const { reason } = parseBody(resolveBody, req);
    res.json(await command(req, (i, actor) => {
      if (i.status === 'resolved') throw new HttpError(409, 'incident_resolved', `Incident ${i.id} is already resolved.`);
      return { kind: KIND.resolve, incident: ref(i), actor, reason };
    }));
  });

  r.get('/stats', async (req, res) => {
    const q = parseQuery(statsQuery, req);
    const to = q.to ?? now().toISOString();
    const from = q.from ?? new Date(Date.parse(to) - 30 * DAY_MS).toISOString();
    if (Date.parse(from) >= Date.parse(to)) throw new HttpError(400, 'invalid_query', 'Invalid query — from must be before to.');
    if (Date.parse(to) - Date.parse(from) > STATS_MAX_RANGE_MS) throw new HttpError(400, 'invalid_query', 'Invalid query — the range may span at most 366 days.');
    const incidents = await incidentsOpenedBetween(deps.store, from, to, q.service);
    res.json(statsResponse({ incidents, from, to, now: now().toISOString(), ...(q.service ? { service: q.service } : {}) }));
  });

  return r;
}

async function incidentsOpenedBetween(store: Store, from: string, to: string, service?: string): Promise<IncidentWithTimeline[]> {
  const out: IncidentWithTimeline[] = [];
  let cursor: string | undefined;
  // Pages come newest first; stop once they are older than the window.
  for (;;) {
    const page = await store.incidents.list({ status: 'all', limit: 500, ...(service ? { service } : {}), ...(cursor ? { cursor } : {}) });
    for (const i of page.items) {
      if (i.openedAt >= from && i.openedAt < to) out.push({ ...i, timeline: await store.timeline.forIncident(i.id) });
    }
    const last = page.items.at(-1);
    if (!page.nextCursor || !last || last.openedAt < from) return out;
    cursor = page.nextCursor;
  }
}
