// Paging (API.md "Paging"): notification channels, escalation policies, schedules, maintenance
// windows, each person's contact methods, what was paged for an incident, and the failing banner.
import { Router, type Request } from 'express';
import { z } from 'zod';
import { CHANNEL_TYPES } from '../../contract/index.ts';
import type { IncidentPaging, PagingHealth, TestSendResult } from '../../contract/index.ts';
import type { PagingAdmin } from '../../services/paging-admin.ts';
import { parseChannelConfig } from '../../paging/channel-config.ts';
import { ScheduleError } from '../../paging/schedule.ts';
import { contactsInput, maintenanceInput, policyInput, scheduleInput } from '../../paging/policy-config.ts';
import { HttpError, invalidBody, invalidQuery, parseBody, parseQuery } from '../errors.ts';
import { auditContext, principalOf, requireRole } from '../auth-middleware.ts';

const channelBody = z.object({
  name: z.string().trim().min(1, 'required').max(100, 'at most 100 characters'),
  type: z.enum(CHANNEL_TYPES, { error: `expected one of ${CHANNEL_TYPES.join(', ')}` }),
  config: z.record(z.string(), z.unknown(), { error: 'expected an object with the settings of this channel type' }),
});

const channelPatch = z.object({
  name: z.string().trim().min(1, 'required').max(100, 'at most 100 characters').optional(),
  config: z.record(z.string(), z.unknown(), { error: 'expected an object with the settings of this channel type' }).optional(),
  /** The version read (optional): a PATCH over someone else's change is refused. */
  version: z.number().int().min(1).optional(),
});

const onCallQuery = z.object({
  at: z.iso.datetime({ offset: true, error: 'expected an ISO-8601 instant, e.g. 2026-12-05T09:00:00Z' }).optional(),
  days: z.coerce.number({ error: 'expected a whole number of days from 0 to 31' }).int().min(0).max(31).default(14),
});

const idParam = (req: Request, name = 'id'): string => {
  const id = String(req.params[name] ?? '');
  if (!/^[A-Za-z0-9_-]{1,100}$/.test(id)) throw new HttpError(404, 'not_found', `No such ${name}: ${JSON.stringify(id.slice(0, 100))}.`);
  return id;
};

/** A channel's settings through its type's schema: 400 naming `config.<field>`. */
function channelConfig(type: (typeof CHANNEL_TYPES)[number], input: unknown, previous?: Record<string, unknown>): Record<string, unknown> {
  try {
    return parseChannelConfig(type, input, previous);
  } catch (err) {
    if (err instanceof z.ZodError) throw invalidBody(err.issues.map((i) => ({ path: ['config', ...i.path], message: i.message })));
    throw err;
  }
}

export interface PagingRouteOptions {
  admin: PagingAdmin;
  /** Sends a test message through a channel now (not through the outbox). */
  testChannel: (channelId: string, by: string) => Promise<TestSendResult>;
  /** "Page me now": a test to each of the person's contact methods. */
  pageMe: (userId: string, by: string) => Promise<TestSendResult[]>;
  incidentPaging: (incidentId: string) => Promise<IncidentPaging>;
  health: () => Promise<PagingHealth>;
  /** Whether e-mail can be sent (SMTP_URL set). */
  smtpConfigured: boolean;
}

export function pagingRoutes(o: PagingRouteOptions): Router {
  const r = Router();
  const admin = requireRole('admin');
  const responder = requireRole('responder');
  const viewer = requireRole('viewer');

  // ---- channels
  r.get('/notification-channels', responder, async (_req, res) => {
    res.json({ items: await o.admin.listChannels() });
  });

  r.post('/notification-channels', admin, async (req, res) => {
    const input = parseBody(channelBody, req);
    if (input.type === 'email' && !o.smtpConfigured) {
      throw new HttpError(400, 'smtp_not_configured', 'E-mail channels need SMTP_URL (smtp://user:pass@host:port) set where Vigil runs; nothing was saved.');
    }
    const config = channelConfig(input.type, input.config);
    res.status(201).json(await o.admin.createChannel({ name: input.name, type: input.type, config }, auditContext(req)));
  });

  r.patch('/notification-channels/:id', admin, async (req, res) => {
    const id = idParam(req);
    const input = parseBody(channelPatch, req);
    const current = await o.admin.openChannelConfig(id);
    if (input.version !== undefined && input.version !== current.version) {
      throw new HttpError(409, 'conflict', `Notification channel ${id} was changed meanwhile (version ${current.version}, you read ${input.version}); reload it and try again.`);
    }
    const config = input.config === undefined ? current.config : channelConfig(current.type, input.config, current.config);
    res.json(await o.admin.updateChannel(id, { name: input.name ?? current.name, config }, current.version, auditContext(req)));
  });

  r.delete('/notification-channels/:id', admin, async (req, res) => {
    await o.admin.deleteChannel(idParam(req), auditContext(req));
    res.status(204).end();
  });

  r.post('/notification-channels/:id/test', admin, async (req, res) => {
    res.json(await o.testChannel(idParam(req), principalOf(req).actor));
  });

  // ---- escalation policies
  r.get('/escalation-policies', responder, async (_req, res) => {
    res.json({ items: await o.admin.listPolicies() });
  });
  r.post('/escalation-policies', admin, async (req, res) => {
    res.status(201).json(await o.admin.savePolicy(null, parseBody(policyInput, req), auditContext(req)));
  });
  r.put('/escalation-policies/:id', admin, async (req, res) => {
    res.json(await o.admin.savePolicy(idParam(req), parseBody(policyInput, req), auditContext(req)));
  });
  r.delete('/escalation-policies/:id', admin, async (req, res) => {
    await o.admin.deletePolicy(idParam(req), auditContext(req));
    res.status(204).end();
  });

  // ---- schedules
  r.get('/schedules', viewer, async (_req, res) => {
    res.json({ items: await o.admin.listSchedules() });
  });
  r.post('/schedules', admin, async (req, res) => {
    res.status(201).json(await o.admin.saveSchedule(null, parseBody(scheduleInput, req), auditContext(req)));
  });
  r.put('/schedules/:id', admin, async (req, res) => {
    res.json(await o.admin.saveSchedule(idParam(req), parseBody(scheduleInput, req), auditContext(req)));
  });
  r.delete('/schedules/:id', admin, async (req, res) => {
    await o.admin.deleteSchedule(idParam(req), auditContext(req));
    res.status(204).end();
  });
  r.get('/schedules/:id/on-call', viewer, async (req, res) => {
    const q = parseQuery(onCallQuery, req.query);
    try {
      res.json(await o.admin.onCall(idParam(req), q.at === undefined ? new Date() : new Date(q.at), q.days));
    } catch (err) {
      if (err instanceof ScheduleError) throw invalidQuery([{ path: [err.field], message: err.message }]);
      throw err;
    }
  });

  // ---- maintenance windows
  r.get('/maintenance-windows', viewer, async (_req, res) => {
    res.json({ items: await o.admin.listWindows() });
  });
  r.post('/maintenance-windows', responder, async (req, res) => {
    res.status(201).json(await o.admin.createWindow(parseBody(maintenanceInput, req), auditContext(req)));
  });
  r.delete('/maintenance-windows/:id', responder, async (req, res) => {
    await o.admin.deleteWindow(idParam(req), auditContext(req));
    res.status(204).end();
  });

  // ---- my contact methods (a person with a session; an API token is nobody to page)
  const me = (req: Request) => {
    const p = principalOf(req);
    if (!p.user) throw new HttpError(400, 'not_a_person', 'An API token has no contact methods; sign in as the person.');
    return p.user;
  };
  r.get('/me/contacts', viewer, async (req, res) => {
    res.json(await o.admin.contacts(me(req).id));
  });
  r.put('/me/contacts', viewer, async (req, res) => {
    const user = me(req);
    // Every field is optional ({} removes them all), so a request that sent no body at all is a mistake, not "remove all".
    if (req.headers['transfer-encoding'] === undefined && Number(req.headers['content-length'] ?? '0') === 0) {
      throw new HttpError(400, 'invalid_request', 'Send your contact methods as a JSON object, e.g. {"email": "me@example.com"}; {} removes them all.');
    }
    res.json(await o.admin.saveContacts(user.id, parseBody(contactsInput, req), auditContext(req)));
  });
  r.post('/me/page-test', viewer, async (req, res) => {
    const user = me(req);
    res.json(await o.pageMe(user.id, user.username));
  });

  // ---- what was paged
  r.get('/incidents/:id/paging', viewer, async (req, res) => {
    res.json(await o.incidentPaging(idParam(req)));
  });
  r.get('/paging/health', responder, async (_req, res) => {
    res.json(await o.health());
  });

  return r;
}
