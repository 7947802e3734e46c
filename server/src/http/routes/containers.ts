// Containers across every Docker host: the inventory, the restart button, and maintenance mode.
import { Router, type Request } from 'express';
import { z } from 'zod';
import type { ContainerActions } from '../../services/container-actions.ts';
import { auditContext, requireRole } from '../auth-middleware.ts';
import { parseBody, parseQuery } from '../errors.ts';
import { text } from '../query-params.ts';

const hostQuery = z.object({ host: text(300).optional() });
const supervisionBody = z.object({
  paused: z.boolean({ error: 'expected true (maintenance: the supervisor leaves it alone) or false' }),
  scope: z.enum(['container', 'service']).default('container'),
});

export function containerRoutes(containers: ContainerActions): Router {
  const r = Router();

  /** `:id` is a full id, a unique id prefix (3+ characters) or a name; `?host=` narrows it to one Docker host. */
  const target = (req: Request) => containers.find(String(req.params['id']), parseQuery(hostQuery, req.query).host);

  r.get('/containers', (_req, res) => {
    res.json(containers.list());
  });

  const responder = requireRole('responder');

  r.post('/containers/:id/restart', responder, async (req, res) => {
    const facts = target(req);
    res.status(202).json(await containers.restart(facts, auditContext(req)));
  });

  r.post('/containers/:id/supervision', responder, async (req, res) => {
    const facts = target(req);
    const change = parseBody(supervisionBody, req);
    res.json(await containers.setSupervision(facts, change, auditContext(req)));
  });

  return r;
}
