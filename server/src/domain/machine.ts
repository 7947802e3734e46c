// The engine's working state for one (service, host): plain data, so it can be cloned and replayed.
import type { Incident, IncidentStatus, Severity, SuspectedChange, TimelineEntry, EntrySource } from '../contract/index.ts';
import { stableHash } from './ids.ts';
import type { Signal } from './signal.ts';
import { toIso, toMs } from './time.ts';

export interface ContainerState {
  name?: string;
  running: boolean;
  /** Docker's health status while the container has a health check: 'starting' | 'healthy' | 'unhealthy'. */
  health: string | null;
  hasHealthcheck: boolean;
  /** A Swarm task's container that Swarm replaced with a new task: it never runs again and no longer counts. */
  retired?: boolean;
}

/** What the machine remembers of the service's last change (change-step.ts). */
export interface ChangeMemo {
  atMs: number;
  change: Omit<SuspectedChange, 'beforeMs'>;
  signal: Signal;
}

/** A restart someone asked for: the die it causes is not a failure. */
export interface RestartRequest {
  container: string;
  atMs: number;
  by: string;
}

/** A `kill`/`oom`/`create` waiting for the `die`/`start` it belongs to. */
export interface PendingPrefix {
  type: 'prefix';
  container: string;
  signal: Signal;
  incidentId: string | null;
  deadlineMs: number;
}

/** A `die` waiting for its `stop`, or a `start` for its `restart`: one entry once complete. */
export interface PendingBurst {
  type: 'burst';
  phase: 'down' | 'up';
  container: string;
  members: Signal[];
  incidentId: string | null;
  requestedBy?: string;
  deadlineMs: number;
}

export type Pending = PendingPrefix | PendingBurst;

export interface IncidentDraft {
  id: string;
  service: string;
  host: string;
  title: string;
  severity: Severity;
  openedAtMs: number;
  acknowledgedAtMs?: number;
  acknowledgedBy?: string;
  mitigatedAtMs?: number;
  resolvedAtMs?: number;
  /** Mitigated with every alert resolved since then: the quiet period runs from here. */
  recoveredSinceMs?: number;
  /** A container or Prometheus said the service failed (not only an alert). */
  hardFailure: boolean;
  alerts: Record<string, 'firing' | 'resolved'>;
  flaps: number;
  crashLoop: boolean;
  lastEventAtMs: number;
  sources: string[];
  entries: TimelineEntry[];
  /** The service's change its failure followed within the change window (change-step.ts). */
  suspectedChange?: SuspectedChange;
}

export interface Machine {
  service: string;
  host: string;
  clockMs: number | null;
  containers: Record<string, ContainerState>;
  requests: RestartRequest[];
  /** Times of unrequested deaths within the crash-loop window. */
  deaths: number[];
  /** Prometheus instances currently reporting the service down. */
  promDown: string[];
  pending: Pending[];
  /** The last signal that was a failure: it cannot also be what mitigates. */
  lastFailureId: string | null;
  active: IncidentDraft | null;
  closed: IncidentDraft[];
  /** Notes naming an incident this machine does not hold (resolved before its memory window). */
  detached: TimelineEntry[];
  /** The service's last change (image or configuration), for the next failure to name. */
  lastChange?: ChangeMemo;
}

export function newMachine(service: string, host: string): Machine {
  return {
    service, host, clockMs: null, containers: {}, requests: [], deaths: [], promDown: [],
    pending: [], lastFailureId: null, active: null, closed: [], detached: [],
  };
}

/**
 * A copy the fold may change without touching the original. Timeline entries and signals are never
 * changed once made, so they are shared rather than copied: a long incident stays cheap to step.
 */
export function cloneMachine(m: Machine): Machine {
  const draft = (d: IncidentDraft): IncidentDraft => ({ ...d, alerts: { ...d.alerts }, sources: [...d.sources], entries: [...d.entries] });
  const containers: Record<string, ContainerState> = {};
  for (const [id, c] of Object.entries(m.containers)) containers[id] = { ...c };
  return {
    ...m,
    containers,
    requests: m.requests.map((r) => ({ ...r })),
    deaths: [...m.deaths],
    promDown: [...m.promDown],
    pending: m.pending.map((p) => (p.type === 'burst' ? { ...p, members: [...p.members] } : { ...p })),
    active: m.active === null ? null : draft(m.active),
    closed: m.closed.map(draft),
    detached: [...m.detached],
  };
}

const SEVERITY_RANK: Record<Severity, number> = { info: 0, warning: 1, critical: 2 };

export function maxSeverity(a: Severity, b: Severity): Severity {
  return SEVERITY_RANK[b] > SEVERITY_RANK[a] ? b : a;
}

/** `severity` is `least` or worse (critical > warning > info). */
export function severityAtLeast(severity: Severity, least: Severity): boolean {
  return SEVERITY_RANK[severity] >= SEVERITY_RANK[least];
}

export function findIncident(m: Machine, id: string): IncidentDraft | undefined {
  if (m.active?.id === id) return m.active;
  return m.closed.find((d) => d.id === id);
}

/** A signal became part of an incident: it moves lastEventAt and names its source. */
export function touch(draft: IncidentDraft, signal: Signal): void {
  const received = signal.receivedAt === undefined ? Number.NEGATIVE_INFINITY : toMs(signal.receivedAt);
  draft.lastEventAtMs = Math.max(draft.lastEventAtMs, toMs(signal.at), received);
  if (!draft.sources.includes(signal.source)) draft.sources = [...draft.sources, signal.source].sort();
}

export interface EntryInput {
  atMs: number;
  source: EntrySource;
  kind: string;
  message: string;
  actor?: string;
  /** The signals the entry stands for; their ids make the entry's id. */
  signals: readonly Signal[];
  /** Extra facts beside the raw signals (system entries). */
  facts?: Record<string, unknown>;
}

/**
 * Entry ids hash everything the entry says, so a changed entry is a new entry. Stores order a
 * timeline by (at, id): the digit after `ent_` puts what the engine concludes (system entries)
 * after the signal it concludes it from when both carry the same millisecond.
 */
export function makeEntry(incidentId: string, input: EntryInput): TimelineEntry {
  const at = toIso(input.atMs);
  const memberIds = input.signals.map((s) => s.id).sort();
  const order = input.source === 'system' ? '1' : '0';
  const id = `ent_${order}${stableHash(incidentId, at, input.kind, input.message, input.actor ?? '', ...memberIds)}`;
  const data: Record<string, unknown> = { ...input.facts, signals: input.signals };
  return {
    id, incidentId, at, source: input.source, kind: input.kind, message: input.message,
    ...(input.actor === undefined ? {} : { actor: input.actor }),
    data,
  };
}

/** Appends an entry to the named incident; null (no incident) drops it. */
export function addEntry(m: Machine, incidentId: string | null, input: EntryInput): void {
  if (incidentId === null) return;
  const draft = findIncident(m, incidentId);
  if (draft === undefined) return;
  draft.entries.push(makeEntry(incidentId, input));
  draft.lastEventAtMs = Math.max(draft.lastEventAtMs, input.atMs);
}

export function statusOf(d: IncidentDraft): IncidentStatus {
  if (d.resolvedAtMs !== undefined) return 'resolved';
  if (d.mitigatedAtMs !== undefined) return 'mitigated';
  if (d.acknowledgedAtMs !== undefined) return 'acknowledged';
  return 'open';
}

export function toIncident(d: IncidentDraft): Incident {
  return {
    id: d.id,
    title: d.title,
    service: d.service,
    host: d.host,
    status: statusOf(d),
    severity: d.severity,
    openedAt: toIso(d.openedAtMs),
    ...(d.acknowledgedAtMs === undefined ? {} : { acknowledgedAt: toIso(d.acknowledgedAtMs) }),
    ...(d.acknowledgedBy === undefined ? {} : { acknowledgedBy: d.acknowledgedBy }),
    ...(d.mitigatedAtMs === undefined ? {} : { mitigatedAt: toIso(d.mitigatedAtMs) }),
    ...(d.resolvedAtMs === undefined ? {} : { resolvedAt: toIso(d.resolvedAtMs) }),
    lastEventAt: toIso(d.lastEventAtMs),
    sources: [...d.sources],
    ...(d.suspectedChange === undefined ? {} : { suspectedChange: d.suspectedChange }),
  };
}

export function compareEntries(a: TimelineEntry, b: TimelineEntry): number {
  if (a.at !== b.at) return a.at < b.at ? -1 : 1;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/** Nanoseconds past `at`'s millisecond where the source knows them (Docker's `timeNano`). */
function atNanos(signal: Signal): number {
  const value = signal.attributes['atNanos'];
  return typeof value === 'number' && Number.isFinite(value) ? value : 0;
}

/** Signals in event-time order, ties by id: the one order every derivation uses. */
export function compareSignals(a: Signal, b: Signal): number {
  const d = toMs(a.at) - toMs(b.at) || atNanos(a) - atNanos(b);
  if (d !== 0) return d;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}
