// Target health as Prometheus sees it — `up` (can it scrape the target) and `app_health` (does the
// app call itself healthy) — per service and instance, and the `prometheus.service_down` /
// `prometheus.service_up` signals of its transitions. Pure: the poller feeds it raw samples.
import { serviceForLabels, type AlertServiceMapping } from '../alertmanager/normalize.ts';
import { stableId } from '../../domain/ids.ts';
import { KIND } from '../../domain/kinds.ts';
import type { Signal } from '../../domain/signal.ts';
import type { Sample, Series } from './client.ts';

export interface TargetHealth {
  service: string;
  instance: string;
  job?: string;
  down: boolean;
  /** The condition that holds now, e.g. `up == 0`. */
  expr: string;
  /** When the current state began, as far as the samples tell (epoch ms). */
  sinceMs: number;
  labels: Record<string, string>;
}

/** What the poller remembers of a target between polls (and across restarts). */
export interface KnownTarget {
  service: string;
  instance: string;
  job?: string;
  down: boolean;
}

function latest(samples: readonly Sample[]): Sample | undefined {
  let best: Sample | undefined;
  for (const s of samples) if (best === undefined || s.t > best.t) best = s;
  return best;
}

/** The first sample of the run of samples, ending with the latest, for which `holds` is true. */
function runStart(samples: readonly Sample[], holds: (v: number) => boolean): number | undefined {
  const sorted = [...samples].sort((a, b) => a.t - b.t);
  let start: number | undefined;
  for (let i = sorted.length - 1; i >= 0; i--) {
    const s = sorted[i];
    if (s === undefined || !holds(s.v)) break;
    start = s.t;
  }
  return start;
}

export function targetKey(service: string, instance: string): string {
  return `${service}\u0000${instance}`;
}

function withoutName(labels: Record<string, string>): Record<string, string> {
  const { __name__: _name, ...rest } = labels;
  return rest;
}

/** One health per (service, instance) that has an `up` series; `app_health` refines it. */
export function targetHealth(up: readonly Series[], appHealth: readonly Series[], mapping: AlertServiceMapping): Map<string, TargetHealth> {
  const healthByKey = new Map<string, Sample[]>();
  for (const series of appHealth) {
    const labels = withoutName(series.labels);
    const service = serviceForLabels(labels, mapping);
    if (service === undefined) continue;
    const key = targetKey(service, labels['instance'] ?? '');
    healthByKey.set(key, [...(healthByKey.get(key) ?? []), ...series.samples]);
  }
  const out = new Map<string, TargetHealth>();
  for (const series of up) {
    const labels = withoutName(series.labels);
    const service = serviceForLabels(labels, mapping);
    const last = latest(series.samples);
    if (service === undefined || last === undefined) continue;
    const instance = labels['instance'] ?? '';
    const key = targetKey(service, instance);
    const health = healthByKey.get(key) ?? [];
    const lastHealth = latest(health);
    let state: Pick<TargetHealth, 'down' | 'expr' | 'sinceMs'>;
    if (last.v === 0) {
      state = { down: true, expr: 'up == 0', sinceMs: runStart(series.samples, (v) => v === 0) ?? last.t };
    } else if (lastHealth !== undefined && lastHealth.v === 0 && lastHealth.t >= last.t - 60_000) {
      state = { down: true, expr: 'app_health == 0', sinceMs: runStart(health, (v) => v === 0) ?? lastHealth.t };
    } else {
      const upSince = runStart(series.samples, (v) => v !== 0) ?? last.t;
      const healthySince = lastHealth === undefined ? upSince : runStart(health, (v) => v !== 0) ?? upSince;
      state = { down: false, expr: 'up == 1', sinceMs: Math.max(upSince, healthySince) };
    }
    const previous = out.get(key);
    // Two series for one target (two jobs scraping it): down when either says so.
    if (previous !== undefined && (previous.down || !state.down)) continue;
    out.set(key, { service, instance, ...(labels['job'] ? { job: labels['job'] } : {}), ...state, labels });
  }
  return out;
}

function healthSignal(kind: string, target: KnownTarget, atMs: number, host: string, attributes: Record<string, unknown>): Signal {
  const at = new Date(atMs).toISOString();
  return {
    id: stableId('prom', host, target.service, target.instance, kind, at),
    source: 'prometheus',
    host,
    at,
    kind,
    service: target.service,
    attributes: { instance: target.instance, ...(target.job ? { job: target.job } : {}), ...attributes },
    raw: { target, ...attributes },
  };
}

export interface HealthStep {
  signals: Signal[];
  known: Record<string, KnownTarget>;
}

/**
 * Signals for what changed since `known`. A target seen for the first time says something only
 * when it is down; a known-down target that is no longer scraped counts as up again, so the
 * incident it opened can recover.
 */
export function healthTransitions(
  known: Readonly<Record<string, KnownTarget>>,
  current: ReadonlyMap<string, TargetHealth>,
  host: string,
  nowMs: number,
): HealthStep {
  const signals: Signal[] = [];
  const next: Record<string, KnownTarget> = {};
  for (const [key, target] of current) {
    const { service, instance, job, down } = target;
    const entry: KnownTarget = { service, instance, ...(job ? { job } : {}), down };
    next[key] = entry;
    const was = known[key]?.down;
    if (down === was || (!down && was === undefined)) continue;
    signals.push(healthSignal(down ? KIND.serviceDown : KIND.serviceUp, entry, target.sinceMs, host, { expr: target.expr, labels: target.labels }));
  }
  for (const [key, target] of Object.entries(known)) {
    if (current.has(key) || !target.down) continue;
    signals.push(healthSignal(KIND.serviceUp, target, nowMs, host, { expr: 'absent(up)', reason: 'Prometheus no longer scrapes this target' }));
  }
  return { signals, known: next };
}
