// POST /api/webhooks/alertmanager: Alertmanager's webhook (payload version 4). Its own bearer token
// (WEBHOOK_TOKEN), checked before the body is read; its own body limit. Answers 200 only once every
// alert is stored, and 503 when they could not be, so Alertmanager retries and nothing is lost;
// the signal ids make its retries and re-sends collapse.
import { Router } from 'express';
import { Counter, type Registry } from 'prom-client';
import type { WebhookToken } from '../../auth/webhook-token.ts';
import type { SignalSink } from '../../ingest/pipeline.ts';
import type { Logger } from '../../logger.ts';
import { alertmanagerWebhookSchema, alertmanagerWebhookToSignals, type AlertServiceMapping } from '../../sources/alertmanager/normalize.ts';
import { bearerFrom } from '../auth-middleware.ts';
import { jsonBody } from '../body.ts';
import { HttpError, parseBody } from '../errors.ts';

/** Alertmanager sends at most a group's alerts; 1 MB holds thousands of them. */
export const WEBHOOK_BODY_LIMIT = '1mb';

export interface WebhookDeps {
  /** False until the store is initialized: answer 503 rather than wait. */
  storeReady: () => boolean;
  webhookToken: () => Promise<WebhookToken>;
  sink: SignalSink;
  /** True while the ingest backlog is past its bound: answer 503 so Alertmanager retries later. */
  overloaded: () => boolean;
  mapping: AlertServiceMapping;
  registry: Registry;
  logger: Logger;
}

/** Names the Alertmanager in signals: the host of its external URL. */
function alertmanagerHost(externalURL: string): string {
  try {
    return new URL(externalURL).host || 'alertmanager';
  } catch {
    return 'alertmanager';
  }
}

export function webhookRoutes(deps: WebhookDeps): Router {
  const log = deps.logger.child({ module: 'webhook' });
  const alerts = new Counter({
    name: 'vigil_alertmanager_webhook_alerts_total',
    help: 'Alerts received on the Alertmanager webhook, by whether they were new or already stored',
    labelNames: ['outcome'] as const,
    registers: [deps.registry],
  });
  const busy = new Counter({
    name: 'vigil_alertmanager_webhook_busy_total',
    help: 'Webhook requests answered 503 because the ingest backlog was past its bound (Alertmanager retries them)',
    registers: [deps.registry],
  });
  const r = Router();

  r.post(
    '/webhooks/alertmanager',
    async (req, res, next) => {
      if (!deps.storeReady()) {
        throw new HttpError(503, 'store_unavailable', 'The store is not ready yet; nothing was stored. Alertmanager will retry.');
      }
      const token = bearerFrom(req.headers.authorization);
      const expected = await deps.webhookToken();
      if (token === undefined || !expected.verify(token)) {
        throw new HttpError(401, 'unauthenticated', 'Send the webhook token: "Authorization: Bearer <WEBHOOK_TOKEN>" (http_config.authorization in alertmanager.yml).');
      }
      // Before the body is read: a storm waits in Alertmanager's retries, not in Vigil's memory.
      if (deps.overloaded()) {
        busy.inc();
        res.setHeader('Retry-After', '1');
        throw new HttpError(503, 'ingest_busy', 'Vigil is storing a burst of signals; nothing was stored from this request. Alertmanager will retry.');
      }
      next();
    },
    ...jsonBody(WEBHOOK_BODY_LIMIT),
    async (req, res) => {
      const body = parseBody(alertmanagerWebhookSchema, req);
      const signals = alertmanagerWebhookToSignals(body, alertmanagerHost(body.externalURL), deps.mapping);
      let fresh;
      try {
        fresh = await deps.sink.ingest(signals);
      } catch (err) {
        log.error({ err, groupKey: body.groupKey, alerts: signals.length }, 'alerts from Alertmanager not stored; answering 503 so it retries');
        throw new HttpError(503, 'store_unavailable', 'The alerts could not be stored right now; Alertmanager will retry.');
      }
      alerts.inc({ outcome: 'stored' }, fresh.length);
      alerts.inc({ outcome: 'duplicate' }, signals.length - fresh.length);
      log.info({ groupKey: body.groupKey, status: body.status, alerts: signals.length, stored: fresh.length }, 'alertmanager webhook');
      res.json({ received: signals.length, stored: fresh.length });
    },
  );

  return r;
}
