// Changes: a service's container recreated with another image or configuration (`GET /api/changes`,
// an incident's suspected change, `POST /api/changes/:id/rollback`).

/** One change, as `GET /api/changes` lists it. Env is named, never valued. */
export interface Change {
  /** The `container.change` signal's id. */
  id: string;
  at: string;
  service: string;
  host: string;
  containerId: string;
  containerName?: string;
  oldContainerId?: string;
  oldContainerName?: string;
  oldImage?: string;
  newImage?: string;
  oldImageId?: string;
  newImageId?: string;
  oldDigests?: string[];
  newDigests?: string[];
  /** What differs, by name: `image`, `image id`, `env NAME`, `command`, `ports`, `label NAME`, `compose config`… */
  changed: string[];
  /** From the new container's `vigil.changed-by` label. */
  changedBy?: string;
  /** From `org.opencontainers.image.revision` (else `.version`). */
  revision?: string;
  /** Compose project and service, when the container is Compose's (a roll back is then Compose's to do). */
  project?: string;
  composeService?: string;
  /** The Swarm service, when the container is a Swarm task's. */
  swarmService?: string;
}

/** The change an incident's failure followed within `CHANGE_WINDOW_MINUTES`. */
export interface SuspectedChange {
  signalId: string;
  at: string;
  containerId: string;
  containerName?: string;
  oldImage?: string;
  newImage?: string;
  oldImageId?: string;
  newImageId?: string;
  changed: string[];
  changedBy?: string;
  /** How long before the failure that linked it the change was made. */
  beforeMs: number;
}

/**
 * `POST /api/changes/:id/rollback` (202): the roll back is on record and under way on this container;
 * its outcome (`action.rollback_result`) goes on the timeline and in the audit log.
 */
export interface RollbackResult {
  actionId: string;
  host: string;
  /** The container being replaced (the one the change made). */
  containerId: string;
  containerName: string;
  fromImage: string;
  /** The previous image: its tag when the tag still names it, else its id. */
  toImage: string;
}
