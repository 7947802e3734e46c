// Docker Swarm services as Vigil shows them (`GET /api/swarm/services`) and what forcing an update
// of one answers (`POST /api/swarm/services/:name/force-update`).

export interface SwarmServiceView {
  /** Swarm's service id. */
  id: string;
  name: string;
  /** The Docker endpoint (a Swarm manager) Vigil reads it from: the incident's host. */
  host: string;
  image?: string;
  /** `replicated` (with `replicas`), `global`, or a job mode. */
  mode: string;
  replicas?: number;
  /** `TaskTemplate.ForceUpdate`: the counter `docker service update --force` raises. */
  forceUpdate: number;
  /** Swarm's object version (`Version.Index`). */
  version: number;
  updatedAt?: string;
  /** Swarm's `UpdateStatus.State` while or after an update (`updating`, `completed`, `paused`…). */
  updateState?: string;
}

/** `POST /api/swarm/services/:name/force-update` (200): Swarm accepted the new spec and replaces every task. */
export interface ForceUpdateResult {
  service: string;
  host: string;
  serviceId: string;
  /** The counter before and after (after = before + 1). */
  previousForceUpdate: number;
  forceUpdate: number;
  /** The id of the signal on the service's timeline. */
  actionId: string;
}
