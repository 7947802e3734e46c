// Silences in Alertmanager (API.md "Alertmanager, both ways"): an incident's silences with their
// state in each Alertmanager, and the longest silence Vigil makes on an acknowledgement.
import { Router } from 'express';
import { z } from 'zod';
import { SILENCE_MAX_SECONDS_RANGE } from '../../contract/index.ts';
import type { IncidentSilences, SilenceSettings } from '../../contract/index.ts';
import type { AuditLog } from '../../audit.ts';
import { HttpError, parseBody } from '../errors.ts';
import { auditContext, requireRole } from '../auth-middleware.ts';

const { min, max } = SILENCE_MAX_SECONDS_RANGE;
const settingsBody = z.object({
  maxDurationSeconds: z.number({ error: `expected a whole number of seconds from ${min} to ${max}` })
    .int(`expected a whole number of seconds from ${min} to ${max}`)
    .min(min, `at least ${min} s (5 minutes)`).max(max, `at most ${max} s (7 days)`),
});

export interface SilenceRouteOptions {
  incidentSilences: (incidentId: string) => Promise<IncidentSilences>;
  incidentExists: (incidentId: string) => Promise<boolean>;
  settings: () => Promise<SilenceSettings>;
  saveSettings: (settings: SilenceSettings) => Promise<void>;
  audit: AuditLog;
}

export function silenceRoutes(o: SilenceRouteOptions): Router {
  const r = Router();

  r.get('/incidents/:id/silences', async (req, res) => {
    const id = String(req.params['id']);
    if (!/^[A-Za-z0-9_-]{1,100}$/.test(id) || !(await o.incidentExists(id))) {
      throw new HttpError(404, 'not_found', `No incident ${JSON.stringify(id.slice(0, 100))}.`);
    }
    res.json(await o.incidentSilences(id));
  });

  const admin = requireRole('admin');

  r.get('/silence-settings', admin, async (_req, res) => {
    res.json(await o.settings());
  });

  r.put('/silence-settings', admin, async (req, res) => {
    const body = parseBody(settingsBody, req);
    await o.saveSettings(body);
    await o.audit.record({ ...auditContext(req), action: 'silences.settings.update', target: 'maxDurationSeconds', outcome: 'ok', detail: body });
    res.json(body);
  });

  return r;
}
