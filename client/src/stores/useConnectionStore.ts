// The live link to Vigil: the ONE place socket.io listeners live (components read this store).
// Connects after sign-in, disconnects at sign-out, says honestly whether it is live and since when,
// catches up with `sync` after a reconnect, and keeps the state of every source.
import { computed, markRaw, ref } from 'vue';
import { defineStore } from 'pinia';
import { io, type Socket } from 'socket.io-client';
import type { ClientToServerEvents, ClusterState, PublicUser, ServerToClientEvents, SourceStatus } from '@vigil/server/contract';
import { api, ApiError, fetchReadiness } from '../lib/api.ts';
import { catchUp } from '../lib/catch-up.ts';
import { createRelay } from '../lib/relay.ts';
import { isSourceStatus, sourceKey } from '../lib/wire.ts';
import { laterIso } from '../lib/time.ts';
import { isClusterState, isLeaderEvent, newerCluster, severalReplicas, withLeader } from '../lib/cluster.ts';
import type { ConnectionState, StoreHealth } from '../lib/connection.ts';

type VigilSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

/**
 * Server events other stores consume (a sync after reconnect is replayed through the same names),
 * plus two of the link's own: `connection:live` each time it (re)connects — stores that hold a
 * snapshot re-read it — and `connection:reset` at sign-out, when they forget what they hold.
 */
export type LiveEvents = Pick<ServerToClientEvents,
  'incident:upsert' | 'timeline:append' | 'container:update' | 'incident:remove' | 'timeline:remove'> & {
  'connection:live': (info: { resumed: boolean }) => void;
  'connection:reset': () => void;
};

const RETRY_AFTER_REFUSAL_MS = 5_000;
const SYNC_MARGIN_MS = 2_000;
/** One sync page that takes longer than this is given up (the lists are re-read on connect anyway). */
const SYNC_TIMEOUT_MS = 30_000;
/**
 * With several replicas, /readyz is read again this often (while the page is shown): a follower
 * announces a new leader (`cluster:leader`) but not the old one's lease lapsing.
 */
export const CLUSTER_POLL_MS = 15_000;
/** …and this often while no replica leads, until one does. */
export const FAILOVER_POLL_MS = 3_000;

export const useConnectionStore = defineStore('connection', () => {
  const state = ref<ConnectionState>('offline');
  /** When `state` last changed (client clock, ISO). */
  const since = ref<string>(new Date().toISOString());
  /**
   * The server's clock when this client last heard from it (estimated from the offset measured at
   * `server:hello`); `sync` asks, by that clock, for everything the server wrote since.
   */
  const lastSeen = ref<string | null>(null);
  const hello = ref<{ serverTime: string; user: PublicUser } | null>(null);
  /** The last reason a connection attempt failed, in words. */
  const lastError = ref<string | null>(null);
  const sources = ref<Record<string, SourceStatus>>({});
  const store = ref<StoreHealth | null>(null);
  const readinessError = ref<string | null>(null);
  /** Which replica serves this browser and which one leads; null until the server said. */
  const cluster = ref<ClusterState | null>(null);
  /** When this browser first heard that no replica leads (client clock, ISO); null while one does. */
  const leaderlessSince = ref<string | null>(null);
  const multiReplica = computed(() => severalReplicas(cluster.value, store.value?.kind ?? null));

  const relay = markRaw(createRelay<LiveEvents>((err) => { lastError.value = `a live update could not be applied: ${String(err)}`; }));

  let socket: VigilSocket | null = null;
  let wanted = false;
  let everConnected = false;
  let syncFrom: string | null = null;
  /** Where the catch-up under way started: until it is done, a new gap starts no later than this. */
  let catchingUpFrom: string | null = null;
  let catchUpRun = 0;
  let retryTimer: ReturnType<typeof setTimeout> | undefined;
  let clusterTimer: ReturnType<typeof setTimeout> | undefined;

  const sourceList = computed(() => Object.values(sources.value)
    .sort((a, b) => a.source.localeCompare(b.source) || (a.host ?? '').localeCompare(b.host ?? '')));

  function setState(next: ConnectionState): void {
    if (state.value === next) return;
    state.value = next;
    since.value = new Date().toISOString();
  }

  /** Server clock minus client clock, from the last hello or sync answer. */
  let clockOffsetMs = 0;
  function seen(serverTime?: string): void {
    const parsed = serverTime === undefined ? Number.NaN : Date.parse(serverTime);
    if (!Number.isNaN(parsed)) clockOffsetMs = parsed - Date.now();
    lastSeen.value = laterIso(lastSeen.value, new Date(Date.now() + clockOffsetMs).toISOString());
  }

  function applySource(status: SourceStatus): void {
    const key = sourceKey(status);
    const prev = sources.value[key];
    if (prev && Date.parse(prev.since) > Date.parse(status.since)) return;
    sources.value = { ...sources.value, [key]: status };
  }

  function setCluster(next: ClusterState | null): void {
    cluster.value = next;
    if (next === null || next.leader !== null) leaderlessSince.value = null;
    else leaderlessSince.value ??= new Date().toISOString();
    scheduleClusterPoll();
  }

  function applyCluster(next: ClusterState): void {
    setCluster(newerCluster(cluster.value, next));
  }

  /** Reads /readyz again later while several replicas are in play and the link is live. */
  function scheduleClusterPoll(): void {
    clearTimeout(clusterTimer);
    clusterTimer = undefined;
    if (!wanted || state.value !== 'live' || !multiReplica.value) return;
    const wait = cluster.value?.leader === null ? FAILOVER_POLL_MS : CLUSTER_POLL_MS;
    clusterTimer = setTimeout(() => {
      clusterTimer = undefined;
      if (typeof document !== 'undefined' && document.visibilityState === 'hidden') scheduleClusterPoll();
      else void refreshReadiness();
    }, wait);
  }

  async function refreshReadiness(): Promise<void> {
    try {
      const report = await fetchReadiness();
      // The report is the whole picture: a source it no longer names (config changed across a
      // restart) goes; one a `source:status` event updated meanwhile keeps the newer state.
      const next: Record<string, SourceStatus> = {};
      for (const s of report.sources) {
        if (!isSourceStatus(s)) continue;
        const key = sourceKey(s);
        const current = sources.value[key];
        next[key] = current && Date.parse(current.since) > Date.parse(s.since) ? current : s;
      }
      sources.value = next;
      const prevStore = store.value;
      store.value = {
        kind: report.store.kind,
        state: report.store.state,
        ...(report.store.detail ? { detail: report.store.detail } : {}),
        since: prevStore && prevStore.state === report.store.state ? prevStore.since : new Date().toISOString(),
      };
      readinessError.value = null;
      applyCluster(report.cluster);
    } catch (err) {
      readinessError.value = err instanceof Error ? err.message : String(err);
      scheduleClusterPoll();
    }
  }

  /** Reads, page by page, everything the server wrote since `from`, however much that is. */
  function catchUpFrom(s: VigilSocket, from: string): void {
    const run = ++catchUpRun;
    catchingUpFrom = from;
    void catchUp((request) => s.timeout(SYNC_TIMEOUT_MS).emitWithAck('sync', request), from, {
      apply: (page) => {
        for (const incident of page.incidents) relay.emit('incident:upsert', incident);
        for (const entry of page.entries) relay.emit('timeline:append', entry);
        seen(page.serverTime);
      },
      cancelled: () => run !== catchUpRun || !s.connected,
    }).then((outcome) => {
      if (run !== catchUpRun) return;
      if (outcome.done) catchingUpFrom = null;
      else if (!outcome.cancelled) lastError.value = `catching up after the reconnect failed: ${outcome.error}`;
    });
  }

  /** The server refused the socket: find out whether the session ended (the API hook then signs out). */
  async function afterRefusal(message: string): Promise<void> {
    lastError.value = message === 'unauthorized' ? 'the server did not accept this session for live updates' : `the server refused live updates (${message})`;
    try {
      await api.get('/api/auth/me');
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) return;
    }
    clearTimeout(retryTimer);
    retryTimer = setTimeout(() => { if (wanted) socket?.connect(); }, RETRY_AFTER_REFUSAL_MS);
  }

  function createSocket(): VigilSocket {
    const s: VigilSocket = io({ withCredentials: true, autoConnect: false });

    s.on('connect', () => {
      setState('live');
      lastError.value = null;
      const resumed = everConnected;
      if (everConnected && syncFrom) catchUpFrom(s, syncFrom);
      syncFrom = null;
      everConnected = true;
      relay.emit('connection:live', { resumed });
      void refreshReadiness();
    });

    s.on('disconnect', (reason) => {
      // A margin for what was written just before the last message reached us; duplicates are merged by id.
      // A catch-up cut short by this disconnect: the next one starts where it started.
      syncFrom = catchingUpFrom ?? (lastSeen.value === null ? null : new Date(Date.parse(lastSeen.value) - SYNC_MARGIN_MS).toISOString());
      if (!wanted) return;
      setState('offline');
      clearTimeout(clusterTimer);
      if (reason === 'io server disconnect') void afterRefusal('the server closed the connection');
    });

    s.on('connect_error', (err) => {
      if (!wanted) return;
      setState('offline');
      if (s.active) {
        lastError.value = `cannot reach the server (${err.message}); retrying`;
      } else {
        void afterRefusal(err.message);
      }
    });

    s.on('server:hello', (h) => {
      hello.value = h;
      seen(h.serverTime);
      if (isClusterState(h.cluster)) applyCluster(h.cluster);
    });
    s.on('cluster:leader', (event) => {
      if (isLeaderEvent(event)) setCluster(withLeader(cluster.value, event));
    });
    s.on('source:status', (status) => {
      if (isSourceStatus(status)) applySource(status);
    });
    s.on('incident:upsert', (incident) => {
      seen();
      relay.emit('incident:upsert', incident);
    });
    s.on('timeline:append', (entry) => {
      seen();
      relay.emit('timeline:append', entry);
    });
    s.on('container:update', (container) => relay.emit('container:update', container));
    s.on('incident:remove', (ref) => relay.emit('incident:remove', ref));
    s.on('timeline:remove', (ref) => relay.emit('timeline:remove', ref));
    return s;
  }

  function connect(): void {
    wanted = true;
    socket ??= createSocket();
    if (socket.connected || socket.active) return;
    setState('connecting');
    socket.connect();
  }

  function disconnect(): void {
    wanted = false;
    clearTimeout(retryTimer);
    clearTimeout(clusterTimer);
    clusterTimer = undefined;
    socket?.disconnect();
    setState('offline');
    everConnected = false;
    syncFrom = null;
    catchingUpFrom = null;
    catchUpRun++;
    lastSeen.value = null;
    hello.value = null;
    lastError.value = null;
    sources.value = {};
    store.value = null;
    setCluster(null);
    relay.emit('connection:reset');
  }

  return {
    state, since, lastSeen, hello, lastError, sources, sourceList, store, readinessError, cluster, leaderlessSince, multiReplica, relay,
    connect, disconnect, refreshReadiness,
  };
});
