// REDIS_URL: socket.io's Redis adapter, so an event emitted on one replica reaches the browsers on
// every replica. Redis is never in the way: while it is away the clients retry by themselves (every
// few seconds), the `redis` source says down on /readyz, and each replica keeps serving its own
// browsers; what crossed no replica meanwhile is caught up (see RealtimeGateway.resyncLocal).
import { createClient } from '@redis/client';
import { RedisAdapter } from '@socket.io/redis-adapter';
import type { Logger } from '../logger.ts';
import type { StatusBoard } from '../status.ts';
import { redactUrl } from '../redact-url.ts';

export const REDIS_SOURCE = 'redis';

/** Backoff between reconnect attempts: 200 ms doubling to at most 5 s. */
export function reconnectDelayMs(retries: number): number {
  return Math.min(200 * 2 ** Math.min(retries, 10), 5_000);
}

/** Commands awaiting an answer on one connection, past which a new one fails at once (Redis stalled): a publish is dropped. */
const QUEUE_MAX = 10_000;
const CONNECT_TIMEOUT_MS = 5_000;
const CLOSE_GRACE_MS = 2_000;

/** The adapter's calls whose promises it never awaits: their rejections are ours to take. */
const UNAWAITED = new Set(['publish', 'sPublish', 'subscribe', 'unsubscribe', 'pSubscribe', 'pUnsubscribe', 'sSubscribe', 'sUnsubscribe', 'sendCommand', 'pubSubNumSub']);

type Client = ReturnType<typeof createClient>;

/** The two methods of socket.io's adapter that publishFirst() rearranges (`apply` is private in its types). */
interface Delivering {
  broadcast(packet: unknown, opts: { flags?: { local?: boolean } }): void;
  apply(opts: unknown, deliver: (socket: unknown) => void): void;
}

/**
 * The Redis adapter publishing before it delivers locally: the client writes the PUBLISH on the next
 * turn of the event loop (setImmediate), so this replica's own loop over its sockets is moved to the
 * turn after it, and the other replicas start on their browsers meanwhile instead of after that
 * loop. What other replicas publish is delivered here at once (their `broadcast` is not this one).
 */
function publishFirst(adapter: RedisAdapter): RedisAdapter {
  const target = adapter as unknown as Delivering;
  const broadcast = target.broadcast.bind(target);
  const apply = target.apply.bind(target);
  let deferLocal = false;
  target.broadcast = (packet, opts) => {
    deferLocal = opts.flags?.local !== true;
    try {
      broadcast(packet, opts);
    } finally {
      deferLocal = false;
    }
  };
  target.apply = (opts, deliver) => {
    if (deferLocal) setImmediate(() => apply(opts, deliver));
    else apply(opts, deliver);
  };
  return adapter;
}

export interface RedisFanoutOptions {
  url: string;
  logger: Logger;
  /** Gets the `redis` source: connecting, up, down with the reason. */
  board?: StatusBoard;
  /**
   * The link came back after an outage. `dropped`: events this replica could not publish meanwhile
   * (the other replicas' browsers missed them).
   */
  onRecovered?: (dropped: number) => void;
}

export class RedisFanout {
  private readonly log: Logger;
  private readonly pub: Client;
  private readonly sub: Client;
  private readonly shownUrl: string;
  private readonly ready = { pub: false, sub: false };
  private lastError: string | undefined;
  private state: 'connecting' | 'up' | 'down' = 'connecting';
  private outage = false;
  private dropped = 0;
  private closing = false;
  private readonly options: RedisFanoutOptions;

  constructor(options: RedisFanoutOptions) {
    this.options = options;
    this.log = options.logger.child({ module: 'redis' });
    this.shownUrl = redactUrl(options.url);
    const socket = { connectTimeout: CONNECT_TIMEOUT_MS, reconnectStrategy: reconnectDelayMs };
    // Publishing while Redis is away fails at once (no queue that grows with the outage); the
    // subscriber keeps its few SUBSCRIBE commands queued until it is first connected.
    this.pub = createClient({ url: options.url, socket, disableOfflineQueue: true, commandsQueueMaxLength: QUEUE_MAX });
    this.sub = createClient({ url: options.url, socket, commandsQueueMaxLength: QUEUE_MAX });
    this.watch('pub', this.pub);
    this.watch('sub', this.sub);
    options.board?.set(REDIS_SOURCE, this.shownUrl, 'connecting');
    // connect() retries by itself (reconnectDelayMs) and settles once connected, or when closed.
    for (const client of [this.pub, this.sub]) client.connect().catch(() => undefined);
  }

  /** The adapter for `io.adapter(…)`, on clients whose unawaited commands cannot reject unhandled. */
  adapter(): (nsp: ConstructorParameters<typeof RedisAdapter>[0]) => RedisAdapter {
    const pub = this.guarded(this.pub, true);
    const sub = this.guarded(this.sub, false);
    // socket.io calls it with `new`: a function, not an arrow.
    return function vigilAdapter(nsp) {
      return publishFirst(new RedisAdapter(nsp, pub, sub, { key: 'vigil' }));
    };
  }

  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    await Promise.all([this.pub, this.sub].map(async (client) => {
      if (!client.isReady) {
        if (client.isOpen) client.destroy();
        return;
      }
      // What is in flight goes out; a Redis that does not answer is not waited for long.
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<'late'>((resolve) => { timer = setTimeout(() => resolve('late'), CLOSE_GRACE_MS); });
      const done = await Promise.race([client.close().then(() => 'closed' as const, () => 'failed' as const), late]);
      clearTimeout(timer);
      if (done !== 'closed' && client.isOpen) client.destroy();
    }));
  }

  private watch(role: 'pub' | 'sub', client: Client): void {
    client.on('ready', () => {
      this.ready[role] = true;
      this.report();
    });
    // Fires on every failed attempt too; the board and the log hear of a change only.
    client.on('error', (err: unknown) => {
      this.ready[role] = false;
      this.lastError = err instanceof Error && err.message !== '' ? err.message : String(err);
      this.report();
    });
    client.on('reconnecting', () => {
      this.ready[role] = false;
      this.report();
    });
    client.on('end', () => {
      this.ready[role] = false;
    });
  }

  private report(): void {
    if (this.closing) return;
    const board = this.options.board;
    if (this.ready.pub && this.ready.sub) {
      if (this.state === 'up') return;
      const recovered = this.outage;
      const dropped = this.dropped;
      this.state = 'up';
      this.outage = false;
      this.dropped = 0;
      board?.set(REDIS_SOURCE, this.shownUrl, 'up');
      this.log.info({ url: this.shownUrl, ...(recovered ? { dropped } : {}) }, recovered ? 'redis reachable again; fan-out across replicas resumed' : 'redis reachable; fan-out across replicas on');
      if (recovered) this.options.onRecovered?.(dropped);
      return;
    }
    if (this.lastError === undefined) return;
    const detail = `${this.lastError}; retrying, this replica's browsers are still served`;
    if (this.state !== 'down') this.log.warn({ url: this.shownUrl, detail: this.lastError }, 'redis unreachable; live updates reach only the browsers on this replica until it is back');
    this.state = 'down';
    this.outage = true;
    board?.set(REDIS_SOURCE, this.shownUrl, 'down', detail);
  }

  private dropOne(err: unknown): void {
    this.dropped += 1;
    if (this.dropped === 1 && this.state === 'up') this.log.warn({ detail: err instanceof Error ? err.message : String(err) }, 'an event could not be published to redis');
  }

  /**
   * The client as the adapter sees it: the same object (its own methods on its own `this`), but the
   * commands the adapter fires and forgets have their rejection caught, and a publish that fails is
   * counted as dropped. Everything else passes through.
   */
  private guarded(client: Client, publishing: boolean): Client {
    return new Proxy(client, {
      get: (target, prop) => {
        const value: unknown = Reflect.get(target, prop, target);
        if (typeof value !== 'function') return value;
        const bound = (value as (...args: unknown[]) => unknown).bind(target);
        if (typeof prop !== 'string' || !UNAWAITED.has(prop)) return bound;
        return (...args: unknown[]): unknown => {
          const onError = (err: unknown): void => {
            if (publishing && (prop === 'publish' || prop === 'sPublish')) this.dropOne(err);
            else if (!this.closing) this.log.debug({ err, command: prop }, 'redis command failed');
          };
          try {
            const result = bound(...args);
            if (result instanceof Promise) result.catch(onError);
            return result;
          } catch (err) {
            onError(err);
            return Promise.resolve(undefined);
          }
        };
      },
    });
  }
}
