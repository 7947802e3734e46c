// Which replica this browser talks to and which one leads (API.md "Several replicas"): the shape
// check of what the server says, how a `cluster:leader` event moves it on, and the words shown.
import type { ClusterState, StoreKind } from '@vigil/server/contract';

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export function isClusterState(v: unknown): v is ClusterState {
  return isRecord(v) && typeof v['replica'] === 'string' && (v['role'] === 'leader' || v['role'] === 'follower')
    && (v['leader'] === null || typeof v['leader'] === 'string')
    && typeof v['term'] === 'number' && Number.isInteger(v['term']) && v['term'] >= 0;
}

export function isLeaderEvent(v: unknown): v is { leader: string; term: number } {
  return isRecord(v) && typeof v['leader'] === 'string' && typeof v['term'] === 'number' && Number.isInteger(v['term']);
}

/**
 * The newer of two reports from the same replica: one of an older term is stale and changes
 * nothing; within a term the later report wins (it may have found the lease lapsed). A report
 * from another replica (the browser reconnected elsewhere) replaces the old one.
 */
export function newerCluster(current: ClusterState | null, next: ClusterState): ClusterState {
  if (current === null || current.replica !== next.replica) return next;
  return next.term >= current.term ? next : current;
}

/** A replica took the lead: what this replica's state becomes (an older term changes nothing). */
export function withLeader(current: ClusterState | null, event: { leader: string; term: number }): ClusterState | null {
  if (current === null || event.term < current.term) return current;
  return { ...current, leader: event.leader, term: event.term, role: event.leader === current.replica ? 'leader' : 'follower' };
}

/**
 * Whether more than one replica may be in play, so who leads is worth showing: another replica
 * leads, none does (a failover), or the store is MongoDB (where replicas share it). The embedded
 * store serves exactly one replica.
 */
export function severalReplicas(cluster: ClusterState | null, store: StoreKind | null): boolean {
  if (cluster === null) return false;
  return cluster.leader !== cluster.replica || store === 'mongodb';
}

/** "replica vigil-2 · leader vigil-1", "replica vigil-1 · leader (this one)", or the failover. */
export function clusterLabel(cluster: ClusterState): string {
  if (cluster.leader === null) return `replica ${cluster.replica} · failover under way, no leader`;
  if (cluster.leader === cluster.replica) return `replica ${cluster.replica} · leader (this one)`;
  return `replica ${cluster.replica} · leader ${cluster.leader}`;
}

/** The hover: what the words mean, with the term. */
export function clusterTitle(cluster: ClusterState): string {
  const served = `This page is served by replica ${cluster.replica}`;
  if (cluster.leader === null) {
    return `${served}. No replica holds the lead right now (the last term was ${cluster.term}): another takes over within 15 s; until then nothing restarts containers or pages anyone, and signals wait in the store.`;
  }
  const leads = cluster.leader === cluster.replica ? 'it also leads' : `${cluster.leader} leads`;
  return `${served}; ${leads} (term ${cluster.term}): the leader watches Docker and Prometheus, runs the incident engine, the supervisor and paging.`;
}
