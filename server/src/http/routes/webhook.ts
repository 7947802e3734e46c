// POST /api/webhooks/alertmanager: Alertmanager's webhook (payload version 4). Its own bearer token
// (WEBHOOK_TOKEN), checked before the body is read; its own body limit. Answers 200 only once every
// alert is stored, and 503 when they could not be, so Alertmanager retries and nothing is lost;
// the signal ids make its retries and re-sends collapse.
import { Router } from 'express';
import { Counter, type Registry } from 'prom-client';
import type { WebhookToken } from '../../auth/webhook-token.ts';
import type { SignalSink } from '../../ingest/pipeline.ts';
import type { Logger } from '../../logger.ts';
import { fetchTruncatedGroup, GroupFetchError, mergeAlerts } from '../../sources/alertmanager/groups.ts';
import { alertmanagerWebhookSchema, alertmanagerWebhookToSignals, unsupportedVersion, WEBHOOK_VERSION, type AlertServiceMapping } from '../../sources/alertmanager/normalize.ts';
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
  /** ALERTMANAGER_URL: where the rest of a truncated group is read (empty: the payload's externalURL). */
  alertmanagerUrls?: readonly string[];
  /** Bounds of that read (tests shorten them). */
  groupFetch?: { timeoutMs?: number; maxBytes?: number };
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
  const truncated = new Counter({
    name: 'vigil_alertmanager_webhook_truncated_total',
    help: 'Webhooks cut short by max_alerts, by whether the rest of the group was read from Alertmanager\'s API',
    labelNames: ['outcome'] as const,
    registers: [deps.registry],
  });
  const count = (received: number, stored: number) => {
    alerts.inc({ outcome: 'stored' }, stored);
    alerts.inc({ outcome: 'duplicate' }, received - stored);
  };
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
      // Before the rest: a future payload format is named as such, not as a list of odd fields.
      const version = unsupportedVersion(req.body);
      if (version !== null) {
        throw new HttpError(400, 'unsupported_version', `Vigil reads Alertmanager webhook payloads of version "${WEBHOOK_VERSION}" (Alertmanager 0.16 to 0.34); this one says version ${version}. Nothing was stored. Point this receiver at a Vigil that reads it, or report the new version.`);
      }
      const body = parseBody(alertmanagerWebhookSchema, req);
      const host = alertmanagerHost(body.externalURL);
      const store = async (signals: ReturnType<typeof alertmanagerWebhookToSignals>) => {
        try {
          return await deps.sink.ingest(signals);
        } catch (err) {
          log.error({ err, groupKey: body.groupKey, alerts: signals.length }, 'alerts from Alertmanager not stored; answering 503 so it retries');
          throw new HttpError(503, 'store_unavailable', 'The alerts could not be stored right now; Alertmanager will retry.');
        }
      };
      let signals = alertmanagerWebhookToSignals(body, host, deps.mapping);
      if ((body.truncatedAlerts ?? 0) > 0) {
        try {
          const group = await fetchTruncatedGroup(body, { urls: deps.alertmanagerUrls ?? [], ...deps.groupFetch });
          signals = alertmanagerWebhookToSignals({ ...body, alerts: mergeAlerts(body.alerts, group) }, host, deps.mapping);
        } catch (err) {
          if (!(err instanceof GroupFetchError)) throw err;
          // What arrived is kept; the 503 makes Alertmanager send the group again, and the signal
          // ids make the alerts stored now collapse with the re-sent ones.
          const fresh = await store(signals);
          count(signals.length, fresh.length);
          truncated.inc({ outcome: 'failed' });
          log.warn({ groupKey: body.groupKey, truncated: body.truncatedAlerts, stored: fresh.length, reason: err.message }, 'truncated webhook: the rest of the group could not be read; answering 503 so Alertmanager retries');
          throw new HttpError(503, 'alerts_truncated', `Alertmanager left out ${body.truncatedAlerts} alerts of this group (max_alerts) and Vigil could not read them from its API (${err.message}); the ${signals.length} alerts sent were stored and Alertmanager will retry. Set ALERTMANAGER_URL to an address Vigil can reach.`);
        }
        truncated.inc({ outcome: 'fetched' });
      }
      const fresh = await store(signals);
      count(signals.length, fresh.length);
      log.info({ groupKey: body.groupKey, status: body.status, alerts: signals.length, stored: fresh.length }, 'alertmanager webhook');
      res.json({ received: signals.length, stored: fresh.length });
    },
  );

  return r;
}
