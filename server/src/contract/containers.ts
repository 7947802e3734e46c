// Containers as Vigil shows them (`GET /api/containers`, socket.io `container:update`) and what a
// restart request answers.

export interface Container {
  id: string;
  name: string;
  host: string;
  project?: string;
  service?: string;
  image: string;
  state: string;
  health?: string;
  supervised: boolean;
  restartCount: number;
  startedAt?: string;
  /** Published ports; `restartable` false when labelled vigil.restartable=false; `supervisionPaused`: maintenance mode. */
  ports?: Array<{ privatePort: number; protocol: string; publicPort?: number; ip?: string }>;
  restartable?: boolean;
  supervisionPaused?: boolean;
  /**
   * Set when the container runs a Docker Swarm task: Swarm's restart policy replaces it, so Vigil's
   * supervisor never restarts it; a responder forces an update of the Swarm service instead.
   */
  swarm?: { service: string; taskId: string };
}

/** `POST /api/containers/:id/restart` (202): the outcome follows on the timeline under this id. */
export interface ActionAccepted {
  actionId: string;
}
