// One (service, host) inside the engine: its signals, the machine they fold to, and what has been
// told about it. Mutable, so a signal costs the same however many other services are open; the
// engine (engine.ts) owns these objects and never hands them out for writing.
import { diff, sameIncident, viewOf } from './decisions.ts';
import type { Decision, Emitted, View } from './decisions.ts';
import { changeStillMatters } from './change-step.ts';
import { advance, deadlines } from './lifecycle.ts';
import { cloneMachine, compareEntries, compareSignals, toIncident } from './machine.ts';
import type { Machine } from './machine.ts';
import type { EngineOptions } from './options.ts';
import type { Signal } from './signal.ts';
import { step } from './step.ts';
import type { TimelineEntry } from '../contract/index.ts';

export interface ServiceState {
  readonly key: string;
  readonly service: string;
  readonly host: string;
  /** The machine at the last checkpoint (see `retainMs`); `signals` fold on top of it. Never changed. */
  baseline: Machine;
  /** Signals since the checkpoint, in (at, sub-ms, id) order, unique by id. */
  signals: Signal[];
  seen: Set<string>;
  /** The fold of `signals` over `baseline`; stepped in place by signals that come in order. */
  machine: Machine;
  /** What has been told (incidents, entry → incident). */
  emitted: Emitted;
  /**
   * While `emitted` is exactly the machine's own view: how many entries of each incident draft (and
   * of `detached`) have been told, so the next in-order signal tells only what it added. null when
   * it is not (after a re-fold, or a view advanced past the machine's clock): the next view diffs in full.
   */
  told: { drafts: Map<string, number>; detached: number } | null;
  /** The `now` the last view was taken at. */
  viewedAtMs: number | null;
  /** The deadline this service has in the engine's heap, if any. */
  scheduledAt: number | null;
  /** When the engine looks next at whether this service can be forgotten. */
  trimAt: number;
}

export function fold(baseline: Machine, signals: readonly Signal[], o: EngineOptions): Machine {
  const m = cloneMachine(baseline);
  for (const s of signals) step(m, s, o);
  return m;
}

export function advanced(machine: Machine, nowMs: number | null, o: EngineOptions): Machine {
  const m = cloneMachine(machine);
  if (nowMs !== null) advance(m, nowMs, o);
  return m;
}

/** True when `now` has passed a deadline the machine has not: its view at `now` is not its own. */
export function behind(machine: Machine, nowMs: number | null, o: EngineOptions): boolean {
  if (nowMs === null || (machine.clockMs !== null && nowMs <= machine.clockMs)) return false;
  return deadlines(machine, o).some((d) => d < nowMs);
}

export function viewAt(machine: Machine, nowMs: number | null, o: EngineOptions): View {
  return behind(machine, nowMs, o) ? viewOf(advanced(machine, nowMs, o)) : viewOf(machine);
}

export function newService(key: string, service: string, host: string, baseline: Machine, trimAt: number): ServiceState {
  return {
    key, service, host, baseline, signals: [], seen: new Set(), machine: cloneMachine(baseline),
    emitted: { incidents: {}, entries: {} }, told: null, viewedAtMs: null, scheduledAt: null, trimAt,
  };
}

/** Merges two (at, id)-sorted lists. */
function merge(a: readonly Signal[], b: readonly Signal[]): Signal[] {
  const out: Signal[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) out.push(compareSignals(a[i] as Signal, b[j] as Signal) <= 0 ? (a[i++] as Signal) : (b[j++] as Signal));
  while (i < a.length) out.push(a[i++] as Signal);
  while (j < b.length) out.push(b[j++] as Signal);
  return out;
}

/**
 * Takes in new signals of this service (unseen, any order) and returns what to tell. Signals newer
 * than every known one step the machine in place; an older one makes the service fold again.
 */
export function addSignals(s: ServiceState, fresh: Signal[], nowMs: number | null, o: EngineOptions): Decision[] {
  fresh.sort(compareSignals);
  for (const signal of fresh) s.seen.add(signal.id);
  const last = s.signals.at(-1);
  const first = fresh[0];
  if (first === undefined) return [];
  if (last === undefined || compareSignals(first, last) > 0) {
    for (const signal of fresh) {
      s.signals.push(signal);
      step(s.machine, signal, o);
    }
  } else {
    s.signals = merge(s.signals, fresh);
    s.machine = fold(s.baseline, s.signals, o);
    s.told = null;
  }
  return look(s, nowMs, o);
}

/** What changed in the service's view at `now` since it was last told. */
export function look(s: ServiceState, nowMs: number | null, o: EngineOptions): Decision[] {
  s.viewedAtMs = nowMs;
  const ahead = behind(s.machine, nowMs, o);
  if (!ahead && s.told !== null) return tellAdded(s, s.told);
  const result = diff(s.emitted, ahead ? viewOf(advanced(s.machine, nowMs, o)) : viewOf(s.machine));
  s.emitted = result.emitted;
  s.told = ahead ? null : countTold(s.machine);
  return result.decisions;
}

export function countTold(m: Machine): { drafts: Map<string, number>; detached: number } {
  const drafts = new Map<string, number>();
  for (const d of m.closed) drafts.set(d.id, d.entries.length);
  if (m.active !== null) drafts.set(m.active.id, m.active.entries.length);
  return { drafts, detached: m.detached.length };
}

/**
 * The in-order case: entries only ever get added to drafts, so what is new is what lies past the
 * counts told before; incidents are compared draft by draft (a handful per service).
 */
function tellAdded(s: ServiceState, told: { drafts: Map<string, number>; detached: number }): Decision[] {
  const m = s.machine;
  const drafts = m.active === null ? m.closed : [...m.closed, m.active];
  const decisions: Decision[] = [];
  const added: TimelineEntry[] = [];
  for (const d of drafts) {
    const incident = toIncident(d);
    if (!sameIncident(s.emitted.incidents[d.id], incident)) decisions.push({ type: 'incident:upsert', incident });
    s.emitted.incidents[d.id] = incident;
    for (let i = told.drafts.get(d.id) ?? 0; i < d.entries.length; i += 1) added.push(d.entries[i] as TimelineEntry);
    told.drafts.set(d.id, d.entries.length);
  }
  for (let i = told.detached; i < m.detached.length; i += 1) added.push(m.detached[i] as TimelineEntry);
  told.detached = m.detached.length;
  added.sort(compareEntries);
  for (const entry of added) {
    if (s.emitted.entries[entry.id] !== undefined) continue;
    decisions.push({ type: 'timeline:append', entry });
    s.emitted.entries[entry.id] = entry.incidentId;
  }
  return decisions;
}

/** The earliest deadline of the service not yet looked past. */
export function nextDeadline(s: ServiceState, o: EngineOptions): number | null {
  let next = Number.POSITIVE_INFINITY;
  for (const d of deadlines(s.machine, o)) {
    if ((s.viewedAtMs === null || d >= s.viewedAtMs) && d < next) next = d;
  }
  return Number.isFinite(next) ? next : null;
}

/** Time passed to `now`: tells what it changed when one of the service's deadlines lies behind. */
export function lookAgain(s: ServiceState, nowMs: number, o: EngineOptions): Decision[] {
  const since = s.viewedAtMs;
  const due = deadlines(s.machine, o).some((d) => d < nowMs && (since === null || d >= since));
  if (!due) {
    s.viewedAtMs = nowMs;
    return [];
  }
  return look(s, nowMs, o);
}

export type Checkpoint = { outcome: 'kept'; retryAt: number } | { outcome: 'trimmed' } | { outcome: 'forgotten' };

/**
 * A service with no active incident and nothing new for `retainMs` forgets its signals and resolved
 * incidents (they are stored); what it knows about its containers stays as the new baseline.
 */
export function checkpoint(s: ServiceState, nowMs: number, o: EngineOptions): Checkpoint {
  const clock = s.machine.clockMs ?? Number.NEGATIVE_INFINITY;
  if (clock + o.retainMs > nowMs) return { outcome: 'kept', retryAt: clock + o.retainMs };
  const m = advanced(s.machine, nowMs, o);
  if (m.active !== null || m.pending.length > 0) return { outcome: 'kept', retryAt: nowMs + o.retainMs };
  // The stored machine's clock is its last signal; the advanced one's is `now`.
  const lastActivity = Math.max(clock, ...m.closed.map((d) => d.resolvedAtMs ?? 0));
  if (lastActivity + o.retainMs > nowMs) return { outcome: 'kept', retryAt: lastActivity + o.retainMs };
  const baseline: Machine = {
    ...m, closed: [], detached: [], requests: [],
    deaths: m.deaths.filter((d) => d >= nowMs - o.crashLoopWindowMs),
  };
  if (!changeStillMatters(baseline, nowMs, o)) delete baseline.lastChange;
  if (Object.keys(baseline.containers).length === 0 && baseline.promDown.length === 0 && baseline.deaths.length === 0 && baseline.lastChange === undefined) {
    return { outcome: 'forgotten' };
  }
  s.baseline = baseline;
  s.signals = [];
  s.seen = new Set();
  s.machine = cloneMachine(baseline);
  s.emitted = { incidents: {}, entries: {} };
  s.told = countTold(s.machine);
  s.viewedAtMs = nowMs;
  return { outcome: 'trimmed' };
}
