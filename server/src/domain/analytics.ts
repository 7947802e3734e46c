// Figures from a recorded incident: how it was detected, hop by hop, and how long each step took;
// per service over a window, MTTA, MTTR, count and downtime. Computed from the stored timeline
// (its entries carry the raw signals), so `GET /api/stats` needs nothing but the store.
import { z } from 'zod';
import type {
  DetectionHopName, IncidentAnalytics, IncidentWithTimeline, Interval, StatsResponse, TimelineEntry,
} from '../contract/index.ts';
import { KIND } from './kinds.ts';
import { toIso, toMs } from './time.ts';

const storedSignal = z.looseObject({
  id: z.string(),
  source: z.string(),
  at: z.string(),
  kind: z.string(),
  receivedAt: z.string().optional(),
  attributes: z.record(z.string(), z.unknown()).optional(),
});
const entryData = z.looseObject({ signals: z.array(storedSignal), requestedBy: z.string().optional() });
type StoredSignal = z.infer<typeof storedSignal>;

function signalsOf(entry: TimelineEntry): StoredSignal[] {
  const parsed = entryData.safeParse(entry.data);
  return parsed.success ? parsed.data.signals : [];
}

const FAILURE_KINDS: readonly string[] = [KIND.kill, KIND.oom, KIND.die, KIND.unhealthy, KIND.serviceDown, KIND.alertFiring];
const DOCKER_FAILURES: readonly string[] = [KIND.oom, KIND.die, KIND.unhealthy];

/** Entries that stand for a failure: not the die of a restart someone asked for. */
function isFailureEntry(entry: TimelineEntry): boolean {
  if (!FAILURE_KINDS.includes(entry.kind)) return false;
  const parsed = entryData.safeParse(entry.data);
  return !(parsed.success && parsed.data.requestedBy !== undefined);
}

function earliest<T>(items: readonly T[], at: (item: T) => number | undefined): { item: T; ms: number } | undefined {
  let best: { item: T; ms: number } | undefined;
  for (const item of items) {
    const ms = at(item);
    if (ms !== undefined && (best === undefined || ms < best.ms)) best = { item, ms };
  }
  return best;
}

const receivedMs = (s: StoredSignal): number => toMs(s.receivedAt ?? s.at);

export function incidentAnalytics(incident: IncidentWithTimeline, now: string): IncidentAnalytics {
  const timeline = [...incident.timeline].sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : a.id < b.id ? -1 : 1));
  const failures = timeline.filter(isFailureEntry).flatMap((e) => signalsOf(e).map((signal) => ({ entry: e, signal })));
  const first = earliest(failures, (f) => (FAILURE_KINDS.includes(f.signal.kind) ? toMs(f.signal.at) : undefined));
  const firstFailureMs = first?.ms ?? toMs(incident.openedAt);
  // The evidence an entry stands for is its own kind (the die, not the kill before it).
  const evidence = failures.filter((f) => f.signal.kind === f.entry.kind);
  const detected = earliest(evidence, (f) => receivedMs(f.signal));
  const detectedMs = detected?.ms ?? toMs(incident.openedAt);

  const hops: Array<{ hop: DetectionHopName; ms: number; detail: string }> = [
    { hop: 'first_failure', ms: firstFailureMs, detail: first?.item.entry.message ?? incident.title },
  ];
  const docker = earliest(evidence, (f) => (DOCKER_FAILURES.includes(f.signal.kind) ? receivedMs(f.signal) : undefined));
  if (docker !== undefined) hops.push({ hop: 'docker_event', ms: docker.ms, detail: docker.item.entry.message });
  const alerts = failures.filter((f) => f.signal.kind === KIND.alertFiring);
  const pending = earliest(alerts, (f) => toMs(f.signal.at));
  if (pending !== undefined) hops.push({ hop: 'alert_pending', ms: pending.ms, detail: pending.item.entry.message });
  const firing = earliest(alerts, (f) => {
    const v = f.signal.attributes?.['firingAt'];
    return typeof v === 'string' ? toMs(v) : undefined;
  });
  if (firing !== undefined) hops.push({ hop: 'alert_firing', ms: firing.ms, detail: firing.item.entry.message });
  const webhook = earliest(alerts.filter((f) => f.signal.source === 'alertmanager'), (f) => receivedMs(f.signal));
  if (webhook !== undefined) hops.push({ hop: 'webhook_received', ms: webhook.ms, detail: webhook.item.entry.message });
  if (incident.acknowledgedAt !== undefined) {
    hops.push({ hop: 'acknowledged', ms: toMs(incident.acknowledgedAt), detail: `acknowledged by ${incident.acknowledgedBy ?? 'someone'}` });
  }
  const restart = timeline.find((e) => e.kind === KIND.restartRequested || e.kind === KIND.supervisorRestart);
  if (restart !== undefined) hops.push({ hop: 'restart', ms: toMs(restart.at), detail: restart.message });
  const healthy = timeline.find((e) => e.kind === KIND.mitigated);
  if (healthy !== undefined) hops.push({ hop: 'healthy', ms: toMs(healthy.at), detail: healthy.message });
  if (incident.resolvedAt !== undefined) {
    const entry = timeline.find((e) => e.kind === KIND.resolved || e.kind === KIND.resolve);
    hops.push({ hop: 'resolved', ms: toMs(incident.resolvedAt), detail: entry?.message ?? 'resolved' });
  }
  const order = hops.map((h) => h.hop);
  hops.sort((a, b) => a.ms - b.ms || order.indexOf(a.hop) - order.indexOf(b.hop));
  const path = hops.map((h, i) => ({
    hop: h.hop, at: toIso(h.ms), sinceFirstFailureMs: h.ms - firstFailureMs,
    sincePreviousMs: h.ms - (hops[i - 1]?.ms ?? firstFailureMs), detail: h.detail,
  }));

  const down = downIntervals(timeline, firstFailureMs, incident.resolvedAt === undefined ? toMs(now) : toMs(incident.resolvedAt));
  const ackMs = incident.acknowledgedAt === undefined ? undefined : toMs(incident.acknowledgedAt);
  return {
    incidentId: incident.id, service: incident.service, host: incident.host, title: incident.title,
    severity: incident.severity, status: incident.status, openedAt: incident.openedAt,
    firstFailureAt: toIso(firstFailureMs), detectedAt: toIso(detectedMs), path,
    timeToDetectMs: detectedMs - firstFailureMs,
    timeToAcknowledgeMs: ackMs === undefined ? null : ackMs - detectedMs,
    timeToMitigateMs: healthy === undefined ? null : toMs(healthy.at) - firstFailureMs,
    timeToResolveMs: incident.resolvedAt === undefined ? null : toMs(incident.resolvedAt) - firstFailureMs,
    downtimeMs: down.reduce((sum, i) => sum + (toMs(i.to) - toMs(i.from)), 0),
    down,
    flaps: timeline.filter((e) => e.kind === KIND.flapping).length,
  };
}

/** Down from the first failure to the next recovery, again from each flap to the recovery after it. */
function downIntervals(timeline: readonly TimelineEntry[], firstFailureMs: number, endMs: number): Interval[] {
  const out: Interval[] = [];
  let downSince: number | null = firstFailureMs;
  for (const entry of timeline) {
    const at = toMs(entry.at);
    if (entry.kind === KIND.mitigated && downSince !== null) {
      out.push({ from: toIso(downSince), to: toIso(at) });
      downSince = null;
    } else if (entry.kind === KIND.flapping && downSince === null) {
      downSince = at;
    }
  }
  if (downSince !== null && endMs > downSince) out.push({ from: toIso(downSince), to: toIso(endMs) });
  return out;
}

function mean(values: readonly number[]): number | null {
  return values.length === 0 ? null : Math.round(values.reduce((a, b) => a + b, 0) / values.length);
}

/** What `GET /api/stats` answers: incidents opened in [from, to), optionally of one service. */
export function statsResponse(input: {
  incidents: readonly IncidentWithTimeline[]; from: string; to: string; service?: string; now: string;
}): StatsResponse {
  const fromMs = toMs(input.from);
  const toMsExclusive = toMs(input.to);
  const nowMs = Math.min(toMs(input.now), toMsExclusive);
  const chosen = input.incidents
    .filter((i) => (input.service === undefined || i.service === input.service)
      && toMs(i.openedAt) >= fromMs && toMs(i.openedAt) < toMsExclusive)
    .map((i) => incidentAnalytics(i, toIso(nowMs)))
    .sort((a, b) => (a.openedAt < b.openedAt ? -1 : a.openedAt > b.openedAt ? 1 : a.incidentId < b.incidentId ? -1 : 1));
  const byService = new Map<string, IncidentAnalytics[]>();
  for (const a of chosen) byService.set(a.service, [...(byService.get(a.service) ?? []), a]);
  const services = [...byService.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([service, list]) => ({
    service,
    incidents: list.length,
    acknowledged: list.filter((a) => a.timeToAcknowledgeMs !== null).length,
    resolved: list.filter((a) => a.timeToResolveMs !== null).length,
    mttaMs: mean(list.flatMap((a) => (a.timeToAcknowledgeMs === null ? [] : [a.timeToAcknowledgeMs]))),
    mttrMs: mean(list.flatMap((a) => (a.timeToResolveMs === null ? [] : [a.timeToResolveMs]))),
    totalDowntimeMs: list.flatMap((a) => a.down).reduce((sum, i) => {
      const clipped = Math.min(toMs(i.to), toMsExclusive) - Math.max(toMs(i.from), fromMs);
      return sum + Math.max(0, clipped);
    }, 0),
  }));
  return { from: toIso(fromMs), to: toIso(toMsExclusive), service: input.service ?? null, services, incidents: chosen };
}
