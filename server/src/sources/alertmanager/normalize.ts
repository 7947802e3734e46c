// Alertmanager's webhook (payload version 4) → one Signal per alert. The schema is strict on the
// fields Vigil needs and keeps any field a newer Alertmanager adds. Pure: the route validates,
// stores and answers.
import { z } from 'zod';
import { stableId } from '../../domain/ids.ts';
import type { Signal } from '../../domain/signal.ts';

const time = z.string().refine((v) => !Number.isNaN(Date.parse(v)), { message: 'expected an RFC 3339 time' });
const stringMap = z.record(z.string(), z.string());

export const alertmanagerAlertSchema = z.looseObject({
  status: z.enum(['firing', 'resolved']),
  labels: stringMap.refine((l) => typeof l['alertname'] === 'string', { message: 'labels.alertname is required' }),
  annotations: stringMap,
  startsAt: time,
  /** `0001-01-01T00:00:00Z` while firing. */
  endsAt: time,
  generatorURL: z.string(),
  fingerprint: z.string().min(1),
});

export const alertmanagerWebhookSchema = z.looseObject({
  version: z.literal('4'),
  groupKey: z.string(),
  truncatedAlerts: z.number().int().nonnegative().optional(),
  status: z.enum(['firing', 'resolved']),
  receiver: z.string(),
  groupLabels: stringMap,
  commonLabels: stringMap,
  commonAnnotations: stringMap,
  externalURL: z.string(),
  alerts: z.array(alertmanagerAlertSchema),
});

export type AlertmanagerWebhook = z.infer<typeof alertmanagerWebhookSchema>;
export type AlertmanagerAlert = z.infer<typeof alertmanagerAlertSchema>;

export interface AlertServiceMapping {
  /** Labels naming the service, first present wins. */
  labels: readonly string[];
  /** Label value → service name, e.g. `{ "users-backend": "backend" }`. */
  aliases: Readonly<Record<string, string>>;
}

export const DEFAULT_ALERT_SERVICE_MAPPING: AlertServiceMapping = {
  labels: ['service', 'job', 'container', 'instance'],
  aliases: {},
};

/** The id both alert paths (webhook, Prometheus polling) use: Alertmanager's re-sends collapse. */
export function alertSignalId(fingerprint: string, startsAt: string, status: 'firing' | 'resolved'): string {
  return stableId('am', fingerprint, startsAt, status);
}

function serviceOf(labels: Record<string, string>, mapping: AlertServiceMapping): string | undefined {
  for (const label of mapping.labels) {
    const value = labels[label];
    if (value !== undefined && value !== '') return mapping.aliases[value] ?? value;
  }
  return undefined;
}

/** Alertmanager's "no end yet". */
function isZeroTime(value: string): boolean {
  return value.startsWith('0001-01-01');
}

export function alertToSignal(alert: AlertmanagerAlert, host: string, mapping: AlertServiceMapping = DEFAULT_ALERT_SERVICE_MAPPING): Signal {
  const firing = alert.status === 'firing';
  // startsAt is when the alert went pending; a resolved alert happened at endsAt.
  const at = firing || isZeroTime(alert.endsAt) ? alert.startsAt : alert.endsAt;
  const service = serviceOf(alert.labels, mapping);
  const attributes: Record<string, unknown> = {
    alertname: alert.labels['alertname'],
    fingerprint: alert.fingerprint,
    startsAt: alert.startsAt,
    endsAt: isZeroTime(alert.endsAt) ? null : alert.endsAt,
    labels: alert.labels,
    generatorURL: alert.generatorURL,
  };
  const optional: Record<string, string | undefined> = {
    severity: alert.labels['severity'],
    summary: alert.annotations['summary'],
    description: alert.annotations['description'],
  };
  for (const [k, v] of Object.entries(optional)) if (v !== undefined) attributes[k] = v;
  return {
    id: alertSignalId(alert.fingerprint, alert.startsAt, alert.status),
    source: 'alertmanager',
    host,
    at: new Date(Date.parse(at)).toISOString(),
    kind: firing ? 'alert.firing' : 'alert.resolved',
    ...(service === undefined ? {} : { service }),
    attributes,
    raw: alert,
  };
}

/** `host` names the Alertmanager; the engine maps alerts to the Docker host of their service. */
export function alertmanagerWebhookToSignals(
  body: AlertmanagerWebhook,
  host: string,
  mapping: AlertServiceMapping = DEFAULT_ALERT_SERVICE_MAPPING,
): Signal[] {
  return body.alerts.map((alert) => alertToSignal(alert, host, mapping));
}
