// socket.io: authenticates each connection with the session cookie (or a bearer token in
// `auth.token`), greets it, forwards status changes, and answers `sync` after a reconnect.
// A connection lives no longer than its credentials: when a session or token is ended (log out,
// log out everywhere, an admin's revoke) and every minute (expiry), each socket's credentials are
// checked again and the socket is closed when they no longer hold.
import type http from 'node:http';
import { Server, type Socket } from 'socket.io';
import type { ClientToServerEvents, Incident, ServerToClientEvents, SourceStatus, TimelineEntry, Container } from '../contract/index.ts';
import type { AuthService, Principal } from '../auth/service.ts';
import type { Logger } from '../logger.ts';
import type { Metrics } from '../metrics.ts';
import type { Store } from '../store/types.ts';
import { principalFrom } from '../http/auth-middleware.ts';

interface SocketData {
  principal: Principal;
}

export type VigilServer = Server<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>;
type VigilSocket = Socket<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>;

const SYNC_LIMIT = 5_000;
const RECHECK_EVERY_MS = 60_000;

export class RealtimeGateway {
  readonly io: VigilServer;
  private readonly log: Logger;
  private readonly auth: AuthService;
  private readonly recheckTimer: NodeJS.Timeout;
  private rechecking: Promise<void> | undefined;
  private recheckAgain = false;

  constructor(httpServer: http.Server, deps: { auth: AuthService; store: Store; logger: Logger; metrics: Metrics }) {
    this.log = deps.logger.child({ module: 'realtime' });
    this.auth = deps.auth;
    deps.auth.onRevoke(() => { void this.recheck(); });
    this.recheckTimer = setInterval(() => { void this.recheck(); }, RECHECK_EVERY_MS);
    this.recheckTimer.unref();
    this.io = new Server(httpServer, { serveClient: false, maxHttpBufferSize: 64 * 1024 });

    this.io.use(async (socket, next) => {
      try {
        const token: unknown = socket.handshake.auth['token'];
        const authorization = typeof token === 'string' ? `Bearer ${token}` : undefined;
        const principal = await principalFrom(deps.auth, authorization, socket.handshake.headers.cookie);
        if (!principal) {
          next(new Error('unauthorized'));
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
      socket.emit('server:hello', {
        serverTime: new Date().toISOString(),
        user: p.user ?? { id: p.tokenId ?? p.actor, username: p.actor, role: p.role, createdAt: new Date(0).toISOString() },
      });
      socket.on('sync', async (request, ack) => {
        if (typeof ack !== 'function') return;
        const since = typeof request?.since === 'string' && !Number.isNaN(Date.parse(request.since)) ? request.since : null;
        if (since === null) {
          ack({ error: 'sync needs {since: ISO-8601 time}' });
          return;
        }
        try {
          const [incidents, entries] = await Promise.all([
            deps.store.incidents.changedSince(since, SYNC_LIMIT),
            deps.store.timeline.since(since, SYNC_LIMIT),
          ]);
          ack({ incidents, entries, serverTime: new Date().toISOString() });
        } catch (err) {
          this.log.warn({ err }, 'sync failed');
          ack({ error: 'the store is not reachable; try again' });
        }
      });
      socket.on('disconnect', () => deps.metrics.socketClients.set(this.io.engine.clientsCount));
    });
  }

  incidentUpsert(incident: Incident): void { this.io.emit('incident:upsert', incident); }
  timelineAppend(entry: TimelineEntry): void { this.io.emit('timeline:append', entry); }
  incidentRemove(id: string): void { this.io.emit('incident:remove', { id }); }
  timelineRemove(id: string, incidentId: string): void { this.io.emit('timeline:remove', { id, incidentId }); }
  containerUpdate(container: Container): void { this.io.emit('container:update', container); }
  sourceStatus(status: SourceStatus): void { this.io.emit('source:status', status); }

  /** Closes every socket whose session or token no longer holds. Coalesces overlapping calls. */
  recheck(): Promise<void> {
    if (this.rechecking) {
      this.recheckAgain = true;
      return this.rechecking;
    }
    this.rechecking = (async () => {
      do {
        this.recheckAgain = false;
        for (const socket of await this.io.fetchSockets()) {
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

  close(): Promise<void> {
    clearInterval(this.recheckTimer);
    return new Promise((resolve) => { void this.io.close(() => resolve()); });
  }
}
