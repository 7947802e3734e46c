// GET /api/ack/:token shows what the link would acknowledge and changes nothing (mail scanners and
// link previews follow links); POST /api/ack/:token acknowledges, as the person paged. No session:
// the token is the credential. Plain server-rendered HTML for a phone (no script, no inline style:
// the CSP allows neither), JSON for a client that asks for it.
import { Router, type Request, type Response } from 'express';
import type { Incident } from '../../contract/index.ts';
import { ApiFailure } from '../../contract/index.ts';
import type { IncidentActions } from '../../services/incident-actions.ts';
import type { Store } from '../../store/types.ts';
import type { AuditLog } from '../../audit.ts';
import { ackTarget } from '../../paging/ack.ts';

const escape = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">`
    + `<title>${escape(title)} · Vigil</title></head><body><main><h1>${escape(title)}</h1>${body}</main></body></html>`;
}

const wantsHtml = (req: Request) => req.accepts(['json', 'html']) === 'html';

function incidentList(incidents: readonly Incident[], publicUrl: string): string {
  return `<ul>${incidents.map((i) => `<li><a href="${escape(`${publicUrl}/incidents/${encodeURIComponent(i.id)}`)}">${escape(i.title)}</a> — ${escape(i.severity)}, ${escape(i.status)} since ${escape(i.openedAt)}</li>`).join('')}</ul>`;
}

export function ackRoutes(o: { store: Store; actions: IncidentActions; audit: AuditLog; publicUrl: string; now?: () => Date }): Router {
  const r = Router();
  const now = o.now ?? (() => new Date());

  const refuse = (req: Request, res: Response, err: unknown): void => {
    if (!(err instanceof ApiFailure) || !wantsHtml(req)) throw err;
    res.status(err.status).type('html').send(page('This link no longer works', `<p>${escape(err.message)}</p><p><a href="${escape(o.publicUrl)}/">Open Vigil</a></p>`));
  };

  r.get('/ack/:token', async (req, res) => {
    res.setHeader('Cache-Control', 'no-store');
    try {
      const target = await ackTarget(o.store, req.params.token, now());
      if (!wantsHtml(req)) {
        res.json({ incidents: target.incidents, actor: target.actor });
        return;
      }
      const what = target.incidents.length === 1 ? 'this incident' : `these ${target.incidents.length} incidents`;
      res.type('html').send(page('Acknowledge?', `${incidentList(target.incidents, o.publicUrl)}`
        + `<p>Acknowledging tells everyone you are on ${what} and stops further escalation. Nothing has changed yet.</p>`
        + `<form method="post" action="/api/ack/${encodeURIComponent(req.params.token)}"><button type="submit">Acknowledge as ${escape(target.actor)}</button></form>`));
    } catch (err) {
      refuse(req, res, err);
    }
  });

  r.post('/ack/:token', async (req, res) => {
    res.setHeader('Cache-Control', 'no-store');
    try {
      const target = await ackTarget(o.store, req.params.token, now());
      const by = { actor: target.actor, ...(req.ip ? { ip: req.ip } : {}) };
      const acknowledged: Incident[] = [];
      for (const incident of target.incidents) {
        if (incident.status === 'acknowledged' || incident.acknowledgedAt !== undefined) {
          acknowledged.push(incident);
          continue;
        }
        acknowledged.push(await o.actions.acknowledge(incident.id, by));
      }
      await o.audit.record({ ...by, action: 'paging.ack_link', target: target.deliveryId, outcome: 'ok', detail: { incidents: acknowledged.map((i) => i.id) } });
      if (!wantsHtml(req)) {
        res.json({ acknowledged: acknowledged.map((i) => ({ id: i.id, status: i.status, acknowledgedBy: i.acknowledgedBy })), actor: target.actor });
        return;
      }
      res.type('html').send(page('Acknowledged', `${incidentList(acknowledged, o.publicUrl)}<p>Acknowledged as ${escape(target.actor)}. Escalation stopped.</p>`));
    } catch (err) {
      refuse(req, res, err);
    }
  });

  return r;
}
