// Who this replica is and who leads (API.md "Several replicas"). `Membership` is what the rest of
// Vigil asks; the embedded store has exactly one replica, which leads from the start (`Solo`); on
// MongoDB the lease decides (cluster/lease.ts).
import { EventEmitter } from 'node:events';
import { hostname } from 'node:os';
import type { ClusterState } from '../contract/index.ts';
import { REDIS_SOURCE } from '../realtime/redis-fanout.ts';

export interface Membership {
  /** What `/readyz` and `server:hello` answer. */
  state(): ClusterState;
  readonly isLeader: boolean;
  /** Resolves once this replica knows whether it leads (the first look at the lease). */
  readonly firstLook: Promise<void>;
  /** Where the leader answers, when another replica leads and said where (REPLICA_URL). */
  leaderUrl(): string | undefined;
  /** Called whenever role, leader or term changes. */
  onChange(listener: (state: ClusterState) => void): void;
  /** Called each time this replica starts to lead. */
  onLeading(listener: (term: number) => void): void;
  /** Called when this replica led and another took over: it must stop acting as leader (fail-stop). */
  onLost(listener: (reason: string) => void): void;
  /** Resolves while this replica leads; throws otherwise. Undefined where only one replica can run. */
  readonly fence: (() => Promise<void>) | undefined;
  start(): void;
  stop(): Promise<void>;
}

/**
 * Source states that belong to each replica (its connection to Redis), not to what the leader
 * watches: /readyz of a follower shows its own, and they go to this replica's browsers only.
 */
export function isReplicaOwn(source: string): boolean {
  return source === REDIS_SOURCE;
}

/** This replica's name: `REPLICA_NAME`, else the host name with the process id (two on one host differ). */
export function replicaName(configured: string | undefined): string {
  return configured ?? `${hostname()}-${process.pid}`;
}

/** One replica, always the leader: the embedded store. */
export class Solo implements Membership {
  private readonly events = new EventEmitter();
  private readonly current: ClusterState;
  readonly isLeader = true;
  readonly firstLook = Promise.resolve();
  readonly fence = undefined;

  constructor(replica: string) {
    this.current = { replica, role: 'leader', leader: replica, term: 1 };
  }

  state(): ClusterState {
    return { ...this.current };
  }

  leaderUrl(): undefined {
    return undefined;
  }

  onChange(listener: (state: ClusterState) => void): void {
    this.events.on('change', listener);
  }

  onLeading(listener: (term: number) => void): void {
    this.events.on('leading', listener);
  }

  onLost(): void {
    // One replica: nobody can take over.
  }

  start(): void {
    this.events.emit('leading', this.current.term);
  }

  stop(): Promise<void> {
    return Promise.resolve();
  }
}
