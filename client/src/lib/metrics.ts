// What the incident's chart panel asks Prometheus (through Vigil) and how it reads the answer:
// the window (the incident plus context), the step, the named charts of a service, the series. Pure.
import type { ChartName, Incident, Interval } from '@vigil/server/contract';
import type { RangeAnswer } from './wire.ts';

export interface TimeWindow {
  startMs: number;
  endMs: number;
}

const MIN_CONTEXT_MS = 60_000;
const MAX_CONTEXT_MS = 30 * 60_000;
const TARGET_POINTS = 240;

/** The incident from its first failure to its end (or now), plus context on both sides. */
export function incidentWindow(i: Pick<Incident, 'openedAt' | 'resolvedAt' | 'mitigatedAt'>, firstFailureAt: string | undefined, now: number): TimeWindow {
  const start = Math.min(Date.parse(i.openedAt), firstFailureAt ? Date.parse(firstFailureAt) : Number.POSITIVE_INFINITY);
  const end = i.resolvedAt ? Date.parse(i.resolvedAt) : now;
  const context = Math.min(MAX_CONTEXT_MS, Math.max(MIN_CONTEXT_MS, (end - start) * 0.25));
  return { startMs: start - context, endMs: Math.min(now, end + context) };
}

/** Seconds between points: about TARGET_POINTS across the window, never under 1 s. */
export function stepSeconds(w: TimeWindow): number {
  return Math.max(1, Math.ceil((w.endMs - w.startMs) / 1000 / TARGET_POINTS));
}

export interface ChartRequest {
  chart: ChartName;
  label: string;
}

/**
 * The four series of the panel for a service: Prometheus's `up`, the app's own `app_health`, and
 * its request and 5xx rates. Vigil builds their PromQL from the service name (matched by `job` or
 * `service` label); the page only names the chart.
 */
export function chartRequests(): ChartRequest[] {
  return [
    { chart: 'up', label: 'up' },
    { chart: 'app_health', label: 'app_health' },
    { chart: 'requests', label: 'requests/s' },
    { chart: 'errors', label: '5xx/s' },
  ];
}

export function chartPath(chart: ChartName, service: string, w: TimeWindow, step: number): string {
  const q = new URLSearchParams({
    chart,
    service,
    start: new Date(w.startMs).toISOString(),
    end: new Date(w.endMs).toISOString(),
    step: `${step}s`,
  });
  return `/api/metrics/query_range?${q.toString()}`;
}

export interface ChartPoint {
  x: number;
  y: number | null;
}

export interface ChartSeries {
  label: string;
  points: ChartPoint[];
}

/** One line per series; several series of one query (several instances) are told apart by instance. */
export function toChartSeries(label: string, answer: RangeAnswer): ChartSeries[] {
  return answer.series.map((s) => {
    const instance = s.labels['instance'];
    return {
      label: answer.series.length > 1 && instance ? `${label} (${instance})` : label,
      points: s.points.map(([t, v]) => ({ x: Date.parse(t), y: v })),
    };
  });
}

export interface Marker {
  atMs: number;
  label: string;
  tone: 'critical' | 'mitigated' | 'resolved' | 'unknown' | 'change';
}

/** The image a change went to, short enough for a chart label: its tag (`backend:v2`) without the registry. */
export function shortImage(image: string | undefined): string {
  if (image === undefined || image === '') return '?';
  if (image.startsWith('sha256:')) return image.slice(7, 19);
  return image.split('/').at(-1) ?? image;
}

/** The incident's moments, drawn as vertical lines; its suspected change among them. */
export function incidentMarkers(i: Pick<Incident, 'openedAt' | 'acknowledgedAt' | 'mitigatedAt' | 'resolvedAt' | 'suspectedChange'>): Marker[] {
  const out: Marker[] = [{ atMs: Date.parse(i.openedAt), label: 'opened', tone: 'critical' }];
  const change = i.suspectedChange;
  if (change) out.push({ atMs: Date.parse(change.at), label: `change → ${shortImage(change.newImage)}`, tone: 'change' });
  if (i.acknowledgedAt) out.push({ atMs: Date.parse(i.acknowledgedAt), label: 'acknowledged', tone: 'unknown' });
  if (i.mitigatedAt) out.push({ atMs: Date.parse(i.mitigatedAt), label: 'mitigated', tone: 'mitigated' });
  if (i.resolvedAt) out.push({ atMs: Date.parse(i.resolvedAt), label: 'resolved', tone: 'resolved' });
  return out.filter((m) => !Number.isNaN(m.atMs));
}

export interface Band {
  fromMs: number;
  toMs: number;
}

export function downBands(down: readonly Interval[]): Band[] {
  return down.map((d) => ({ fromMs: Date.parse(d.from), toMs: Date.parse(d.to) }))
    .filter((b) => !Number.isNaN(b.fromMs) && !Number.isNaN(b.toMs) && b.toMs >= b.fromMs);
}

const TICK_STEPS_MS = [5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10_800, 21_600, 43_200, 86_400].map((s) => s * 1000);

/** Round UTC ticks for the time axis (every 30 s, 1 m, 5 m…): at most `maxCount` of them. */
export function timeTicks(minMs: number, maxMs: number, maxCount = 6): number[] {
  const span = maxMs - minMs;
  if (!(span > 0)) return [];
  const step = TICK_STEPS_MS.find((s) => span / s <= maxCount) ?? Math.ceil(span / maxCount / 86_400_000) * 86_400_000;
  const out: number[] = [];
  for (let t = Math.ceil(minMs / step) * step; t <= maxMs; t += step) out.push(t);
  return out;
}

const pad = (n: number): string => String(n).padStart(2, '0');

/** Axis ticks: "18:37" or "18:37:30" when the window is short; UTC. */
export function tickLabel(ms: number, spanMs: number): string {
  const d = new Date(ms);
  const hm = `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}`;
  return spanMs <= 20 * 60_000 ? `${hm}:${pad(d.getUTCSeconds())}` : hm;
}

/** Round numbers for the axis and tooltips: 0.0123 → "0.012", 1234.5 → "1235". */
export function formatValue(v: number): string {
  if (!Number.isFinite(v)) return '—';
  const abs = Math.abs(v);
  if (abs === 0) return '0';
  if (abs >= 100) return v.toFixed(0);
  if (abs >= 10) return v.toFixed(1);
  if (abs >= 0.01) return v.toFixed(2).replace(/\.?0+$/, '');
  return v.toPrecision(2);
}
