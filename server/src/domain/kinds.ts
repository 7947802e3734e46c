// The signal kinds the engine understands, and typed reads of a signal's attributes.
import type { Signal } from './signal.ts';

export const KIND = {
  // Docker (sources/docker/normalize.ts): `container.<action>`
  create: 'container.create',
  start: 'container.start',
  restart: 'container.restart',
  kill: 'container.kill',
  oom: 'container.oom',
  die: 'container.die',
  stop: 'container.stop',
  pause: 'container.pause',
  unpause: 'container.unpause',
  destroy: 'container.destroy',
  healthy: 'container.health_status.healthy',
  unhealthy: 'container.health_status.unhealthy',
  // What inspect and the log tail told at a death (sources/docker/evidence.ts; attributes: summary, logs…)
  evidence: 'container.evidence',
  // A service's container recreated with another image or configuration (sources/docker/changes.ts;
  // attributes: oldImage, newImage, oldImageId, newImageId, changed, changedBy…). Never a failure.
  change: 'container.change',
  // Docker Swarm (sources/swarm/): services and nodes from the events stream, tasks from polling
  // /tasks. Attributes: taskId, slot, state, error, exitCode, taskContainerId, replacesTask…
  swarmTaskFailed: 'swarm.task_failed',
  swarmTaskRescheduled: 'swarm.task_rescheduled',
  swarmServiceCreated: 'swarm.service_created',
  swarmServiceUpdated: 'swarm.service_updated',
  swarmServiceRemoved: 'swarm.service_removed',
  swarmNodeDown: 'swarm.node_down',
  swarmNodeUp: 'swarm.node_up',
  // Alertmanager (sources/alertmanager/normalize.ts)
  alertFiring: 'alert.firing',
  alertResolved: 'alert.resolved',
  // Prometheus target health (attributes: instance?, job?, expr?)
  serviceDown: 'prometheus.service_down',
  serviceUp: 'prometheus.service_up',
  // People, through the API (commands.ts builds these)
  acknowledge: 'user.acknowledge',
  note: 'user.note',
  resolve: 'user.resolve',
  restartRequested: 'user.restart_requested',
  restartResult: 'action.restart_result',
  /** A person's roll back of a change (actions/rollback.ts): the previous image, same configuration. */
  rollbackRequested: 'user.rollback_requested',
  /** How the roll back went: ok, error, newContainerId, image, durationMs. */
  rollbackResult: 'action.rollback_result',
  /** A person's `docker service update --force` through Vigil (actions/force-update.ts): ok, error, forceUpdate. */
  swarmForceUpdate: 'action.swarm_force_update',
  // The supervisor (commands.ts builds these)
  supervisorRestart: 'supervisor.restart',
  breakerOpen: 'supervisor.breaker_open',
  supervisionPaused: 'supervisor.paused',
  supervisionResumed: 'supervisor.resumed',
  // Paging (paging/dispatcher.ts builds these, source 'system'; attributes: incidentId, message, deliveryId…)
  notificationSent: 'notification.sent',
  notificationEscalated: 'notification.escalated',
  notificationFailed: 'notification.failed',
  notificationSuppressed: 'notification.suppressed',
  // Alertmanager silences (silences/service.ts builds these, source 'system'; attributes: incidentId,
  // message, alertmanager, silenceId, createdBy, endsAt…): Vigil's own, and others' matching the incident's alerts
  silenceCreated: 'silence.created',
  silencePending: 'silence.pending',
  silenceSeen: 'silence.seen',
  silenceExpired: 'silence.expired',
  // Entries the engine writes itself (source 'system')
  mitigated: 'incident.mitigated',
  resolved: 'incident.resolved',
  flapping: 'incident.flapping',
  crashLoop: 'incident.crash_loop',
  /** The change of the service shortly before this incident's failure (engine option changeWindowMs). */
  suspectedChange: 'incident.suspected_change',
} as const;

export function attrString(signal: Signal, key: string): string | undefined {
  const value = signal.attributes[key];
  if (typeof value === 'string' && value !== '') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return undefined;
}

export function attrNumber(signal: Signal, key: string): number | undefined {
  const value = signal.attributes[key];
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string' && /^-?\d+(\.\d+)?$/.test(value)) return Number(value);
  return undefined;
}

export function attrBoolean(signal: Signal, key: string): boolean | undefined {
  const value = signal.attributes[key];
  if (typeof value === 'boolean') return value;
  if (value === 'true') return true;
  if (value === 'false') return false;
  return undefined;
}

/** The container a signal is about: Docker's container id (the normalizer sets `signal.container`). */
export function containerOf(signal: Signal): string | undefined {
  return signal.container ?? attrString(signal, 'containerId') ?? attrString(signal, 'container');
}

/** Who acted, for signals a person (or the supervisor) caused. */
export function actorOf(signal: Signal): string | undefined {
  return attrString(signal, 'actor');
}
