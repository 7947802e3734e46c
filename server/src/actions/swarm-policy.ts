// The supervisor and Swarm: a container that runs a Swarm task belongs to Swarm, whose restart policy
// replaces a failed task with a new one; Vigil restarting the old container would fight it. Pure.
import type { Signal } from '../domain/index.ts';
import type { ContainerFacts } from '../sources/docker/containers.ts';

/** The Swarm task a container runs (label com.docker.swarm.task.id), if it runs one. */
export function swarmTaskOf(facts: ContainerFacts, signal?: Signal): string | undefined {
  const fromSignal = signal?.attributes['swarmTaskId'];
  return facts.container.swarm?.taskId ?? facts.labels['com.docker.swarm.task.id'] ?? (typeof fromSignal === 'string' && fromSignal !== '' ? fromSignal : undefined);
}

export function leftToSwarmMessage(container: string, service: string, what: string): string {
  return `${container} ${what}; it runs a task of Swarm service ${service}, so Swarm's restart policy replaces it and the supervisor leaves it alone (even with vigil.supervise=true)`;
}
