// The second alert path: Prometheus's own /api/v1/alerts, polled, turned into the very signals the
// Alertmanager webhook would make (same ids), so the two paths collapse in the store. Pure.
//
// Alertmanager's `startsAt` is the evaluation at which the rule fired (Prometheus's FiredAt), not
// `activeAt` (pending) that /api/v1/alerts shows; Prometheus writes that evaluation as the first
// `ALERTS{alertstate="firing"}` sample, which is where the poller reads it.
import { alertToSignal, type AlertServiceMapping } from '../alertmanager/normalize.ts';
import { alertFingerprint } from '../alertmanager/fingerprint.ts';
import type { Signal } from '../../domain/signal.ts';
import { isLabelName, seriesSelector } from '../../domain/promql.ts';
import type { PrometheusAlert, Sample } from './client.ts';

/** A firing alert the poller has reported. */
export interface TrackedAlert {
  fingerprint: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  /** When it went pending (ISO). */
  activeAt: string;
  /** When it fired, as Alertmanager's `startsAt` will say (ISO, ms). */
  startsAt: string;
}

export interface AlertPlan {
  /** Firing now and not reported yet (a re-fired alert has another activeAt). */
  fired: Array<PrometheusAlert & { fingerprint: string }>;
  /** Reported as firing, and no longer firing. */
  ended: TrackedAlert[];
  /** Still firing as reported. */
  unchanged: TrackedAlert[];
}

const ZERO_TIME = '0001-01-01T00:00:00Z';

export function planAlerts(tracked: Readonly<Record<string, TrackedAlert>>, current: readonly PrometheusAlert[]): AlertPlan {
  const firing = new Map<string, PrometheusAlert & { fingerprint: string }>();
  for (const alert of current) {
    if (alert.state !== 'firing') continue;
    const fingerprint = alertFingerprint(alert.labels);
    firing.set(fingerprint, { ...alert, fingerprint });
  }
  const plan: AlertPlan = { fired: [], ended: [], unchanged: [] };
  for (const known of Object.values(tracked)) {
    const now = firing.get(known.fingerprint);
    if (now !== undefined && Date.parse(known.activeAt) === now.activeAtMs) plan.unchanged.push(known);
    else plan.ended.push(known);
  }
  for (const alert of firing.values()) {
    const known = tracked[alert.fingerprint];
    if (known === undefined || Date.parse(known.activeAt) !== alert.activeAtMs) plan.fired.push(alert);
  }
  return plan;
}

/** The PromQL selector of an alert's firing series: `ALERTS{alertstate="firing", <its labels>}`. */
export function firingSeriesSelector(labels: Readonly<Record<string, string>>): string {
  const matchers = Object.entries({ ...labels, alertstate: 'firing' })
    .filter(([k, v]) => v !== '' && isLabelName(k))
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]) => [k, '=', v] as const);
  return seriesSelector('ALERTS', matchers);
}

/** The evaluation at which the alert fired: its first firing sample since it went pending. */
export function firedAt(samples: readonly Sample[], activeAtMs: number): number | undefined {
  let first: number | undefined;
  for (const s of samples) if (s.t >= activeAtMs && (first === undefined || s.t < first)) first = s.t;
  return first;
}

/**
 * The evaluation at which the alert stopped firing: one evaluation interval (the spacing of its
 * last two samples) after its last firing sample; undefined when that cannot be told.
 */
export function endedAt(samples: readonly Sample[], startsAtMs: number, nowMs: number): number | undefined {
  const times = samples.map((s) => s.t).filter((t) => t >= startsAtMs).sort((a, b) => a - b);
  const last = times.at(-1);
  const previous = times.at(-2);
  if (last === undefined || previous === undefined) return undefined;
  return Math.min(last + (last - previous), nowMs);
}

function toAlertmanagerShape(alert: TrackedAlert, status: 'firing' | 'resolved', endsAt: string, generatorURL: string) {
  return { status, labels: alert.labels, annotations: alert.annotations, startsAt: alert.startsAt, endsAt, generatorURL, fingerprint: alert.fingerprint };
}

/** `host` names the Prometheus; `generatorURL` is where a person can look at the alert there. */
export function alertFiredSignal(alert: TrackedAlert, host: string, mapping: AlertServiceMapping, generatorURL: string): Signal {
  const signal = alertToSignal(toAlertmanagerShape(alert, 'firing', ZERO_TIME, generatorURL), host, mapping);
  return {
    ...signal,
    source: 'prometheus',
    attributes: { ...signal.attributes, pendingAt: alert.activeAt, firingAt: alert.startsAt },
    raw: { path: 'prometheus /api/v1/alerts', alert },
  };
}

export function alertEndedSignal(alert: TrackedAlert, endsAt: string, host: string, mapping: AlertServiceMapping, generatorURL: string): Signal {
  const signal = alertToSignal(toAlertmanagerShape(alert, 'resolved', endsAt, generatorURL), host, mapping);
  return { ...signal, source: 'prometheus', attributes: { ...signal.attributes, pendingAt: alert.activeAt }, raw: { path: 'prometheus /api/v1/alerts', alert, endsAt } };
}
