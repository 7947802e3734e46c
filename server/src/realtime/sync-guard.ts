// What one viewer may cost the server through socket.io: one sync at a time per socket (until its
// answer has been handed to the transport, so a client that never reads cannot pile answers up),
// a rate per principal across all of its sockets, a bounded number of syncs reading the store at
// once server-wide, a bounded number of sockets per principal, and a bounded message rate per socket.
import pLimit from 'p-limit';
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import type { SyncFailure } from '../contract/index.ts';
import type { Principal } from '../auth/service.ts';

export interface SyncLimits {
  /** Syncs one principal (a user, whatever their sessions; or an API token) may send per window. */
  syncsPerWindow: number;
  windowSeconds: number;
  /** Syncs reading the store and encoding their page at once, across the server. */
  concurrentReads: number;
  /** Syncs waiting for a read slot beyond which more are refused at once. */
  maxWaiting: number;
  /** Live sockets one principal may hold. */
  socketsPerPrincipal: number;
  /** Messages of any kind one socket may send per window before it is closed. */
  messagesPerWindow: number;
}

export const DEFAULT_SYNC_LIMITS: SyncLimits = {
  // A browser catching up pages through ~2 pages per MB: 40 per 10 s lets it read 20 MB in 10 s.
  syncsPerWindow: 40,
  windowSeconds: 10,
  concurrentReads: 4,
  maxWaiting: 256,
  socketsPerPrincipal: 20,
  messagesPerWindow: 300,
};

const BUSY_RETRY_MS = 500;

/** The key limits are counted under: sessions of one user share it, as do the sockets of one token. */
export function principalKey(p: Principal): string {
  if (p.tokenId !== undefined) return `token:${p.tokenId}`;
  return p.user ? `user:${p.user.id}` : `actor:${p.actor}`;
}

export class SyncGuard {
  readonly limits: SyncLimits;
  private readonly syncing = new Set<string>();
  private readonly perPrincipal: RateLimiterMemory;
  private readonly perSocket: RateLimiterMemory;
  private readonly reads: ReturnType<typeof pLimit>;
  private readonly sockets = new Map<string, number>();

  /** Called the first time in a window a principal is refused for rate (to log it once, not per sync). */
  private readonly onRateLimited: (key: string) => void;

  constructor(limits: Partial<SyncLimits> = {}, onRateLimited: (key: string) => void = () => undefined) {
    this.onRateLimited = onRateLimited;
    this.limits = { ...DEFAULT_SYNC_LIMITS, ...limits };
    this.perPrincipal = new RateLimiterMemory({ keyPrefix: 'sync', points: this.limits.syncsPerWindow, duration: this.limits.windowSeconds });
    this.perSocket = new RateLimiterMemory({ keyPrefix: 'msg', points: this.limits.messagesPerWindow, duration: this.limits.windowSeconds });
    this.reads = pLimit(this.limits.concurrentReads);
  }

  /** Whether the principal may open one more socket. */
  canOpenSocket(key: string): boolean {
    return (this.sockets.get(key) ?? 0) < this.limits.socketsPerPrincipal;
  }

  openSocket(key: string): void {
    this.sockets.set(key, (this.sockets.get(key) ?? 0) + 1);
  }

  closeSocket(key: string): void {
    const held = (this.sockets.get(key) ?? 1) - 1;
    if (held <= 0) this.sockets.delete(key);
    else this.sockets.set(key, held);
  }

  /** false once the socket has sent more messages in the window than any client of Vigil would. */
  async message(socketId: string): Promise<boolean> {
    try {
      await this.perSocket.consume(socketId);
      return true;
    } catch (err) {
      if (err instanceof RateLimiterRes) return false;
      throw err;
    }
  }

  /**
   * Runs one sync for a socket, or says why not. `read` runs when a read slot is free; `deliver`
   * hands its result to the client and resolves once that answer is with the transport (the read slot is free
   * again meanwhile); until then this socket's next sync is refused as busy.
   */
  async sync<T>(socketId: string, key: string, read: () => Promise<T>, deliver: (result: T) => Promise<void>): Promise<SyncFailure | null> {
    if (this.syncing.has(socketId)) {
      return { error: 'this connection is still receiving its previous sync answer; send the next one after it arrives', code: 'sync_busy', retryAfterMs: BUSY_RETRY_MS };
    }
    // Taken before the first await: the syncs a client sends at once arrive in one turn of the loop.
    this.syncing.add(socketId);
    try {
      try {
        await this.perPrincipal.consume(key);
      } catch (err) {
        if (!(err instanceof RateLimiterRes)) throw err;
        if (err.consumedPoints === this.limits.syncsPerWindow + 1) this.onRateLimited(key);
        return {
          error: `too many syncs (more than ${this.limits.syncsPerWindow} in ${this.limits.windowSeconds} s for this user or token); try again later`,
          code: 'sync_rate_limited',
          retryAfterMs: Math.max(err.msBeforeNext, 100),
        };
      }
      if (this.reads.pendingCount >= this.limits.maxWaiting) {
        return { error: 'the server is answering many syncs right now; try again shortly', code: 'sync_busy', retryAfterMs: 2_000 };
      }
      const result = await this.reads(read);
      await deliver(result);
    } finally {
      this.syncing.delete(socketId);
    }
    return null;
  }
}
