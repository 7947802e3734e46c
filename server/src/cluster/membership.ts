// Who this replica is and who leads (API.md "Several replicas"). `Membership` is what the rest of
// Vigil asks; the embedded store has exactly one replica, which leads from the start (`Solo`); on
// MongoDB the lease decides (cluster/lease.ts).
import { EventEmitter } from 'node:events';
import { hostname } from 'node:os';
import type { ClusterState } from '../contract/index.ts';

export interface Membership {
  /** What `/readyz` and `server:hello` answer. */
  state(): ClusterState;
  /** Called whenever role, leader or term changes. */
  onChange(listener: (state: ClusterState) => void): void;
}

/** This replica's name: `REPLICA_NAME`, else the host name with the process id (two on one host differ). */
export function replicaName(configured: string | undefined): string {
  return configured ?? `${hostname()}-${process.pid}`;
}

/** One replica, always the leader: the embedded store. */
export class Solo implements Membership {
  private readonly events = new EventEmitter();
  private readonly current: ClusterState;

  constructor(replica: string) {
    this.current = { replica, role: 'leader', leader: replica, term: 1 };
  }

  state(): ClusterState {
    return { ...this.current };
  }

  onChange(listener: (state: ClusterState) => void): void {
    this.events.on('change', listener);
  }
}
