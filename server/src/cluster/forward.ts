// How what a follower takes in reaches the leader (cluster/README.md). Signals (the Alertmanager
// webhook, people's acknowledgements and notes) go through the store: a follower queues them, the
// leader takes the queue into its pipeline like any source and then empties it. Nothing is lost in
// between: the queue is durable, and a signal applied twice is applied once (ids).
import type { Signal } from '../domain/signal.ts';
import type { IngestOptions, IngestPipeline, SignalSink } from '../ingest/pipeline.ts';
import type { Logger } from '../logger.ts';
import type { ClusterStore } from '../store/types.ts';
import type { Membership } from './membership.ts';

/** How long a person's action on a follower waits for the leader to apply it before answering. */
const SETTLE_TIMEOUT_MS = 10_000;
const SETTLE_POLL_MS = 50;
/** The leader reads the queue this often when it was empty; at once again while it is not. */
const TAIL_IDLE_MS = 150;
const TAIL_PAGE = 1_000;
const TAIL_RETRY_MS = 1_000;

/** The sink of every replica's intake: the pipeline on the leader, the queue on a follower. */
export class ClusterSink implements SignalSink {
  private readonly pipeline: IngestPipeline;
  private readonly membership: Membership;
  private readonly queue: ClusterStore | undefined;

  constructor(deps: { pipeline: IngestPipeline; membership: Membership; queue: ClusterStore | undefined }) {
    this.pipeline = deps.pipeline;
    this.membership = deps.membership;
    this.queue = deps.queue;
  }

  /** Webhook intake may wait for the store, not for a leader (there may be none during a failover). */
  get overloaded(): boolean {
    return this.membership.isLeader && this.pipeline.overloaded;
  }

  ingest(signals: Signal[], options?: IngestOptions): Promise<Signal[]> {
    if (this.queue === undefined || this.membership.isLeader) return this.pipeline.ingest(signals, options);
    return this.queue.forward(signals);
  }

  /**
   * Resolves once these signals are applied: at once on the leader (ingest resolved after the
   * commit; no read of the queue), on a follower once the leader took them off the queue, or after
   * SETTLE_TIMEOUT_MS (they are durable and are applied when a leader is there; the answer then
   * shows the incident as it was). True when applied.
   */
  async settled(signals: readonly Signal[]): Promise<boolean> {
    const queue = this.queue;
    if (queue === undefined || this.membership.isLeader) return true;
    const deadline = Date.now() + SETTLE_TIMEOUT_MS;
    let ids = signals.map((s) => s.id);
    while (ids.length > 0) {
      const waiting = await queue.queued(ids);
      ids = ids.filter((id) => waiting.has(id));
      if (ids.length === 0) return true;
      if (Date.now() >= deadline) return false;
      await new Promise((resolve) => setTimeout(resolve, SETTLE_POLL_MS));
    }
    return true;
  }
}

/** On the leader: takes the followers' queued signals into the pipeline, then off the queue. */
export class ForwardedTail {
  private readonly queue: ClusterStore;
  private readonly pipeline: IngestPipeline;
  private readonly log: Logger;
  private timer: NodeJS.Timeout | undefined;
  private stopped = true;
  private running: Promise<void> | undefined;

  constructor(deps: { queue: ClusterStore; pipeline: IngestPipeline; logger: Logger }) {
    this.queue = deps.queue;
    this.pipeline = deps.pipeline;
    this.log = deps.logger.child({ module: 'cluster' });
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.next(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  private next(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.round().then((full) => this.next(full ? 0 : TAIL_IDLE_MS), (err: unknown) => {
        this.log.warn({ err }, 'could not take the followers\' signals in; trying again');
        this.next(TAIL_RETRY_MS);
      });
    }, delayMs);
    this.timer.unref();
  }

  /** One page; true when the page was full (more may wait). */
  private async round(): Promise<boolean> {
    const page = await this.queue.forwarded(TAIL_PAGE);
    if (page.length === 0) return false;
    await this.pipeline.ingest(page);
    await this.queue.unqueue(page.map((s) => s.id));
    return page.length === TAIL_PAGE;
  }
}
