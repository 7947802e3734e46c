// Post-mortems: a draft from the recorded timeline until someone saves one; then versions with
// optimistic concurrency (a stale `version` is 409, never a silent overwrite); Markdown export.
import { Router, type Request } from 'express';
import { z } from 'zod';
import {
  toPostmortemVersionView, type ActionItem, type ActionItemToggled, type IncidentWithTimeline, type PostmortemView,
} from '../../contract/index.ts';
import { incidentAnalytics } from '../../domain/index.ts';
import { draftPostmortem } from '../../domain/postmortem/draft.ts';
import { actionItemsOf, setActionItemDone } from '../../domain/postmortem/action-items.ts';
import type { StackFindings } from '../../domain/postmortem/findings.ts';
import type { Store } from '../../store/types.ts';
import type { AuditLog } from '../../audit.ts';
import type { Logger } from '../../logger.ts';
import { HttpError, notFound, parseBody } from '../errors.ts';
import { principalOf, requireRole } from '../auth-middleware.ts';

/** Looks at the stack itself (Docker, Prometheus) for a draft's action items; null when it cannot. */
export type FindingsProvider = (incident: IncidentWithTimeline) => Promise<StackFindings | null>;

const MAX_MARKDOWN = 200_000;
const saveBody = z.object({
  markdown: z.string().max(MAX_MARKDOWN, `at most ${MAX_MARKDOWN} characters`),
  version: z.number().int().min(0),
});

const toggleBody = z.object({ done: z.boolean(), version: z.number().int().min(0) });
const itemsQuery = z.object({
  status: z.enum(['open', 'done', 'all']).default('open'),
  limit: z.coerce.number().int().min(1).max(500).default(200),
});

export function postmortemRoutes(deps: { store: Store; audit: AuditLog; logger: Logger; findings?: FindingsProvider; now?: () => Date }): Router {
  const r = Router();
  const now = deps.now ?? (() => new Date());
  const log = deps.logger.child({ module: 'postmortem' });

  async function incidentOf(req: Request): Promise<IncidentWithTimeline> {
    const id = String(req.params['id']);
    const incident = await deps.store.incidents.get(id);
    if (!incident) throw notFound(`Incident ${id}`);
    return { ...incident, timeline: await deps.store.timeline.forIncident(id) };
  }

  async function view(incident: IncidentWithTimeline): Promise<PostmortemView> {
    const saved = await deps.store.postmortems.latest(incident.id);
    if (saved) {
      return { incidentId: incident.id, markdown: saved.markdown, version: saved.version, updatedAt: saved.savedAt, updatedBy: saved.author, draft: false };
    }
    let findings: StackFindings | null = null;
    try {
      findings = deps.findings ? await deps.findings(incident) : null;
    } catch (err) {
      // The draft is still worth having without them; say why in the log.
      log.warn({ err, incident: incident.id }, 'could not look at the stack for action items');
    }
    const { markdown } = draftPostmortem({ incident, analytics: incidentAnalytics(incident, now().toISOString()), findings });
    return { incidentId: incident.id, markdown, version: 0, updatedAt: null, updatedBy: 'vigil', draft: true };
  }

  r.get('/incidents/:id/postmortem', async (req, res) => {
    res.json(await view(await incidentOf(req)));
  });

  r.get('/incidents/:id/postmortem.md', async (req, res) => {
    const incident = await incidentOf(req);
    const pm = await view(incident);
    res.type('text/markdown; charset=utf-8');
    res.setHeader('Content-Disposition', `attachment; filename="postmortem-${incident.id}.md"`);
    res.send(pm.markdown);
  });

  r.get('/incidents/:id/postmortem/versions', async (req, res) => {
    const incident = await incidentOf(req);
    const versions = await deps.store.postmortems.versions(incident.id);
    res.json({ items: versions.map(toPostmortemVersionView) });
  });

  /** Saves `markdown` as the version after `expectedVersion`; a stale one is 409 with what to merge. */
  async function save(req: Request, incident: IncidentWithTimeline, markdown: string, expectedVersion: number): Promise<PostmortemView> {
    const actor = principalOf(req).actor;
    const savedAt = now().toISOString();
    const result = await deps.store.postmortems.save({ incidentId: incident.id, markdown: markdown, author: actor, expectedVersion: expectedVersion, savedAt });
    if (!result.ok) {
      await deps.audit.record({ actor, action: 'postmortem.save', target: incident.id, outcome: 'denied', detail: { staleVersion: expectedVersion, currentVersion: result.currentVersion }, ...(req.ip ? { ip: req.ip } : {}) });
      const current = await deps.store.postmortems.latest(incident.id);
      throw new HttpError(409, 'version_conflict',
        `Someone saved version ${result.currentVersion} after the version ${expectedVersion} you edited; nothing was overwritten. Merge your text with theirs and save again with version ${result.currentVersion}.`,
        { currentVersion: result.currentVersion, current: current ? { markdown: current.markdown, author: current.author, savedAt: current.savedAt } : null });
    }
    await deps.audit.record({ actor, action: 'postmortem.save', target: incident.id, outcome: 'ok', detail: { version: result.version }, ...(req.ip ? { ip: req.ip } : {}) });
    return { incidentId: incident.id, markdown: markdown, version: result.version, updatedAt: savedAt, updatedBy: actor, draft: false };
  }

  r.put('/incidents/:id/postmortem', requireRole('responder'), async (req, res) => {
    const body = parseBody(saveBody, req);
    res.json(await save(req, await incidentOf(req), body.markdown, body.version));
  });

  // Marks one action item done (or not again): an edit of the document, so versions and 409 apply.
  r.patch('/incidents/:id/postmortem/action-items/:index', requireRole('responder'), async (req, res) => {
    const body = parseBody(toggleBody, req);
    const incident = await incidentOf(req);
    const current = await view(incident);
    if (body.version !== current.version) {
      throw new HttpError(409, 'version_conflict', `The post-mortem is at version ${current.version}, not ${body.version}; reload it and try again.`, { currentVersion: current.version });
    }
    const index = Number(req.params['index']);
    const next = Number.isInteger(index) ? setActionItemDone(current.markdown, index, body.done) : null;
    if (next === null) throw notFound(`Action item ${String(req.params['index'])} of incident ${incident.id}`);
    const saved = await save(req, incident, next, body.version);
    const toggled: ActionItemToggled = { ...saved, actionItems: actionItemsOf(saved.markdown) };
    res.json(toggled);
  });

  // Action items of saved post-mortems across incidents (drafts hold only suggestions until saved).
  r.get('/action-items', async (req, res) => {
    const q = itemsQuery.safeParse(req.query);
    if (!q.success) throw new HttpError(400, 'invalid_query', `Invalid query — ${q.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
    const page = await deps.store.incidents.list({ status: 'all', limit: q.data.limit });
    const items: ActionItem[] = [];
    for (const incident of page.items) {
      const saved = await deps.store.postmortems.latest(incident.id);
      if (!saved) continue;
      for (const item of actionItemsOf(saved.markdown)) {
        if (q.data.status === 'all' || (q.data.status === 'done') === item.done) {
          items.push({ ...item, incidentId: incident.id, incidentTitle: incident.title, service: incident.service, version: saved.version });
        }
      }
    }
    res.json({ items });
  });

  return r;
}
