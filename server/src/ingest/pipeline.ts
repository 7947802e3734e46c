// The one path every signal takes: the engine derives what the new signals change, and the signals,
// those decisions and the sources' cursors are stored in one atomic commit, then broadcast. Calls
// that arrive while a commit is under way wait and are stored together in the next one (group
// commit), so a burst of small calls costs a few commits, not one per call.
import type { Incident, IncidentWithTimeline, TimelineEntry } from '../contract/index.ts';
import { coalesce, Engine, engineOptions, KIND } from '../domain/index.ts';
import type { Decision, EngineOptions } from '../domain/index.ts';
import type { Signal } from '../domain/signal.ts';
import type { Logger } from '../logger.ts';
import type { CommitResult, CursorUpdate, Store } from '../store/types.ts';

/** Changes read back on restore from before the signals' window: far more than a change window holds. */
const RESTORE_CHANGES_MAX = 10_000;

export interface Broadcaster {
  incidentUpsert(incident: Incident): void;
  incidentRemove(incidentId: string, replacedBy?: string): void;
  timelineAppend(entry: TimelineEntry): void;
  timelineRemove(entryId: string, incidentId: string): void;
}

export interface IngestOptions {
  /** A source position stored in the same commit as the signals (the Docker events cursor, the poller's state). */
  cursor?: CursorUpdate;
}

/** What sources and actions hand their signals to. Resolves, with the signals that were new, once they are durably stored. */
export interface SignalSink {
  ingest(signals: Signal[], options?: IngestOptions): Promise<Signal[]>;
  /**
   * Several replicas: resolves once signals handed in on a follower are applied by the leader
   * (bounded; false when it gave up waiting). Absent where ingest resolves after applying.
   */
  settled?(signals: readonly Signal[]): Promise<boolean>;
}

/** Called with each newly stored signal once the engine has taken it in (e.g. the supervisor). */
export type SignalListener = (signal: Signal) => void;

interface Call {
  signals: Signal[];
  cursor: CursorUpdate | undefined;
  resolve(fresh: Signal[]): void;
  reject(err: unknown): void;
}

/** The engine threw (a defect): the signals of the call are not stored, and the call fails alone. */
class EngineFailure extends Error {
  override name = 'EngineFailure';
  constructor(cause: unknown) {
    super(`the incident engine failed: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
  }
}

const PAGE = 500;
/** A group commit takes calls up to this many signals (one call is never split). */
const MAX_BATCH_SIGNALS = 5_000;
/** Signals waiting for a commit past which the sources that can wait are asked to (see `overloaded`). */
const DEFAULT_MAX_BACKLOG = 20_000;
/** Even with no deadline, the engine looks at time this often (it forgets quiet services then). */
const MAX_TICK_DELAY_MS = 30_000;

export class IngestPipeline implements SignalSink {
  private readonly store: Store;
  private readonly broadcast: Broadcaster;
  private readonly log: Logger;
  private readonly options: EngineOptions;
  private readonly now: () => Date;
  private engine: Engine;
  private queue: Promise<unknown> = Promise.resolve();
  private pending: Call[] = [];
  private pendingSignals = 0;
  private flushQueued = false;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  /** Set when decisions could not be stored: the next commit first re-derives the engine from the store. */
  private needsRestore = true;
  private readonly listeners: SignalListener[] = [];
  private readonly decisionListeners: Array<(decisions: readonly Decision[]) => void> = [];
  private readonly maxBacklog: number;
  /** Several replicas: every commit is refused once this replica no longer leads (cluster/lease.ts). */
  private readonly fence: { fence?: () => Promise<void> };

  constructor(deps: {
    store: Store; broadcast: Broadcaster; logger: Logger; options?: Partial<EngineOptions>; now?: () => Date; maxBacklog?: number;
    fence?: (() => Promise<void>) | undefined;
  }) {
    this.store = deps.store;
    this.broadcast = deps.broadcast;
    this.log = deps.logger.child({ module: 'ingest' });
    this.options = engineOptions(deps.options);
    this.now = deps.now ?? (() => new Date());
    this.engine = new Engine(this.options);
    this.maxBacklog = deps.maxBacklog ?? DEFAULT_MAX_BACKLOG;
    this.fence = deps.fence ? { fence: deps.fence } : {};
  }

  /** Signals handed in and not yet stored. */
  get backlog(): number {
    return this.pendingSignals;
  }

  /** True when the backlog is past its bound: a source that can retry later (Alertmanager) or stop reading (Docker) should. */
  get overloaded(): boolean {
    return this.pendingSignals >= this.maxBacklog;
  }

  /** Per container (`host/id`), the newest signal of this kind the engine holds (see Engine.newestPerContainer). */
  newestPerContainer(kind: string): Map<string, Signal> {
    return this.engine.newestPerContainer(kind);
  }

  /** Services the engine holds in memory. */
  get servicesInMemory(): number {
    return this.engine.serviceCount;
  }

  /** Runs `work` after everything queued before it; a failure does not block what follows. */
  private serial<T>(work: () => Promise<T>): Promise<T> {
    const run = this.queue.then(work, work);
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Rebuilds the engine from the store after a restart: active incidents and recent signals. */
  start(): Promise<void> {
    return this.serial(() => this.restoreIfNeeded());
  }

  private async restore(): Promise<void> {
    const active = await this.activeIncidents();
    const nowMs = this.now().getTime();
    const earliestOpen = Math.min(nowMs, ...active.map((i) => Date.parse(i.openedAt)));
    const sinceMs = Math.min(earliestOpen - this.options.crashLoopWindowMs, nowMs - this.options.retainMs);
    const since = new Date(sinceMs).toISOString();
    // Signals a crash left stored but not applied reach their timelines however old they are.
    const unapplied = await this.store.signals.unapplied();
    // And the changes a failure from then on may name as suspected (a change alone makes no incident).
    const changesFrom = Math.min(earliestOpen, nowMs) - this.options.changeWindowMs;
    // A nicety: a store that cannot answer it now does not hold the restore up (a failure then names no older change).
    const changes = changesFrom < sinceMs
      ? await this.store.signals.listKind({ kind: KIND.change, from: new Date(changesFrom).toISOString(), to: since, limit: RESTORE_CHANGES_MAX })
        .catch((err: unknown) => {
          this.log.warn({ err }, 'could not read back the changes before the restored window; failures now name no older change');
          return [];
        })
      : [];
    const signals = [...changes.reverse(), ...await this.signalsSince(since)];
    const result = Engine.restore(active, signals, this.options, this.now().toISOString(), unapplied);
    if (result.unmatched.length > 0) {
      this.log.warn({ incidents: result.unmatched }, 'active incidents whose signals are gone; left as stored');
    }
    // Always a commit, empty or not: it also marks the unapplied signals applied.
    const { decisions } = await this.store.commit({ signals: [], decide: () => coalesce(result.decisions), ...this.fence });
    this.engine = result.engine;
    this.needsRestore = false;
    this.emit(decisions);
    this.scheduleTick();
    this.log.info({ active: active.length, signals: signals.length, unapplied: unapplied.length }, 'engine restored');
  }

  private async restoreIfNeeded(): Promise<void> {
    if (this.needsRestore) await this.restore();
  }

  ingest(signals: Signal[], options: IngestOptions = {}): Promise<Signal[]> {
    if (signals.length === 0 && options.cursor === undefined) return Promise.resolve([]);
    return new Promise((resolve, reject) => {
      this.pending.push({ signals, cursor: options.cursor, resolve, reject });
      this.pendingSignals += signals.length;
      this.queueFlush();
    });
  }

  private queueFlush(): void {
    if (this.flushQueued || this.pending.length === 0) return;
    this.flushQueued = true;
    void this.serial(() => this.flush());
  }

  /** Commits every call waiting now (up to a batch); what arrives meanwhile waits for the next flush. */
  private async flush(): Promise<void> {
    this.flushQueued = false;
    let taken = 0;
    let size = 0;
    while (taken < this.pending.length && (taken === 0 || size + (this.pending[taken]?.signals.length ?? 0) <= MAX_BATCH_SIGNALS)) {
      size += this.pending[taken]?.signals.length ?? 0;
      taken += 1;
    }
    const group = this.pending.splice(0, taken);
    this.queueFlush();
    try {
      const fresh = await this.commitCalls(group);
      group.forEach((call, i) => call.resolve(fresh[i] ?? []));
    } catch (err) {
      if (!(err instanceof EngineFailure) || group.length === 1) {
        for (const call of group) call.reject(err);
      } else {
        // A signal the engine cannot take must not fail the calls grouped with it: each on its own.
        for (const call of group) {
          try {
            call.resolve((await this.commitCalls([call]))[0] ?? []);
          } catch (callErr) {
            call.reject(callErr);
          }
        }
      }
    } finally {
      this.pendingSignals -= size;
    }
  }

  /** One atomic commit for these calls; for each call, the signals of it that were new. */
  private async commitCalls(calls: readonly Call[]): Promise<Signal[][]> {
    await this.restoreIfNeeded();
    const receivedAt = this.now().toISOString();
    const candidates: Signal[] = [];
    const ids = new Set<string>();
    const cursors = new Map<string, CursorUpdate>();
    for (const call of calls) {
      for (const s of call.signals) {
        if (ids.has(s.id)) continue;
        ids.add(s.id);
        // A caller that already knows when the signal arrived (a replay, an import) keeps that time.
        candidates.push(s.receivedAt === undefined ? { ...s, receivedAt } : s);
      }
      if (call.cursor) cursors.set(JSON.stringify([call.cursor.source, call.cursor.host]), call.cursor);
    }
    let result: CommitResult;
    try {
      result = await this.store.commit({
        signals: candidates,
        cursors: [...cursors.values()],
        ...this.fence,
        decide: (fresh) => {
          try {
            return coalesce(this.engine.apply(fresh));
          } catch (err) {
            throw new EngineFailure(err);
          }
        },
      });
    } catch (err) {
      // The engine may have moved on while the store did not: re-derive the engine from the store first.
      this.needsRestore = true;
      throw err;
    }
    this.emit(result.decisions);
    this.scheduleTick();
    for (const signal of result.fresh) this.notify(signal);
    const freshIds = new Set(result.fresh.map((s) => s.id));
    const byId = new Map(result.fresh.map((s) => [s.id, s]));
    // Each call gets the new signals it carried (the first call carrying an id gets it).
    const given = new Set<string>();
    return calls.map((call) => call.signals.flatMap((s) => {
      if (!freshIds.has(s.id) || given.has(s.id)) return [];
      given.add(s.id);
      return [byId.get(s.id) as Signal];
    }));
  }

  onSignal(listener: SignalListener): void {
    this.listeners.push(listener);
  }

  /** Every commit's decisions, once stored (paging plans from the incidents they change). */
  onDecisions(listener: (decisions: readonly Decision[]) => void): void {
    this.decisionListeners.push(listener);
  }

  private notify(signal: Signal): void {
    for (const listener of this.listeners) {
      try {
        listener(signal);
      } catch (err) {
        this.log.error({ err, signal: signal.id }, 'signal listener failed');
      }
    }
  }

  /** Lets the engine see time pass now (quiet periods, bursts); also runs on its own timer. */
  tickNow(): Promise<void> {
    return this.serial(async () => {
      await this.restoreIfNeeded();
      try {
        const decisions = coalesce(this.engine.tick(this.now().toISOString()));
        if (decisions.length > 0) await this.store.commit({ signals: [], decide: () => decisions, ...this.fence });
        this.emit(decisions);
      } catch (err) {
        this.needsRestore = true;
        throw err;
      } finally {
        this.scheduleTick();
      }
    });
  }

  stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    return this.serial(async () => undefined);
  }

  private emit(decisions: readonly Decision[]): void {
    for (const listener of this.decisionListeners) {
      try {
        listener(decisions);
      } catch (err) {
        this.log.error({ err }, 'decision listener failed');
      }
    }
    for (const d of decisions) {
      switch (d.type) {
        case 'incident:upsert': this.broadcast.incidentUpsert(d.incident); break;
        case 'timeline:append': this.broadcast.timelineAppend(d.entry); break;
        case 'timeline:remove': this.broadcast.timelineRemove(d.entryId, d.incidentId); break;
        case 'incident:remove': this.broadcast.incidentRemove(d.incidentId, d.replacedBy); break;
      }
    }
  }

  private scheduleTick(): void {
    if (this.stopped) return;
    clearTimeout(this.timer);
    const next = this.engine.nextTickAt();
    const due = next === null ? MAX_TICK_DELAY_MS : Date.parse(next) - this.now().getTime();
    const delay = Math.min(Math.max(due, 0), MAX_TICK_DELAY_MS);
    this.timer = setTimeout(() => {
      this.tickNow().catch((err: unknown) => this.log.error({ err }, 'engine tick failed; retrying with the next signal'));
    }, delay);
    this.timer.unref();
  }

  private async activeIncidents(): Promise<IncidentWithTimeline[]> {
    const out: IncidentWithTimeline[] = [];
    let cursor: string | undefined;
    do {
      const page = await this.store.incidents.list({ status: 'active', limit: PAGE, ...(cursor ? { cursor } : {}) });
      const entries = await this.store.timeline.forIncidents(page.items.map((i) => i.id));
      const byIncident = new Map<string, TimelineEntry[]>();
      for (const e of entries) {
        const list = byIncident.get(e.incidentId);
        if (list) list.push(e);
        else byIncident.set(e.incidentId, [e]);
      }
      for (const incident of page.items) out.push({ ...incident, timeline: byIncident.get(incident.id) ?? [] });
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    return out;
  }

  private async signalsSince(since: string): Promise<Signal[]> {
    const out: Signal[] = [];
    let after: { at: string; id: string } | null = { at: since, id: '' };
    while (after) {
      const page: Signal[] = await this.store.signals.listAfter(after, PAGE);
      out.push(...page);
      const last = page.at(-1);
      after = page.length === PAGE && last ? { at: last.at, id: last.id } : null;
    }
    return out;
  }
}
