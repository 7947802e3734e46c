// Docker Swarm services: the list, and forcing an update of one (what `docker service update --force` does).
import { Router } from 'express';
import { z } from 'zod';
import type { SwarmActions } from '../../services/swarm-actions.ts';
import { auditContext, requireRole } from '../auth-middleware.ts';
import { HttpError, parseBody } from '../errors.ts';

/** `host`: the Docker endpoint (a Swarm manager) as in DOCKER_HOSTS; needed only when several swarms have the service. */
const forceBody = z.object({
  host: z.string().min(1).max(300).optional(),
}).strict().optional();

/** A Swarm service name (what Swarm accepts: letters, digits, `-`, `_`, `.`), or a service id. */
const SERVICE_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/;

export function swarmRoutes(swarm: SwarmActions): Router {
  const r = Router();

  r.get('/swarm/services', (_req, res) => {
    res.json(swarm.list());
  });

  r.post('/swarm/services/:name/force-update', requireRole('responder'), async (req, res) => {
    const name = String(req.params['name']);
    if (!SERVICE_NAME.test(name)) {
      throw new HttpError(400, 'invalid_request', `"${name.slice(0, 80)}" is not a Swarm service name or id (letters, digits, "-", "_" and ".", at most 63).`);
    }
    const body = parseBody(forceBody, req) ?? {};
    res.json(await swarm.forceUpdate(name, body.host, auditContext(req)));
  });

  return r;
}
