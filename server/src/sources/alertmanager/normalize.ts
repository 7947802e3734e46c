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

/** The only webhook payload version Alertmanager has sent, 0.16 through 0.34. */
export const WEBHOOK_VERSION = '4';

/**
 * The payload's `version` when it is not the one Vigil reads (checked before the rest of the body,
 * so a future format is named as such, not as a pile of missing fields); null when it is "4".
 */
export function unsupportedVersion(body: unknown): string | null {
  // Not an object at all: not a payload of any version, for the schema to name.
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return null;
  const version = (body as Record<string, unknown>)['version'];
  if (version === WEBHOOK_VERSION) return null;
  return version === undefined ? '(none)' : JSON.stringify(version).slice(0, 40);
}

/**
 * The receiver's name as configured: Alertmanager writes it regex-escaped in the webhook (Go's
 * regexp.QuoteMeta, e.g. `vigil\-webhook`). A backslash before any character that is not a letter
 * or digit is QuoteMeta's; the raw value stays in the signal's raw data.
 */
export function unescapeReceiver(receiver: string): string {
  return receiver.replace(/\\([^A-Za-z0-9])/g, '$1');
}

export const alertmanagerWebhookSchema = z.looseObject({
  version: z.literal(WEBHOOK_VERSION),
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

/**
 * The id both alert paths (webhook, Prometheus polling) use: Alertmanager's re-sends collapse.
 * `startsAt` is hashed as ISO with milliseconds: Alertmanager writes Go's RFC 3339 with trailing
 * zeros cut ("…34.63Z"), the Prometheus path computes the same instant from a sample timestamp.
 */
export function alertSignalId(fingerprint: string, startsAt: string, status: 'firing' | 'resolved'): string {
  return stableId('am', fingerprint, new Date(Date.parse(startsAt)).toISOString(), status);
}

/**
 * The service labels name: the first of `mapping.labels` present, through `aliases`. An `instance`
 * ("backend:3001") names its host part unless the whole value has an alias.
 */
export function serviceForLabels(labels: Readonly<Record<string, string>>, mapping: AlertServiceMapping): string | undefined {
  for (const label of mapping.labels) {
    const value = labels[label];
    if (value === undefined || value === '') continue;
    const alias = mapping.aliases[value];
    if (alias !== undefined) return alias;
    if (label !== 'instance') return value;
    const host = value.replace(/:\d+$/, '').replace(/^\[(.*)\]$/, '$1');
    return mapping.aliases[host] ?? host;
  }
  return undefined;
}

/** Alertmanager's "no end yet". */
function isZeroTime(value: string): boolean {
  return value.startsWith('0001-01-01');
}

/**
 * `notification` is the webhook's envelope (receiver, groupKey, externalURL, fields a newer
 * Alertmanager adds…): kept in `raw` beside the alert, so nothing Alertmanager sent is lost.
 */
export function alertToSignal(
  alert: AlertmanagerAlert,
  host: string,
  mapping: AlertServiceMapping = DEFAULT_ALERT_SERVICE_MAPPING,
  notification?: Record<string, unknown>,
): Signal {
  const firing = alert.status === 'firing';
  // startsAt is when Prometheus saw the rule fire (its FiredAt, measured against /api/v1/alerts'
  // activeAt, which is when it went pending); a resolved alert happened at endsAt.
  const at = firing || isZeroTime(alert.endsAt) ? alert.startsAt : alert.endsAt;
  const service = serviceForLabels(alert.labels, mapping);
  const attributes: Record<string, unknown> = {
    alertname: alert.labels['alertname'],
    fingerprint: alert.fingerprint,
    startsAt: alert.startsAt,
    endsAt: isZeroTime(alert.endsAt) ? null : alert.endsAt,
    labels: alert.labels,
    generatorURL: alert.generatorURL,
  };
  if (notification !== undefined && typeof notification['receiver'] === 'string') attributes['receiver'] = unescapeReceiver(notification['receiver']);
  if (firing) attributes['firingAt'] = new Date(Date.parse(alert.startsAt)).toISOString();
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
    raw: notification === undefined ? alert : { alert, notification },
  };
}

/** `host` names the Alertmanager; the engine maps alerts to the Docker host of their service. */
export function alertmanagerWebhookToSignals(
  body: AlertmanagerWebhook,
  host: string,
  mapping: AlertServiceMapping = DEFAULT_ALERT_SERVICE_MAPPING,
): Signal[] {
  const { alerts, ...notification } = body;
  return alerts.map((alert) => alertToSignal(alert, host, mapping, notification));
}
