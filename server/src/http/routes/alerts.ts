// Alert history: GET /api/alerts (search, paged) and GET /api/alerts/:fingerprint (one alert's periods).
import { Router } from 'express';
import { z } from 'zod';
import type { AlertHistory } from '../../services/alerts.ts';
import { invalidQuery, parseQuery } from '../errors.ts';
import { limit, text } from '../query-params.ts';

const DAY_MS = 86_400_000;
const DEFAULT_WINDOW_DAYS = 7;
const MAX_WINDOW_DAYS = 366;
const MAX_LABEL_FILTERS = 10;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** `label=key=value`, repeatable: one value or several (express gives an array for a repeated parameter). */
const labelFilters = z.union([z.string(), z.array(z.string())]).optional()
  .transform((v) => (v === undefined ? [] : Array.isArray(v) ? v : [v]))
  .refine((v) => v.length <= MAX_LABEL_FILTERS, { message: `at most ${MAX_LABEL_FILTERS} label filters` })
  .transform((v, ctx) => v.map((pair) => {
    const eq = pair.indexOf('=');
    const key = eq === -1 ? '' : pair.slice(0, eq);
    const value = eq === -1 ? '' : pair.slice(eq + 1);
    if (!LABEL_NAME.test(key) || value.length > 500) {
      ctx.addIssue({ code: 'custom', message: `expected key=value with a Prometheus label name as key, e.g. label=severity=critical; got ${JSON.stringify(pair.slice(0, 60))}` });
    }
    return [key, value] as [string, string];
  }));

const windowParams = {
  from: z.iso.datetime({ offset: true, error: 'expected an RFC 3339 time, e.g. 2026-12-01T00:00:00Z' }).optional(),
  to: z.iso.datetime({ offset: true, error: 'expected an RFC 3339 time, e.g. 2026-12-01T00:00:00Z' }).optional(),
};

const listQuery = z.object({
  service: text(200).optional(),
  alertname: text(200).optional(),
  label: labelFilters,
  q: text(200).optional(),
  limit: limit(200, 50),
  cursor: z.string().max(500).optional(),
  ...windowParams,
});

const detailQuery = z.object({
  limit: limit(500, 100),
  before: z.iso.datetime({ error: 'expected the nextBefore of the previous page' }).optional(),
  ...windowParams,
});

const fingerprintParam = z.string().regex(/^[0-9A-Za-z_-]{1,64}$/, 'expected an alert fingerprint (16 hex digits from Alertmanager)');

/** The window: the last 7 days up to `to` (now) unless given; at most 366 days. */
function window(q: { from?: string | undefined; to?: string | undefined }, now: Date): { from: string; to: string } {
  const to = new Date(q.to === undefined ? now.getTime() : Date.parse(q.to)).toISOString();
  const from = new Date(q.from === undefined ? Date.parse(to) - DEFAULT_WINDOW_DAYS * DAY_MS : Date.parse(q.from)).toISOString();
  if (from >= to) throw invalidQuery([{ path: ['from'], message: 'must be before to' }]);
  if (Date.parse(to) - Date.parse(from) > MAX_WINDOW_DAYS * DAY_MS) {
    throw invalidQuery([{ path: ['to'], message: `the window from from to to may span at most ${MAX_WINDOW_DAYS} days` }]);
  }
  return { from, to };
}

export function alertRoutes(deps: { history: AlertHistory; now?: () => Date }): Router {
  const r = Router();
  const now = deps.now ?? (() => new Date());

  r.get('/alerts', async (req, res) => {
    const q = parseQuery(listQuery, req.query);
    res.json(await deps.history.list({
      service: q.service, alertname: q.alertname, labels: q.label, text: q.q, limit: q.limit, cursor: q.cursor, ...window(q, now()),
    }));
  });

  r.get('/alerts/:fingerprint', async (req, res) => {
    const fingerprint = fingerprintParam.safeParse(req.params['fingerprint']);
    if (!fingerprint.success) throw invalidQuery([{ path: ['fingerprint'], message: fingerprint.error.issues[0]?.message ?? 'invalid' }]);
    const q = parseQuery(detailQuery, req.query);
    res.json(await deps.history.get(fingerprint.data, { limit: q.limit, before: q.before, ...window(q, now()) }));
  });

  return r;
}
