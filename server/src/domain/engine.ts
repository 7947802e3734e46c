// The incident engine. The outcome is a function of the SET of signals (and `now`): each service's
// machine is the fold of its signals in event-time order; a signal that arrives out of that order
// makes that service fold again. `project` is the same fold done in one go.
//
// Deterministic and free of I/O: signals in, decisions out. Its state is mutable and kept per
// service, with the deadlines in a heap, so the cost of a signal does not grow with the number of
// services open. A caller that cannot store the decisions it was given must throw the engine away
// and `restore` a new one from the store.
import type { Incident, IncidentWithTimeline, TimelineEntry } from '../contract/index.ts';
import { correlationKey } from './correlate.ts';
import { DeadlineHeap } from './deadline-heap.ts';
import { diff } from './decisions.ts';
import type { Decision, Emitted } from './decisions.ts';
import { compareSignals, newMachine } from './machine.ts';
import { engineOptions } from './options.ts';
import type { EngineOptions } from './options.ts';
import { addSignals, behind, checkpoint, countTold, fold, lookAgain, newService, nextDeadline, viewAt } from './service.ts';
import type { ServiceState } from './service.ts';
import type { Signal } from './signal.ts';
import { toIso, toMs } from './time.ts';

/** Heap entries past this many per service are mostly stale: rebuild. */
const HEAP_SLACK = 4;

export class Engine {
  readonly options: EngineOptions;
  private nowMs: number | null = null;
  private readonly services = new Map<string, ServiceState>();
  private readonly deadlines = new DeadlineHeap();
  private readonly trims = new DeadlineHeap();

  constructor(options?: Partial<EngineOptions>) {
    this.options = engineOptions(options);
  }

  /** How many services the engine holds in memory. */
  get serviceCount(): number {
    return this.services.size;
  }

  /** A read-only look at one service (tests, diagnostics). */
  inspect(service: string, host: string): Readonly<ServiceState> | undefined {
    return this.services.get(`${host}\u0000${service}`);
  }

  /**
   * Per container (`host/id`), the newest signal of this kind held in memory, in one pass (a new
   * leader's supervisor reads each container's last death).
   */
  newestPerContainer(kind: string): Map<string, Signal> {
    const found = new Map<string, Signal>();
    for (const s of this.services.values()) {
      for (const signal of s.signals) {
        if (signal.kind !== kind || signal.container === undefined) continue;
        const key = `${signal.host}/${signal.container}`;
        const before = found.get(key);
        if (before === undefined || signal.at > before.at) found.set(key, signal);
      }
    }
    return found;
  }

  /**
   * Feeds signals (as stored, with `receivedAt`) to the engine; duplicates by id change nothing.
   * The decisions of a batch are what applying its signals one by one would have said, in order.
   */
  apply(signals: readonly Signal[]): Decision[] {
    const groups = new Map<string, { service: string; host: string; fresh: Signal[]; ids: Set<string> }>();
    for (const signal of signals) {
      const key = correlationKey(signal, this.options);
      if (key === null) continue;
      if (this.services.get(key.key)?.seen.has(signal.id)) continue;
      let group = groups.get(key.key);
      if (group === undefined) {
        group = { service: key.service, host: key.host, fresh: [], ids: new Set() };
        groups.set(key.key, group);
      }
      if (group.ids.has(signal.id)) continue;
      group.ids.add(signal.id);
      group.fresh.push(signal);
    }
    const decisions: Decision[] = [];
    for (const [key, group] of groups) {
      let s = this.services.get(key);
      if (s === undefined) {
        s = newService(key, group.service, group.host, newMachine(group.service, group.host), toMs(group.fresh[0]?.at ?? toIso(0)) + this.options.retainMs);
        this.services.set(key, s);
        this.trims.push(s.trimAt, key);
      }
      for (const d of addSignals(s, group.fresh, this.nowMs, this.options)) decisions.push(d);
      this.schedule(s);
    }
    return decisions;
  }

  /** Lets time pass: bursts complete, quiet periods end (incidents resolve), quiet services are forgotten. */
  tick(now: string): Decision[] {
    const nowMs = Math.max(this.nowMs ?? Number.NEGATIVE_INFINITY, toMs(now));
    this.nowMs = nowMs;
    const decisions: Decision[] = [];
    for (let top = this.deadlines.peek(); top !== undefined && top.at < nowMs; top = this.deadlines.peek()) {
      this.deadlines.pop();
      const s = this.services.get(top.key);
      if (s === undefined || s.scheduledAt !== top.at) continue;
      s.scheduledAt = null;
      for (const d of lookAgain(s, nowMs, this.options)) decisions.push(d);
      this.schedule(s);
    }
    for (let top = this.trims.peek(); top !== undefined && top.at <= nowMs; top = this.trims.peek()) {
      this.trims.pop();
      const s = this.services.get(top.key);
      if (s === undefined || s.trimAt !== top.at) continue;
      const result = checkpoint(s, nowMs, this.options);
      if (result.outcome === 'forgotten') {
        this.services.delete(top.key);
        continue;
      }
      s.trimAt = result.outcome === 'kept' ? Math.max(result.retryAt, nowMs + 1) : nowMs + this.options.retainMs;
      this.trims.push(s.trimAt, s.key);
      if (result.outcome === 'trimmed') this.schedule(s);
    }
    return decisions;
  }

  /** The earliest time at which `tick` would change something (ISO), or null: when to tick next. */
  nextTickAt(): string | null {
    for (let top = this.deadlines.peek(); top !== undefined; top = this.deadlines.peek()) {
      if (this.services.get(top.key)?.scheduledAt === top.at) return toIso(top.at + 1);
      this.deadlines.pop();
    }
    return null;
  }

  private schedule(s: ServiceState): void {
    const next = nextDeadline(s, this.options);
    if (next === s.scheduledAt) return;
    // The entry pushed before (if any) goes stale: popping it finds it no longer matches.
    s.scheduledAt = next;
    if (next === null) return;
    this.deadlines.push(next, s.key);
    if (this.deadlines.size > HEAP_SLACK * this.services.size + 1_024) {
      const live: Array<{ at: number; key: string }> = [];
      for (const x of this.services.values()) if (x.scheduledAt !== null) live.push({ at: x.scheduledAt, key: x.key });
      this.deadlines.rebuild(live);
    }
  }

  /**
   * After a restart: an engine rebuilt from the stored active incidents (with their timelines) and the
   * stored signals since the earliest of them opened (minus the crash-loop window). Decisions carry
   * what differs from the given incidents (usually nothing); incidents the signals re-derive but that
   * were not given (resolved ones) come out as idempotent upserts/appends. Nothing is removed here,
   * except for the services of `unapplied` signals (stored by a commit whose decisions were not):
   * there the store is behind its signals, and what they no longer make goes.
   */
  static restore(
    active: readonly IncidentWithTimeline[],
    signals: readonly Signal[],
    options?: Partial<EngineOptions>,
    now?: string,
    unapplied: readonly Signal[] = [],
  ): RestoreResult {
    const engine = new Engine(options);
    const o = engine.options;
    const nowMs = now === undefined ? null : toMs(now);
    engine.nowMs = nowMs;
    const decisions: Decision[] = [];
    const derived = new Set<string>();
    const behindTheirSignals = new Set<string>();
    for (const signal of unapplied) {
      const key = correlationKey(signal, o);
      if (key !== null) behindTheirSignals.add(key.key);
    }
    const byKey = new Map<string, IncidentWithTimeline[]>();
    for (const incident of active) {
      const key = `${incident.host}\u0000${incident.service}`;
      byKey.set(key, [...(byKey.get(key) ?? []), incident]);
    }
    for (const [key, group] of groupByService([...signals, ...unapplied], o)) {
      const baseline = newMachine(group.service, group.host);
      const s = newService(key, group.service, group.host, baseline, 0);
      s.signals = group.signals;
      s.seen = new Set(group.signals.map((x) => x.id));
      s.machine = fold(baseline, group.signals, o);
      const stored: Emitted = { incidents: {}, entries: {} };
      for (const { timeline, ...incident } of byKey.get(key) ?? []) {
        stored.incidents[incident.id] = incident;
        for (const entry of timeline) stored.entries[entry.id] = incident.id;
      }
      const ahead = behind(s.machine, nowMs, o);
      const removals = behindTheirSignals.has(key);
      const result = diff(stored, viewAt(s.machine, nowMs, o), removals);
      for (const d of result.decisions) decisions.push(d);
      for (const id of Object.keys(result.emitted.incidents)) derived.add(id);
      if (removals) for (const id of Object.keys(stored.incidents)) derived.add(id);
      s.emitted = result.emitted;
      s.told = ahead ? null : countTold(s.machine);
      s.viewedAtMs = nowMs;
      s.trimAt = (s.machine.clockMs ?? 0) + o.retainMs;
      engine.services.set(key, s);
      engine.trims.push(s.trimAt, key);
      engine.schedule(s);
    }
    const unmatched = active.map((i) => i.id).filter((id) => !derived.has(id));
    return { engine, decisions, unmatched };
  }
}

export interface RestoreResult {
  engine: Engine;
  decisions: Decision[];
  /** Active incidents the given signals did not re-derive: left as stored, the engine no longer tracks them. */
  unmatched: string[];
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
