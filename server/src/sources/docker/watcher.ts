// One Docker endpoint's events → signals, durably: replay from the stored cursor on every
// (re)connect, then stay live; signals are stored in stream order and the cursor moves only after
// them, so a restart of Vigil or of the daemon loses nothing and (ids being stable) duplicates nothing.
import type Docker from 'dockerode';
import { KIND } from '../../domain/index.ts';
import type { Signal } from '../../domain/index.ts';
import type { SignalSink } from '../../ingest/pipeline.ts';
import type { Logger } from '../../logger.ts';
import type { StatusBoard } from '../../status.ts';
import type { Store } from '../../store/types.ts';
import { containerEvents, daemonInfo, describeError, ping } from './api.ts';
import type { ContainerFacts } from './containers.ts';
import { dockerEventToSignal } from './normalize.ts';
import { missedDeaths } from './reconcile.ts';
import { cursorOfEvent, cursorToNanos, nanosToCursor, readEvents, rfc3339ToNanos } from './stream.ts';

const SOURCE = 'docker';
const BATCH = 500;
const SEEN_KEEP = 4_000;
const PING_EVERY_MS = 15_000;
const CALL_TIMEOUT_MS = 5_000;
/** Queued events past which the watcher stops reading the daemon's stream (TCP holds the rest), and where it reads again. */
const QUEUE_HIGH = 5_000;
const QUEUE_LOW = 1_000;

export interface WatcherHooks {
  /** Each new signal, in stream order, before it is stored: the signal to store in its place, if the hook adds to it. */
  received(watcher: DockerWatcher, signal: Signal): Signal | undefined;
  /** After each (re)connect, before the gap is replayed: (re)load the inventory; the containers found. */
  connected(watcher: DockerWatcher): Promise<ContainerFacts[]>;
  /** After each (re)connect, once the gap is replayed and the live stream is open. */
  watching?(watcher: DockerWatcher): void;
}

interface Item {
  signal?: Signal;
  cursor?: string;
}

export interface WatcherDeps {
  endpoint: string;
  docker: Docker;
  store: Store;
  sink: SignalSink;
  status: StatusBoard;
  logger: Logger;
  hooks: WatcherHooks;
  /** Resolves once the store is initialized. */
  ready: () => Promise<void>;
  /** Queued events past which the stream is paused, and at or below which it is read again. */
  queueBounds?: { high: number; low: number };
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

export class DockerWatcher {
  readonly endpoint: string;
  readonly docker: Docker;
  /**
   * The host name on signals, incidents and containers: the endpoint as configured, the key every
   * other part of Vigil (alert correlation, findings) knows the host by. The daemon's own Name is
   * shown in the source status.
   */
  readonly host: string;
  connected = false;
  private readonly deps: WatcherDeps;
  private readonly log: Logger;
  private readonly closing = new AbortController();
  private readonly queue: Item[] = [];
  private readonly seen = new Set<string>();
  /** Cursor of the last event queued: where a reconnect in this process resumes. */
  private queuedCursor: string | undefined;
  private pumping: Promise<void> | undefined;
  private pumpRunning = false;
  private running: Promise<void> | undefined;
  /** The open /events streams: paused while the queue is past its high bound. */
  private readonly streams = new Set<NodeJS.ReadableStream>();
  private paused = false;
  private readonly bounds: { high: number; low: number };

  constructor(deps: WatcherDeps) {
    this.deps = deps;
    this.bounds = deps.queueBounds ?? { high: QUEUE_HIGH, low: QUEUE_LOW };
    this.endpoint = deps.endpoint;
    this.docker = deps.docker;
    this.host = deps.endpoint;
    this.log = deps.logger.child({ module: 'docker-watcher', endpoint: deps.endpoint });
    deps.status.set(SOURCE, deps.endpoint, 'connecting');
  }

  start(): void {
    this.running ??= this.loop();
  }

  /** Events read from the daemon and not yet stored. */
  get queued(): number {
    return this.queue.length;
  }

  /** True while the stream is paused because storing lags behind. */
  get streamPaused(): boolean {
    return this.paused;
  }

  /** Stops watching; what was received is stored first (bounded wait). */
  async close(): Promise<void> {
    this.closing.abort();
    await this.running;
    await Promise.race([this.pumping, new Promise((r) => setTimeout(r, 5_000).unref())]);
  }

  /** A signal made after the fact (evidence): stored in turn, moves no cursor. */
  enqueueSignal(signal: Signal): void {
    this.push({ signal });
  }

  private async loop(): Promise<void> {
    // The store may never come (MongoDB unreachable): closing must not wait for it.
    const closed = new Promise<void>((resolve) => this.closing.signal.addEventListener('abort', () => resolve(), { once: true }));
    await Promise.race([this.deps.ready().catch(() => undefined), closed]);
    let failures = 0;
    while (!this.closing.signal.aborted) {
      const began = Date.now();
      let reason: string;
      try {
        reason = await this.session();
      } catch (err) {
        reason = describeError(err);
      }
      this.connected = false;
      if (this.closing.signal.aborted) break;
      if (Date.now() - began > 30_000) failures = 0;
      const delay = Math.min(250 * 2 ** failures, 5_000);
      failures += 1;
      if (this.deps.status.set(SOURCE, this.endpoint, 'down', `${reason}; retrying in ${(delay / 1000).toFixed(1)} s`)) {
        this.log.warn({ host: this.host, reason }, 'docker endpoint down; reconnecting');
      }
      await sleep(delay, this.closing.signal);
    }
  }

  /** One connection: load the inventory, replay the gap, go live. Resolves when it drops. */
  private async session(): Promise<string> {
    const session = new AbortController();
    const abort = AbortSignal.any([this.closing.signal, session.signal]);
    const info = await daemonInfo(this.docker, AbortSignal.any([abort, AbortSignal.timeout(CALL_TIMEOUT_MS)]));
    const host = this.host;
    const until = (info.SystemTime === undefined ? undefined : rfc3339ToNanos(info.SystemTime)) ?? BigInt(Date.now()) * 1_000_000n;
    let cursor = this.queuedCursor ?? await this.deps.store.cursors.get(SOURCE, this.endpoint);
    if (cursor === null || cursorToNanos(cursor) === undefined) {
      // First start: from now on (the inventory says what is there already), remembered at once.
      cursor = nanosToCursor(until);
      await this.deps.store.cursors.set(SOURCE, this.endpoint, cursor);
      this.log.info({ host, cursor }, 'no cursor yet: watching from now');
    }
    const since = cursorToNanos(cursor) ?? until;
    // The inventory first: a death replayed from the gap finds its container (and the supervisor its labels).
    const containers = await this.deps.hooks.connected(this).catch((err: unknown) => {
      if (abort.aborted) throw err;
      this.log.warn({ host, err: describeError(err) }, 'inventory failed to load');
      return [];
    });
    const replayedDies = new Map<string, bigint[]>();
    if (since < until) {
      // The gap, as a finite replay, so we know when it is complete.
      const replay = await containerEvents(this.docker, { since: cursor, until: nanosToCursor(until), abortSignal: abort });
      let count = 0;
      await this.reading(replay, (event) => {
        count += 1;
        const signal = this.accept(host, event);
        const nano = event['timeNano'];
        if (signal?.kind === KIND.die && signal.container && typeof nano === 'string') {
          replayedDies.set(signal.container, [...(replayedDies.get(signal.container) ?? []), BigInt(nano)]);
        }
      });
      if (abort.aborted) return 'closing';
      this.log.info({ host, since: cursor, events: count }, 'replayed the gap');
    }
    const live = await containerEvents(this.docker, { since: nanosToCursor(until), abortSignal: abort });
    const ended = this.reading(live, (event) => this.accept(host, event));
    this.connected = true;
    this.deps.hooks.watching?.(this);
    this.deps.status.set(SOURCE, this.endpoint, 'up', `daemon ${info.Name ?? '?'}, Docker ${info.ServerVersion ?? '?'}`);
    this.log.info({ daemon: info.Name, since: cursor }, 'watching docker events');
    let refused = false;
    const pinger = setInterval(() => {
      ping(this.docker, AbortSignal.timeout(CALL_TIMEOUT_MS)).then(() => { refused = false; }, (err: unknown) => {
        // A daemon shutting down refuses new connections (its socket is gone) while the open event
        // stream still carries the deaths of its shutdown, which no replay gives back after it
        // restarts: that stream ends by itself, so it is cut only if it is still open a ping later.
        const code = (err as { code?: unknown } | null)?.code;
        if (!refused && (code === 'ENOENT' || code === 'ECONNREFUSED')) {
          refused = true;
          this.log.warn({ host, err: describeError(err) }, 'daemon refuses new connections; reading its event stream to the end');
          return;
        }
        this.log.warn({ host, err: describeError(err) }, 'daemon stopped answering; reconnecting');
        session.abort();
      });
    }, PING_EVERY_MS);
    pinger.unref();
    try {
      for (const signal of missedDeaths(host, containers, replayedDies, since, until)) {
        this.log.warn({ host, container: signal.container, at: signal.at }, 'a death the daemon could not replay, rebuilt from inspect');
        this.acceptSignal(signal);
      }
      return await ended;
    } finally {
      clearInterval(pinger);
      session.abort();
    }
  }

  /** readEvents, with the stream registered for back-pressure while it is open. */
  private async reading(stream: NodeJS.ReadableStream, onEvent: (event: Record<string, unknown>) => void): Promise<string> {
    this.streams.add(stream);
    if (this.paused) stream.pause();
    try {
      return await readEvents(stream, onEvent);
    } finally {
      this.streams.delete(stream);
    }
  }

  private accept(host: string, event: Record<string, unknown>): Signal | null {
    const cursor = cursorOfEvent(event);
    const signal = dockerEventToSignal(event, host);
    if (signal === null || !this.acceptSignal(signal, cursor)) this.push(cursor === undefined ? {} : { cursor });
    return signal;
  }

  /** False when the signal was already seen (a replay overlaps what came live). */
  private acceptSignal(signal: Signal, cursor?: string): boolean {
    if (this.seen.has(signal.id)) return false;
    this.seen.add(signal.id);
    if (this.seen.size > SEEN_KEEP) {
      for (const id of this.seen) {
        this.seen.delete(id);
        if (this.seen.size <= SEEN_KEEP / 2) break;
      }
    }
    let stored = signal;
    try {
      stored = this.deps.hooks.received(this, signal) ?? signal;
    } catch (err) {
      this.log.error({ err, signal: signal.id }, 'docker signal hook failed');
    }
    this.push({ signal: stored, ...(cursor === undefined ? {} : { cursor }) });
    return true;
  }

  private push(item: Item): void {
    let cursor = item.cursor;
    if (cursor !== undefined) {
      const at = cursorToNanos(cursor) ?? 0n;
      const before = this.queuedCursor === undefined ? -1n : cursorToNanos(this.queuedCursor) ?? -1n;
      // A replay overlaps what was already queued: such an event must not move the cursor back.
      if (at > before) this.queuedCursor = cursor;
      else cursor = undefined;
    }
    if (item.signal === undefined && cursor === undefined) return;
    const last = this.queue.at(-1);
    // Noise (health-probe exec events…) only moves the cursor: fold it into a noise item before it.
    if (item.signal === undefined && last !== undefined && last.signal === undefined) last.cursor = cursor;
    else this.queue.push({ ...(item.signal ? { signal: item.signal } : {}), ...(cursor === undefined ? {} : { cursor }) });
    if (!this.paused && this.queue.length >= this.bounds.high) {
      // Nothing is lost by not reading: the cursor replays whatever the daemon did not get to send.
      this.paused = true;
      for (const stream of this.streams) stream.pause();
      this.log.warn({ host: this.host, queued: this.queue.length }, 'storing docker signals lags behind; pausing the event stream');
    }
    if (!this.pumpRunning) {
      this.pumpRunning = true;
      this.pumping = this.pump();
    }
  }

  /** Stores what is queued, in order, in batches: whatever arrived while the last batch was stored. */
  private async pump(): Promise<void> {
    try {
      let failures = 0;
      while (this.queue.length > 0) {
        const batch = this.queue.slice(0, BATCH);
        const signals = batch.flatMap((i) => (i.signal ? [i.signal] : []));
        // The cursor moves in the same commit as the signals before it: a crash keeps both or neither.
        const cursor = batch.findLast((i) => i.cursor !== undefined)?.cursor;
        try {
          await this.deps.sink.ingest(signals, cursor === undefined ? {} : { cursor: { source: SOURCE, host: this.endpoint, value: cursor } });
          failures = 0;
        } catch (err) {
          if (this.closing.signal.aborted) return;
          failures += 1;
          this.log.error({ host: this.host, err: describeError(err), signals: signals.length }, 'storing docker signals failed; retrying');
          await sleep(Math.min(500 * 2 ** failures, 5_000), this.closing.signal);
          continue;
        }
        this.queue.splice(0, batch.length);
        if (this.paused && this.queue.length <= this.bounds.low) {
          this.paused = false;
          for (const stream of this.streams) stream.resume();
          this.log.info({ host: this.host, queued: this.queue.length }, 'docker signals caught up; reading the event stream again');
        }
      }
    } finally {
      // In the same turn as the last emptiness check: a push after it starts a new pump.
      this.pumpRunning = false;
    }
  }
}
