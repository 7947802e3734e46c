// The incident engine's entry points. The outcome is a function of the SET of signals (and `now`):
// each service's machine is the fold of its signals in event-time order; a signal that arrives out
// of that order makes the service's signals fold again. `project` is the same fold done in one go.
import type { Incident, IncidentWithTimeline, TimelineEntry } from '../contract/index.ts';
import { correlationKey } from './correlate.ts';
import { diff, NOTHING_EMITTED, viewOf } from './decisions.ts';
import type { Decision, Emitted, View } from './decisions.ts';
import { advance, deadlines } from './lifecycle.ts';
import { cloneMachine, compareSignals, newMachine } from './machine.ts';
import type { Machine } from './machine.ts';
import { engineOptions } from './options.ts';
import type { EngineOptions } from './options.ts';
import type { Signal } from './signal.ts';
import { step } from './step.ts';
import { toIso, toMs } from './time.ts';

/** One service on one host. Treated as immutable: every call returns new objects. */
export interface ServiceState {
  readonly service: string;
  readonly host: string;
  /** The machine at the last checkpoint (see `retainMs`); `signals` fold on top of it. */
  readonly baseline: Machine;
  /** Signals since the checkpoint, in (at, id) order, unique by id. */
  readonly signals: readonly Signal[];
  readonly seen: ReadonlySet<string>;
  readonly machine: Machine;
  readonly emitted: Emitted;
  /** The `now` the last decisions were derived at. */
  readonly viewedAtMs: number | null;
}

export interface EngineState {
  readonly nowMs: number | null;
  readonly services: Readonly<Record<string, ServiceState>>;
}

export interface EngineResult {
  state: EngineState;
  decisions: Decision[];
}

export const EMPTY_STATE: EngineState = { nowMs: null, services: {} };

function fold(baseline: Machine, signals: readonly Signal[], o: EngineOptions): Machine {
  const m = cloneMachine(baseline);
  for (const s of signals) step(m, s, o);
  return m;
}

function advanced(machine: Machine, nowMs: number | null, o: EngineOptions): Machine {
  const m = cloneMachine(machine);
  if (nowMs !== null) advance(m, nowMs, o);
  return m;
}

function viewAt(machine: Machine, nowMs: number | null, o: EngineOptions): View {
  // Most signals are newer than the last tick: then time has nothing to add and nothing to clone.
  if (nowMs === null || (machine.clockMs !== null && nowMs <= machine.clockMs)) return viewOf(machine);
  return viewOf(advanced(machine, nowMs, o));
}

function insertSorted(signals: readonly Signal[], signal: Signal): { signals: Signal[]; last: boolean } {
  let lo = 0;
  let hi = signals.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const at = signals[mid];
    if (at !== undefined && compareSignals(at, signal) < 0) lo = mid + 1;
    else hi = mid;
  }
  return { signals: [...signals.slice(0, lo), signal, ...signals.slice(lo)], last: lo === signals.length };
}

/** Feeds one signal (as stored, with `receivedAt`) to the engine. Duplicates by id change nothing. */
export function applySignal(state: EngineState, signal: Signal, options?: Partial<EngineOptions>): EngineResult {
  const o = engineOptions(options);
  const key = correlationKey(signal, o);
  if (key === null) return { state, decisions: [] };
  const current = state.services[key.key];
  if (current?.seen.has(signal.id)) return { state, decisions: [] };
  const baseline = current?.baseline ?? newMachine(key.service, key.host);
  const inserted = insertSorted(current?.signals ?? [], signal);
  const machine = inserted.last
    ? fold(current?.machine ?? baseline, [signal], o)
    : fold(baseline, inserted.signals, o);
  const { decisions, emitted } = diff(current?.emitted ?? NOTHING_EMITTED, viewAt(machine, state.nowMs, o));
  const next: ServiceState = {
    service: key.service, host: key.host, baseline, signals: inserted.signals,
    seen: new Set([...(current?.seen ?? []), signal.id]), machine, emitted, viewedAtMs: state.nowMs,
  };
  return { state: { nowMs: state.nowMs, services: { ...state.services, [key.key]: next } }, decisions };
}

/** Lets time pass: bursts complete, quiet periods end (incidents resolve), quiet services are trimmed. */
export function tick(state: EngineState, now: string, options?: Partial<EngineOptions>): EngineResult {
  const o = engineOptions(options);
  const nowMs = Math.max(state.nowMs ?? Number.NEGATIVE_INFINITY, toMs(now));
  const services: Record<string, ServiceState> = {};
  const decisions: Decision[] = [];
  for (const [key, s] of Object.entries(state.services)) {
    const since = s.viewedAtMs;
    const due = deadlines(s.machine, o).some((d) => d < nowMs && (since === null || d >= since));
    let current: ServiceState = { ...s, viewedAtMs: nowMs };
    if (due) {
      const result = diff(s.emitted, viewAt(s.machine, nowMs, o));
      decisions.push(...result.decisions);
      current = { ...current, emitted: result.emitted };
    }
    const trimmed = checkpoint(current, nowMs, o);
    if (trimmed !== null) services[key] = trimmed;
  }
  return { state: { nowMs, services }, decisions };
}

/**
 * A service with no active incident and nothing new for `retainMs` forgets its signals and resolved
 * incidents (they are stored); what it knows about its containers stays as the new baseline.
 * Returns null when nothing is worth keeping.
 */
function checkpoint(s: ServiceState, nowMs: number, o: EngineOptions): ServiceState | null {
  if ((s.machine.clockMs ?? Number.NEGATIVE_INFINITY) + o.retainMs > nowMs) return s;
  const m = advanced(s.machine, nowMs, o);
  if (m.active !== null || m.pending.length > 0) return s;
  // The stored machine's clock is its last signal; the advanced one's is `now`.
  const lastActivity = Math.max(s.machine.clockMs ?? Number.NEGATIVE_INFINITY, ...m.closed.map((d) => d.resolvedAtMs ?? 0));
  if (lastActivity + o.retainMs > nowMs) return s;
  const baseline: Machine = {
    ...m, closed: [], detached: [], requests: [],
    deaths: m.deaths.filter((d) => d >= nowMs - o.crashLoopWindowMs),
  };
  if (Object.keys(baseline.containers).length === 0 && baseline.promDown.length === 0 && baseline.deaths.length === 0) return null;
  return { ...s, baseline, signals: [], seen: new Set(), machine: baseline, emitted: NOTHING_EMITTED, viewedAtMs: nowMs };
}

/** The earliest time at which `tick` would change something (ISO), or null: when to tick next. */
export function nextTickAt(state: EngineState, options?: Partial<EngineOptions>): string | null {
  const o = engineOptions(options);
  let next = Number.POSITIVE_INFINITY;
  for (const s of Object.values(state.services)) {
    for (const d of deadlines(s.machine, o)) {
      if (s.viewedAtMs === null || d >= s.viewedAtMs) next = Math.min(next, d + 1);
    }
  }
  return Number.isFinite(next) ? toIso(next) : null;
}

function groupByService(signals: readonly Signal[], o: EngineOptions): Map<string, { service: string; host: string; signals: Signal[] }> {
  const seen = new Set<string>();
  const groups = new Map<string, { service: string; host: string; signals: Signal[] }>();
  for (const signal of signals) {
    if (seen.has(signal.id)) continue;
    seen.add(signal.id);
    const key = correlationKey(signal, o);
    if (key === null) continue;
    const group = groups.get(key.key) ?? { service: key.service, host: key.host, signals: [] };
    group.signals.push(signal);
    groups.set(key.key, group);
  }
  for (const group of groups.values()) group.signals.sort(compareSignals);
  return groups;
}

export interface Projection {
  /** In (openedAt, id) order. */
  incidents: Incident[];
  /** Per incident id, entries in (at, id) order. */
  timelines: Record<string, TimelineEntry[]>;
}

/** The batch path: every incident and timeline the given signals make, as of `now` (default: each service's last signal). */
export function project(signals: readonly Signal[], options?: Partial<EngineOptions> & { now?: string }): Projection {
  const o = engineOptions(options);
  const nowMs = options?.now === undefined ? null : toMs(options.now);
  const incidents: Incident[] = [];
  const timelines: Record<string, TimelineEntry[]> = {};
  for (const group of groupByService(signals, o).values()) {
    const view = viewAt(fold(newMachine(group.service, group.host), group.signals, o), nowMs, o);
    incidents.push(...view.incidents);
    for (const entry of view.entries) (timelines[entry.incidentId] ??= []).push(entry);
  }
  incidents.sort((a, b) => (a.openedAt < b.openedAt ? -1 : a.openedAt > b.openedAt ? 1 : a.id < b.id ? -1 : 1));
  return { incidents, timelines };
}

export interface RestoreResult extends EngineResult {
  /** Active incidents the given signals did not re-derive: left as stored, the engine no longer tracks them. */
  unmatched: string[];
}

/**
 * After a restart: rebuilds the state from the stored active incidents (with their timelines) and the
 * stored signals since the earliest of them opened (minus `prefixWindowMs`). Decisions carry what
 * differs from the given incidents (usually nothing); incidents the signals re-derive but that were
 * not given (resolved ones) come out as idempotent upserts/appends. Nothing is ever removed here.
 */
export function restoreState(
  active: readonly IncidentWithTimeline[],
  signals: readonly Signal[],
  options?: Partial<EngineOptions>,
  now?: string,
): RestoreResult {
  const o = engineOptions(options);
  const nowMs = now === undefined ? null : toMs(now);
  const services: Record<string, ServiceState> = {};
  const decisions: Decision[] = [];
  const derived = new Set<string>();
  for (const [key, group] of groupByService(signals, o)) {
    const baseline = newMachine(group.service, group.host);
    const machine = fold(baseline, group.signals, o);
    const stored: Emitted = { incidents: {}, entries: {} };
    for (const { timeline, ...incident } of active) {
      if (`${incident.host}\u0000${incident.service}` !== key) continue;
      stored.incidents[incident.id] = incident;
      for (const entry of timeline) stored.entries[entry.id] = incident.id;
    }
    const result = diff(stored, viewAt(machine, nowMs, o), false);
    decisions.push(...result.decisions);
    for (const id of Object.keys(result.emitted.incidents)) derived.add(id);
    services[key] = {
      service: group.service, host: group.host, baseline, signals: group.signals,
      seen: new Set(group.signals.map((s) => s.id)), machine, emitted: result.emitted, viewedAtMs: nowMs,
    };
  }
  const unmatched = active.map((i) => i.id).filter((id) => !derived.has(id));
  return { state: { nowMs, services }, decisions, unmatched };
}
