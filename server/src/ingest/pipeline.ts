// The one path every signal takes: stored durably (idempotent by id) → the engine → its decisions
// persisted → broadcast. Calls are serialized so the engine state and the store never disagree.
import type { Incident, IncidentWithTimeline, TimelineEntry } from '../contract/index.ts';
import { applySignal, EMPTY_STATE, engineOptions, nextTickAt, restoreState, tick } from '../domain/index.ts';
import type { Decision, EngineOptions, EngineResult, EngineState } from '../domain/index.ts';
import type { Signal } from '../domain/signal.ts';
import type { Logger } from '../logger.ts';
import type { Store } from '../store/types.ts';

export interface Broadcaster {
  incidentUpsert(incident: Incident): void;
  incidentRemove(incidentId: string): void;
  timelineAppend(entry: TimelineEntry): void;
  timelineRemove(entryId: string, incidentId: string): void;
}

/** What sources and actions hand their signals to. Resolves once the signals are durably stored. */
export interface SignalSink {
  ingest(signals: Signal[]): Promise<Signal[]>;
}

/** Called with each newly stored signal once the engine has taken it in (e.g. the supervisor). */
export type SignalListener = (signal: Signal) => void;

const PAGE = 500;
const MAX_TICK_DELAY_MS = 30_000;

export class IngestPipeline implements SignalSink {
  private readonly store: Store;
  private readonly broadcast: Broadcaster;
  private readonly log: Logger;
  private readonly options: EngineOptions;
  private readonly now: () => Date;
  private state: EngineState = EMPTY_STATE;
  private queue: Promise<unknown> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  /** Set when decisions could not be stored: the next call first re-derives from the store. */
  private needsRestore = true;
  private readonly listeners: SignalListener[] = [];

  constructor(deps: { store: Store; broadcast: Broadcaster; logger: Logger; options?: Partial<EngineOptions>; now?: () => Date }) {
    this.store = deps.store;
    this.broadcast = deps.broadcast;
    this.log = deps.logger.child({ module: 'ingest' });
    this.options = engineOptions(deps.options);
    this.now = deps.now ?? (() => new Date());
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
    const since = new Date(Math.min(earliestOpen - this.options.crashLoopWindowMs, nowMs - this.options.retainMs)).toISOString();
    const signals = await this.signalsSince(since);
    const result = restoreState(active, signals, this.options, this.now().toISOString());
    if (result.unmatched.length > 0) {
      this.log.warn({ incidents: result.unmatched }, 'active incidents whose signals are gone; left as stored');
    }
    await this.commit(result);
    this.needsRestore = false;
    this.log.info({ active: active.length, signals: signals.length }, 'engine restored');
  }

  private async restoreIfNeeded(): Promise<void> {
    if (this.needsRestore) await this.restore();
  }

  ingest(signals: Signal[]): Promise<Signal[]> {
    if (signals.length === 0) return Promise.resolve([]);
    return this.serial(async () => {
      await this.restoreIfNeeded();
      let fresh: Signal[];
      try {
        fresh = await this.store.signals.insertMany(signals);
      } catch (err) {
        // Part of the batch may be stored (MongoDB's unordered insert is not atomic; a lost reply can
        // hide a write that happened): the retry will see those as duplicates and not feed them to
        // the engine, so the engine re-derives from the store first, stored signals included.
        this.needsRestore = true;
        throw err;
      }
      for (const signal of fresh) {
        await this.commit(applySignal(this.state, signal, this.options));
      }
      for (const signal of fresh) this.notify(signal);
      return fresh;
    });
  }

  onSignal(listener: SignalListener): void {
    this.listeners.push(listener);
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
      await this.commit(tick(this.state, this.now().toISOString(), this.options));
    });
  }

  stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    return this.serial(async () => undefined);
  }

  private async commit(result: EngineResult): Promise<void> {
    try {
      await this.persist(result.decisions);
    } catch (err) {
      // The signals are stored; the engine's view of them is re-derived from the store next time.
      this.needsRestore = true;
      throw err;
    }
    // The state moves on only once its decisions are stored: a failed write is retried by the next signal's diff.
    this.state = result.state;
    for (const d of result.decisions) this.emit(d);
    this.scheduleTick();
  }

  private async persist(decisions: Decision[]): Promise<void> {
    for (const d of decisions) {
      switch (d.type) {
        case 'incident:upsert': await this.store.incidents.upsert(d.incident); break;
        case 'timeline:append': await this.store.timeline.append(d.entry); break;
        case 'timeline:remove': await this.store.timeline.remove(d.entryId); break;
        case 'incident:remove': await this.store.incidents.remove(d.incidentId); break;
      }
    }
  }

  private emit(d: Decision): void {
    switch (d.type) {
      case 'incident:upsert': this.broadcast.incidentUpsert(d.incident); break;
      case 'timeline:append': this.broadcast.timelineAppend(d.entry); break;
      case 'timeline:remove': this.broadcast.timelineRemove(d.entryId, d.incidentId); break;
      case 'incident:remove': this.broadcast.incidentRemove(d.incidentId); break;
    }
  }

  private scheduleTick(): void {
    if (this.stopped) return;
    clearTimeout(this.timer);
    const next = nextTickAt(this.state, this.options);
    if (next === null) return;
    const delay = Math.min(Math.max(Date.parse(next) - this.now().getTime(), 0), MAX_TICK_DELAY_MS);
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
      for (const incident of page.items) out.push({ ...incident, timeline: await this.store.timeline.forIncident(incident.id) });
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
