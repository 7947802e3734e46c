// socket.io: authenticates each connection with the session cookie (or a bearer token in
// `auth.token`), greets it, forwards status changes, and answers `sync` after a reconnect.
// A connection lives no longer than its credentials: when a session or token is ended (log out,
// log out everywhere, an admin's revoke) and every minute (expiry), each socket's credentials are
// checked again and the socket is closed when they no longer hold; with Redis every replica checks.
// A disabled or deleted user's sockets (each is in the room `user:<id>`) are closed at once on
// every replica, without waiting for any check.
// A page from a foreign origin may not open it (see http/origin.ts), and what one client may cost is
// bounded (see sync-guard.ts): `sync` answers in pages capped in bytes.
// With REDIS_URL every emit reaches the browsers on every replica (redis-fanout.ts); what Redis
// could not carry during an outage is caught up by this replica's browsers reconnecting (and so
// syncing) once it is back.
import type http from 'node:http';
import { Server, type Socket } from 'socket.io';
import { z } from 'zod';
import type { ClientToServerEvents, Incident, ServerToClientEvents, SourceStatus, SyncAnswer, TimelineEntry, Container } from '../contract/index.ts';
import type { AuthService, Principal } from '../auth/service.ts';
import type { Logger } from '../logger.ts';
import type { Metrics } from '../metrics.ts';
import type { Store } from '../store/types.ts';
import type { Membership } from '../cluster/membership.ts';
import type { StatusBoard } from '../status.ts';
import { principalFrom } from '../http/auth-middleware.ts';
import type { OriginPolicy } from '../http/origin.ts';
import { principalKey, SyncGuard, type SyncLimits } from './sync-guard.ts';
import { decodeSyncCursor, encodeSyncCursor, readSyncPage, SYNC_PAGE_BYTES } from './sync-pages.ts';
import { sendAndFlush } from './written.ts';
import { RedisFanout } from './redis-fanout.ts';

interface SocketData {
  principal: Principal;
}

/** What one replica tells the others through Redis (socket.io's server-side events). */
interface ReplicaEvents {
  /** Events the sender could not publish were missed by your browsers: have them catch up. */
  'replica:resync': () => void;
  /** A session or token was ended on the sender: check your sockets' credentials now. */
  'replica:recheck': () => void;
}

/** The room of a user's sockets, so that disabling them closes every one on every replica. */
export function userRoom(userId: string): string {
  return `user:${userId}`;
}

export type VigilServer = Server<ClientToServerEvents, ServerToClientEvents, ReplicaEvents, SocketData>;
type VigilSocket = Socket<ClientToServerEvents, ServerToClientEvents, ReplicaEvents, SocketData>;

const RECHECK_EVERY_MS = 60_000;
const STORE_RETRY_MS = 2_000;
/** After a Redis outage this replica's browsers reconnect (and sync) spread over this long, not all at once. */
const RESYNC_SPREAD_MS = 10_000;

const syncRequest = z.object({
  since: z.string().max(64).refine((v) => !Number.isNaN(Date.parse(v))),
  cursor: z.string().max(2_048).optional(),
});

export interface GatewayDeps {
  auth: AuthService;
  store: Store;
  logger: Logger;
  metrics: Metrics;
  origins: OriginPolicy;
  /** Which replica this is and who leads: told in `server:hello`. */
  cluster: Membership;
  /** Tests lower these; the defaults are in sync-guard.ts. */
  limits?: Partial<SyncLimits>;
  syncPageBytes?: number;
  /** REDIS_URL: fan-out to every replica's browsers; `board` shows the `redis` source (up/down). */
  redis?: { url: string; board?: StatusBoard };
}

export class RealtimeGateway {
  readonly io: VigilServer;
  private readonly log: Logger;
  private readonly auth: AuthService;
  private readonly recheckTimer: NodeJS.Timeout;
  private rechecking: Promise<void> | undefined;
  private recheckAgain = false;
  private readonly fanout: RedisFanout | undefined;
  /** Socket id → the pending close of its transport (one per socket however many outages end). */
  private readonly resyncTimers = new Map<string, NodeJS.Timeout>();

  constructor(httpServer: http.Server, deps: GatewayDeps) {
    this.log = deps.logger.child({ module: 'realtime' });
    this.auth = deps.auth;
    this.fanout = deps.redis && new RedisFanout({
      url: deps.redis.url, logger: deps.logger, ...(deps.redis.board ? { board: deps.redis.board } : {}),
      onRecovered: (dropped) => {
        // This replica may have missed what others published; and when it could not publish
        // itself, the browsers on the other replicas missed that.
        this.resyncLocal();
        if (dropped > 0) this.io.serverSideEmit('replica:resync');
      },
    });
    deps.auth.onRevoke(() => {
      void this.recheck();
      if (this.fanout) this.io.serverSideEmit('replica:recheck');
    });
    // Through the adapter: with Redis this reaches the user's sockets on every replica.
    deps.auth.onUserEnded((userId) => {
      this.log.info({ userId }, 'user disabled or deleted: closing their live connections');
      this.io.in(userRoom(userId)).disconnectSockets(true);
    });
    this.recheckTimer = setInterval(() => { void this.recheck(); }, RECHECK_EVERY_MS);
    this.recheckTimer.unref();
    const guard = new SyncGuard(deps.limits, (key) => this.log.warn({ principal: key }, 'sync rate limit reached; refusing further syncs this window'));
    this.io = new Server(httpServer, {
      serveClient: false,
      maxHttpBufferSize: 64 * 1024,
      ...(this.fanout ? { adapter: this.fanout.adapter() } : {}),
      allowRequest: (req, callback) => {
        const verdict = deps.origins.check(req);
        if (verdict.allowed) {
          callback(null, true);
          return;
        }
        this.log.warn({ origin: verdict.origin }, 'refused a live connection from a foreign page');
        callback(`origin_not_allowed: ${verdict.message}`, false);
      },
    });

    this.io.on('replica:recheck', () => { void this.recheck(); });

    this.io.on('replica:resync', () => {
      this.log.info('another replica could not publish through redis for a while; this replica\'s browsers catch up');
      this.resyncLocal();
    });

    this.io.use(async (socket, next) => {
      try {
        const token: unknown = socket.handshake.auth['token'];
        const authorization = typeof token === 'string' ? `Bearer ${token}` : undefined;
        const principal = await principalFrom(deps.auth, authorization, socket.handshake.headers.cookie);
        if (!principal) {
          next(new Error('unauthorized'));
          return;
        }
        if (!guard.canOpenSocket(principalKey(principal))) {
          next(new Error(`too many live connections for this user (at most ${guard.limits.socketsPerPrincipal}); close other tabs or scripts`));
          return;
        }
        socket.data.principal = principal;
        next();
      } catch (err) {
        this.log.error({ err }, 'socket authentication failed');
        next(new Error('unavailable'));
      }
    });

    this.io.on('connection', (socket: VigilSocket) => {
      deps.metrics.socketClients.set(this.io.engine.clientsCount);
      const p = socket.data.principal;
      const key = principalKey(p);
      guard.openSocket(key);
      if (p.user) void socket.join(userRoom(p.user.id));
      socket.emit('server:hello', {
        serverTime: new Date().toISOString(),
        user: p.user ?? { id: p.tokenId ?? p.actor, username: p.actor, role: p.role, createdAt: new Date(0).toISOString() },
        cluster: deps.cluster.state(),
      });
      socket.use((_event, next) => {
        void guard.message(socket.id).then((ok) => {
          if (ok) {
            next();
            return;
          }
          this.log.warn({ actor: p.actor }, `a client sent more than ${guard.limits.messagesPerWindow} messages in ${guard.limits.windowSeconds} s; closing its connection`);
          socket.disconnect(true);
        });
      });
      socket.on('sync', async (request, ack) => {
        if (typeof ack !== 'function') return;
        const answer = (result: SyncAnswer): void => { ack(result); };
        const parsed = syncRequest.safeParse(request);
        const cursor = parsed.success && parsed.data.cursor !== undefined ? decodeSyncCursor(parsed.data.cursor) : null;
        if (!parsed.success || (parsed.data.cursor !== undefined && cursor === null)) {
          answer({
            error: parsed.success ? 'sync: `cursor` must be the `next` of a previous answer' : 'sync needs {since: ISO-8601 time}',
            code: 'invalid_request',
          });
          return;
        }
        const since = new Date(parsed.data.since).toISOString();
        try {
          const refused = await guard.sync(
            socket.id, key,
            () => readSyncPage(deps.store, since, cursor, deps.syncPageBytes ?? SYNC_PAGE_BYTES),
            (page) => sendAndFlush(socket, () => answer({
              incidents: page.incidents, entries: page.entries, serverTime: new Date().toISOString(),
              ...(page.next ? { next: encodeSyncCursor(page.next) } : {}),
            })),
          );
          if (refused) answer(refused);
        } catch (err) {
          this.log.warn({ err }, 'sync failed');
          answer({ error: 'the store is not reachable; try again', code: 'store_unavailable', retryAfterMs: STORE_RETRY_MS });
        }
      });
      socket.on('disconnect', () => {
        guard.closeSocket(key);
        deps.metrics.socketClients.set(this.io.engine.clientsCount);
      });
    });
  }

  incidentUpsert(incident: Incident): void { this.io.emit('incident:upsert', incident); }
  timelineAppend(entry: TimelineEntry): void { this.io.emit('timeline:append', entry); }
  incidentRemove(id: string, replacedBy?: string): void { this.io.emit('incident:remove', { id, ...(replacedBy === undefined ? {} : { replacedBy }) }); }
  timelineRemove(id: string, incidentId: string): void { this.io.emit('timeline:remove', { id, incidentId }); }
  containerUpdate(container: Container): void { this.io.emit('container:update', container); }
  sourceStatus(status: SourceStatus): void { this.io.emit('source:status', status); }
  /** A state of this replica's own (its Redis connection): to this replica's browsers only, not through Redis. */
  localSourceStatus(status: SourceStatus): void { this.io.local.emit('source:status', status); }
  clusterLeader(leader: { leader: string; term: number }): void { this.io.emit('cluster:leader', leader); }

  /** Closes every socket whose session or token no longer holds. Coalesces overlapping calls. */
  recheck(): Promise<void> {
    if (this.rechecking) {
      this.recheckAgain = true;
      return this.rechecking;
    }
    this.rechecking = (async () => {
      do {
        this.recheckAgain = false;
        // This replica's sockets only: every replica checks its own.
        for (const socket of await this.io.local.fetchSockets()) {
          try {
            const token: unknown = socket.handshake.auth['token'];
            const authorization = typeof token === 'string' ? `Bearer ${token}` : undefined;
            if (await principalFrom(this.auth, authorization, socket.handshake.headers.cookie)) continue;
            this.log.info({ actor: socket.data.principal.actor }, 'credentials ended: closing the live connection');
            socket.disconnect(true);
          } catch (err) {
            // The store is away: keep the socket; the next check decides.
            this.log.warn({ err }, 'could not re-check a live connection');
          }
        }
      } while (this.recheckAgain);
    })().finally(() => { this.rechecking = undefined; });
    return this.rechecking;
  }

  /**
   * Closes the transport of each of this replica's browsers, spread over a few seconds: each
   * reconnects by itself and syncs what it missed (the client does after every reconnect).
   */
  resyncLocal(): void {
    for (const socket of this.io.of('/').sockets.values()) {
      if (this.resyncTimers.has(socket.id)) continue;
      const timer = setTimeout(() => {
        this.resyncTimers.delete(socket.id);
        socket.conn.close();
      }, Math.floor(Math.random() * RESYNC_SPREAD_MS));
      timer.unref();
      this.resyncTimers.set(socket.id, timer);
    }
  }

  async close(): Promise<void> {
    clearInterval(this.recheckTimer);
    for (const timer of this.resyncTimers.values()) clearTimeout(timer);
    this.resyncTimers.clear();
    await new Promise<void>((resolve) => { void this.io.close(() => resolve()); });
    await this.fanout?.close();
  }
}
