// `GET /api/incidents/:id/replay` (viewer): the signals the incident page's replay folds.
import { Router } from 'express';
import type { Store } from '../../store/types.ts';
import { incidentReplay } from '../../services/replay.ts';

export function replayRoutes(deps: { store: Pick<Store, 'incidents' | 'timeline' | 'signals'>; now?: () => Date }): Router {
  const r = Router();
  const now = deps.now ?? (() => new Date());
  r.get('/incidents/:id/replay', async (req, res) => {
    res.json(await incidentReplay(deps.store, String(req.params['id']).slice(0, 200), now()));
  });
  return r;
}
