// Incident replay: the incident as it was at one instant, folded from the signals recorded up to
// it (the timeline's and the replay route's), and the instant in the URL. Pure. What is shown at an
// instant is what Vigil knew then: a signal counts from when it happened or, if Vigil stored it
// later (a late webhook, a backfill after an outage), from when it was stored.
import type { Incident, IncidentStatus, ReplaySignal, TimelineEntry } from '@vigil/server/contract';
import { isRecord } from './wire.ts';

export type ReplayContainerState = 'created' | 'running' | 'restarting' | 'dead' | 'stopped' | 'paused' | 'removed';

export interface ContainerAt {
  /** host + id: the same id on two hosts is two containers. */
  key: string;
  id: string;
  host: string;
  name: string;
  state: ReplayContainerState;
  health?: 'starting' | 'healthy' | 'unhealthy';
  /** ISO: since when it has been in this state (health included). */
  since: string;
  /** The state in words, e.g. "unhealthy", "dead (exit 137, signal 9)", "restarting (supervisor)". */
  words: string;
  tone: 'critical' | 'warning' | 'resolved' | 'unknown';
}

export interface AlertAt {
  fingerprint: string;
  name: string;
  since: string;
  severity?: string;
  summary?: string;
}

export interface IncidentAt {
  /** null before the incident opened. */
  status: IncidentStatus | null;
  acknowledgedBy?: string;
  acknowledgedAt?: string;
}

export interface ReplayState {
  atMs: number;
  containers: ContainerAt[];
  alerts: AlertAt[];
  incident: IncidentAt;
  /** How many timeline entries (in time order) had happened by then. */
  entriesSoFar: number;
}

/** When Vigil knew of a signal: when it happened, or when Vigil stored it if that was later. */
export function knownMs(s: Pick<ReplaySignal, 'at' | 'receivedAt'>): number {
  const at = Date.parse(s.at);
  const received = s.receivedAt === undefined ? Number.NaN : Date.parse(s.receivedAt);
  return Number.isNaN(received) ? at : Math.max(at, received);
}

/** When Vigil knew of a timeline entry: its time, or once every signal it stands for was known. */
export function entryKnownMs(e: Pick<TimelineEntry, 'at' | 'data'>): number {
  return Math.max(Date.parse(e.at), ...entrySignals(e).map(knownMs));
}

const byId = (a: { id: string }, b: { id: string }): number => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
const byKnown = (a: ReplaySignal, b: ReplaySignal): number => knownMs(a) - knownMs(b) || Date.parse(a.at) - Date.parse(b.at) || byId(a, b);
const byEntryKnown = (a: TimelineEntry, b: TimelineEntry): number => entryKnownMs(a) - entryKnownMs(b) || Date.parse(a.at) - Date.parse(b.at) || byId(a, b);

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : typeof v === 'number' && Number.isFinite(v) ? String(v) : undefined;
}

/** The signals a timeline entry stands for (`data.signals`), as replay reads them; anything malformed is skipped. */
export function entrySignals(entry: Pick<TimelineEntry, 'data'>): ReplaySignal[] {
  const data = entry.data;
  if (!isRecord(data) || !Array.isArray(data['signals'])) return [];
  const out: ReplaySignal[] = [];
  for (const s of data['signals']) {
    if (!isRecord(s)) continue;
    const id = str(s['id']); const at = str(s['at']); const kind = str(s['kind']);
    if (id === undefined || at === undefined || kind === undefined || Number.isNaN(Date.parse(at))) continue;
    const container = str(s['container']); const service = str(s['service']); const receivedAt = str(s['receivedAt']);
    out.push({
      id, at, kind, source: str(s['source']) ?? 'unknown', host: str(s['host']) ?? 'unknown',
      ...(container === undefined ? {} : { container }), ...(service === undefined ? {} : { service }),
      ...(receivedAt === undefined ? {} : { receivedAt }),
      attributes: isRecord(s['attributes']) ? s['attributes'] : {},
    });
  }
  return out;
}

/** Every signal known to replay, once each (by id), in the order Vigil knew them. */
export function mergeSignals(timeline: readonly TimelineEntry[], fetched: readonly ReplaySignal[]): ReplaySignal[] {
  const seen = new Map<string, ReplaySignal>();
  for (const s of fetched) if (!Number.isNaN(Date.parse(s.at))) seen.set(s.id, s);
  for (const e of timeline) for (const s of entrySignals(e)) if (!seen.has(s.id)) seen.set(s.id, s);
  return [...seen.values()].sort(byKnown);
}

interface Track {
  id: string; host: string; name: string;
  state: ReplayContainerState; stateSince: string;
  health?: ContainerAt['health']; healthSince?: string;
  exitCode?: string; signal?: string; oom?: boolean;
  /** A restart someone (or the supervisor) asked for and Docker has not started yet. */
  restartBy?: string;
}

const STATE_OF: Readonly<Record<string, ReplayContainerState>> = {
  'container.create': 'created', 'container.start': 'running', 'container.restart': 'running',
  'container.die': 'dead', 'container.stop': 'stopped', 'container.pause': 'paused',
  'container.unpause': 'running', 'container.destroy': 'removed',
};

function step(t: Track, s: ReplaySignal): void {
  const a = s.attributes;
  const name = str(a['name']);
  if (name !== undefined) t.name = name.replace(/^\//, '');
  if (s.kind === 'supervisor.restart' || s.kind === 'user.restart_requested') {
    t.restartBy = s.kind === 'supervisor.restart' ? 'supervisor' : str(a['actor']) ?? 'a person';
    return;
  }
  if (s.kind === 'action.restart_result') {
    if (a['ok'] === false) delete t.restartBy;
    return;
  }
  if (s.kind === 'container.kill') { t.signal = str(a['signal']); return; }
  if (s.kind === 'container.oom') { t.oom = true; return; }
  if (s.kind.startsWith('container.health_status.')) {
    const h = s.kind.slice('container.health_status.'.length);
    if (h === 'healthy' || h === 'unhealthy' || h === 'starting') {
      if (t.health !== h) t.healthSince = s.at;
      t.health = h;
    }
    return;
  }
  const next = STATE_OF[s.kind];
  if (next === undefined) return;
  // A stop right after a die says nothing new: the container stays dead since the die.
  if (next === 'stopped' && t.state === 'dead') return;
  if (next === 'running' && t.state === 'running' && s.kind === 'container.restart') return;
  if (next === 'dead') t.exitCode = str(a['exitCode']);
  if (next === 'running') {
    delete t.restartBy; delete t.exitCode; delete t.signal; delete t.oom;
    // Docker probes again from the start: health is "starting" until the first probe answers.
    if (t.health !== undefined) { t.health = 'starting'; t.healthSince = s.at; }
  }
  if (next !== t.state) t.stateSince = s.at;
  t.state = next;
}

function describe(t: Track): Pick<ContainerAt, 'state' | 'words' | 'tone' | 'since'> {
  const down = t.state === 'dead' || t.state === 'stopped';
  if (down && t.restartBy !== undefined) {
    return { state: 'restarting', words: `restarting (asked by ${t.restartBy})`, tone: 'warning', since: t.stateSince };
  }
  if (down) {
    const why = [t.exitCode === undefined ? '' : `exit ${t.exitCode}`, t.signal === undefined ? '' : `signal ${t.signal}`, t.oom ? 'out of memory' : '']
      .filter((x) => x !== '').join(', ');
    return { state: t.state, words: why === '' ? t.state : `${t.state} (${why})`, tone: 'critical', since: t.stateSince };
  }
  if (t.state === 'running') {
    const healthSince = t.healthSince ?? t.stateSince;
    if (t.health === 'unhealthy') return { state: 'running', words: 'unhealthy (running, failing its health check)', tone: 'critical', since: healthSince };
    if (t.health === 'starting') return { state: 'running', words: 'running, health check starting', tone: 'warning', since: t.stateSince };
    return { state: 'running', words: t.health === 'healthy' ? 'running, healthy' : 'running', tone: 'resolved', since: t.stateSince };
  }
  if (t.state === 'removed') return { state: 'removed', words: 'removed', tone: 'unknown', since: t.stateSince };
  return { state: t.state, words: t.state, tone: 'warning', since: t.stateSince };
}

const CONTAINER_KINDS = /^(container\.|supervisor\.restart$|user\.restart_requested$|action\.restart_result$)/;

/** The containers, alerts and incident as they were at `atMs`: signals Vigil knew of later are not looked at. */
export function replayAt(
  incident: Pick<Incident, 'openedAt'>,
  timeline: readonly TimelineEntry[],
  signals: readonly ReplaySignal[],
  atMs: number,
): ReplayState {
  const tracks = new Map<string, Track>();
  const alerts = new Map<string, AlertAt>();
  for (const s of [...signals].sort(byKnown)) {
    if (knownMs(s) > atMs) break;
    if (s.kind === 'alert.firing' || s.kind === 'alert.resolved') {
      const fingerprint = str(s.attributes['fingerprint']) ?? s.id;
      if (s.kind === 'alert.resolved') { alerts.delete(fingerprint); continue; }
      if (alerts.has(fingerprint)) continue;
      const severity = str(s.attributes['severity']); const summary = str(s.attributes['summary']);
      alerts.set(fingerprint, {
        fingerprint, name: str(s.attributes['alertname']) ?? 'alert', since: s.at,
        ...(severity === undefined ? {} : { severity }), ...(summary === undefined ? {} : { summary }),
      });
      continue;
    }
    if (s.container === undefined || !CONTAINER_KINDS.test(s.kind)) continue;
    const key = `${s.host}/${s.container}`;
    let t = tracks.get(key);
    if (!t) {
      // First seen mid-life (no create/start recorded): a death or health report says it was running until then.
      t = { id: s.container, host: s.host, name: s.container.slice(0, 12), state: 'running', stateSince: s.at };
      tracks.set(key, t);
    }
    step(t, s);
  }
  const containers = [...tracks.entries()].map(([key, t]) => ({
    key, id: t.id, host: t.host, name: t.name, ...(t.health === undefined ? {} : { health: t.health }), ...describe(t),
  })).sort((a, b) => a.host.localeCompare(b.host) || a.name.localeCompare(b.name));
  return {
    atMs,
    containers,
    alerts: [...alerts.values()].sort((a, b) => a.since.localeCompare(b.since) || a.name.localeCompare(b.name)),
    incident: incidentAt(incident, timeline, atMs),
    entriesSoFar: timeline.filter((e) => entryKnownMs(e) <= atMs).length,
  };
}

/** The incident's status then: opened, acknowledged (by whom), mitigated (and flapping back), resolved. */
export function incidentAt(incident: Pick<Incident, 'openedAt'>, timeline: readonly TimelineEntry[], atMs: number): IncidentAt {
  if (atMs < Date.parse(incident.openedAt)) return { status: null };
  let acked: { by: string; at: string } | undefined;
  let mitigated = false;
  let resolved = false;
  for (const e of [...timeline].sort(byEntryKnown)) {
    if (entryKnownMs(e) > atMs) break;
    if (e.kind === 'user.acknowledge' && acked === undefined) acked = { by: e.actor ?? 'someone', at: e.at };
    else if (e.kind === 'incident.mitigated') mitigated = true;
    else if (e.kind === 'incident.flapping') mitigated = false;
    else if (e.kind === 'incident.resolved' || e.kind === 'user.resolve') resolved = true;
  }
  const status: IncidentStatus = resolved ? 'resolved' : mitigated ? 'mitigated' : acked ? 'acknowledged' : 'open';
  return { status, ...(acked ? { acknowledgedBy: acked.by, acknowledgedAt: acked.at } : {}) };
}

export interface ReplayWindow { startMs: number; endMs: number }

/** The instants worth stepping to with ← →: every signal and timeline entry inside the window, once each. */
export function eventInstants(timeline: readonly TimelineEntry[], signals: readonly ReplaySignal[], w: ReplayWindow): number[] {
  const set = new Set<number>();
  for (const ms of [...timeline.map(entryKnownMs), ...signals.map(knownMs)]) {
    if (ms >= w.startMs && ms <= w.endMs) set.add(ms);
  }
  return [...set].sort((a, b) => a - b);
}

/** The next (dir 1) or previous (dir −1) event instant from `atMs`; null when there is none. */
export function stepEvent(instants: readonly number[], atMs: number, dir: 1 | -1): number | null {
  if (dir === 1) return instants.find((t) => t > atMs) ?? null;
  for (let i = instants.length - 1; i >= 0; i -= 1) if ((instants[i] ?? Infinity) < atMs) return instants[i] ?? null;
  return null;
}

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?Z$/;

export type ParsedInstant =
  | { kind: 'live' }
  | { kind: 'at'; ms: number; note?: string }
  | { kind: 'invalid'; note: string };

/**
 * `?at=` from the URL: absent → live; an ISO UTC time → that instant (brought inside the window
 * with a note when outside it); anything else → live, with a note saying why.
 */
export function parseInstant(value: unknown, w: ReplayWindow): ParsedInstant {
  const raw = Array.isArray(value) ? value[0] : value;
  if (raw === undefined || raw === null || raw === '') return { kind: 'live' };
  if (typeof raw !== 'string' || raw.length > 40 || !ISO.test(raw) || Number.isNaN(Date.parse(raw))) {
    return { kind: 'invalid', note: `The link's instant "${String(raw).slice(0, 40)}" is not a UTC time like 2026-12-06T07:12:03.120Z; showing the incident live.` };
  }
  const ms = Date.parse(raw);
  if (ms < w.startMs) return { kind: 'at', ms: w.startMs, note: 'The link\'s instant is before the replay window; showing its start.' };
  if (ms > w.endMs) return { kind: 'at', ms: w.endMs, note: 'The link\'s instant is after the replay window; showing its end.' };
  return { kind: 'at', ms };
}

/** The replay window: the incident's start − 10 min to its end (resolved, or now) + 10 min. */
export function replayWindow(incident: Pick<Incident, 'openedAt' | 'resolvedAt'>, nowMs: number): ReplayWindow {
  const start = Date.parse(incident.openedAt);
  const end = incident.resolvedAt === undefined ? nowMs : Date.parse(incident.resolvedAt);
  return { startMs: start - 600_000, endMs: Math.max(start, end) + 600_000 };
}

export const SPEEDS = [1, 10, 60] as const;
export type Speed = (typeof SPEEDS)[number];

/** `GET /api/incidents/:id/replay` as the page reads it: well-formed signals kept, the rest dropped; null when not that shape. */
export function readReplayAnswer(v: unknown): { signals: ReplaySignal[]; truncated: boolean } | null {
  if (!isRecord(v) || !Array.isArray(v['signals'])) return null;
  return { signals: entrySignals({ data: { signals: v['signals'] } }), truncated: v['truncated'] === true };
}
