// Containers across every Docker host: the inventory, the restart button, and maintenance mode.
import { Router, type Request } from 'express';
import { z } from 'zod';
import type { AuditLog } from '../../audit.ts';
import { supervisionSignal } from '../../domain/index.ts';
import type { SignalSink } from '../../ingest/pipeline.ts';
import type { DockerActions } from '../../actions/index.ts';
import { HostUnavailableError, RestartBusyError } from '../../actions/restart.ts';
import { refOf } from '../../actions/supervisor.ts';
import type { ContainerFacts } from '../../sources/docker/containers.ts';
import type { DockerSource } from '../../sources/docker/index.ts';
import { principalOf, requireRole } from '../auth-middleware.ts';
import { HttpError, parseBody } from '../errors.ts';

const hostQuery = z.object({ host: z.string().trim().min(1).max(300).optional() });
const supervisionBody = z.object({
  paused: z.boolean({ error: 'expected true (maintenance: the supervisor leaves it alone) or false' }),
  scope: z.enum(['container', 'service']).default('container'),
});

export function containerRoutes(deps: { docker: DockerSource; actions: DockerActions; sink: SignalSink; audit: AuditLog; now?: () => Date }): Router {
  const r = Router();
  const now = deps.now ?? (() => new Date());
  const inventory = deps.docker.inventory;

  /** `:id` is a full id, a unique id prefix (3+ characters) or a name; `?host=` narrows it to one Docker host. */
  function target(req: Request): ContainerFacts {
    const id = String(req.params['id']);
    const query = hostQuery.safeParse(req.query);
    const host = query.success ? query.data.host : undefined;
    const found = inventory.find(id, host);
    if (found.ok) return found.facts;
    if (found.reason === 'ambiguous') {
      const which = found.matches.map((f) => `${f.container.name} (${f.container.id.slice(0, 12)}) on ${f.container.host}`).join(', ');
      throw new HttpError(409, 'ambiguous_container', `"${id}" matches several containers: ${which}. Use the full id, or add ?host=.`);
    }
    throw new HttpError(404, 'not_found', `No container "${id}"${host ? ` on ${host}` : ''} is known to Vigil${deps.docker.hosts().some((h) => !h.connected) ? ' (a Docker host is disconnected right now)' : ''}.`);
  }

  r.get('/containers', (_req, res) => {
    res.json(inventory.list());
  });

  const responder = requireRole('responder');

  r.post('/containers/:id/restart', responder, async (req, res) => {
    const facts = target(req);
    const c = facts.container;
    if (c.restartable === false) {
      throw new HttpError(409, 'not_restartable', `${c.name} is labelled vigil.restartable=false, so Vigil does not restart it; whoever owns it restarts it by hand.`);
    }
    const actor = principalOf(req).actor;
    try {
      const { actionId, done } = await deps.actions.restarts.request(refOf(facts), actor, req.ip);
      // A person stepping in starts the supervisor's back-off and breaker afresh.
      void done.then((outcome) => { if (outcome.ok) deps.actions.supervisor.reset(c.host, c.id); });
      res.status(202).json({ actionId });
    } catch (err) {
      if (err instanceof RestartBusyError) {
        throw new HttpError(409, 'restart_in_progress', `A restart of ${c.name} is already under way (action ${err.actionId}).`, { actionId: err.actionId });
      }
      if (err instanceof HostUnavailableError) throw new HttpError(503, 'docker_unavailable', `${err.message}; nothing was changed. See /readyz.`);
      throw err;
    }
  });

  r.post('/containers/:id/supervision', responder, async (req, res) => {
    const facts = target(req);
    const c = facts.container;
    const { paused, scope } = parseBody(supervisionBody, req);
    if (!c.supervised) {
      throw new HttpError(409, 'not_supervised', `${c.name} is not supervised (it has no vigil.supervise=true label), so there is no supervision to pause or resume.`);
    }
    const actor = principalOf(req).actor;
    const sameService = (f: ContainerFacts) => f.container.host === c.host && f.container.service === c.service;
    const members = inventory.all().filter(sameService).map((f) => f.container);
    await deps.actions.maintenance.set(c, scope, paused, members);
    if (!paused) for (const m of scope === 'service' ? members : [c]) deps.actions.supervisor.reset(m.host, m.id);
    await deps.sink.ingest([supervisionSignal({ container: refOf(facts), at: now().toISOString(), paused, actor })]);
    await deps.audit.record({
      actor, action: paused ? 'container.supervision.paused' : 'container.supervision.resumed', target: `${c.host}/${c.name}`,
      outcome: 'ok', detail: { scope, service: c.service }, ...(req.ip ? { ip: req.ip } : {}),
    });
    inventory.touch(scope === 'service' ? sameService : (f) => f.container.host === c.host && f.container.id === c.id);
    res.json(inventory.dto(facts));
  });

  return r;
}
