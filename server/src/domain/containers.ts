// What Docker last said about each container of a service, to tell when the service is healthy again.
import { KIND, attrString } from './kinds.ts';
import type { ContainerState, Machine } from './machine.ts';
import type { Signal } from './signal.ts';

export function updateContainer(m: Machine, container: string, signal: Signal): void {
  // The container of a Swarm task takes the place the task held since Swarm created it (swarm-step.ts).
  const task = attrString(signal, 'swarmTaskId');
  if (task !== undefined) delete m.containers[`swarm-task:${task}`];
  if (signal.kind === KIND.destroy) {
    const { [container]: _gone, ...rest } = m.containers;
    m.containers = rest;
    return;
  }
  // A container seen for the first time was running unless this event says otherwise.
  const state: ContainerState = m.containers[container] ?? { running: true, health: null, hasHealthcheck: false };
  const name = attrString(signal, 'name');
  if (name !== undefined) state.name = name;
  switch (signal.kind) {
    case KIND.create:
      state.running = false;
      break;
    case KIND.start:
      state.running = true;
      state.health = state.hasHealthcheck ? 'starting' : null;
      break;
    case KIND.restart:
    case KIND.unpause:
      state.running = true;
      break;
    case KIND.die:
      state.running = false;
      state.health = null;
      break;
    case KIND.stop:
    case KIND.pause:
      state.running = false;
      break;
    default:
      if (signal.kind.startsWith('container.health_status.')) {
        state.hasHealthcheck = true;
        state.health = signal.kind.slice('container.health_status.'.length);
      }
  }
  m.containers[container] = state;
}

/** Every known container of the service runs, and is healthy where it has a health check. */
export function containersOk(m: Machine): boolean {
  return Object.values(m.containers).every((c) => c.retired === true || (c.running && (!c.hasHealthcheck || c.health === 'healthy')));
}

export function containerSnapshot(m: Machine): Array<{ id: string; name?: string; running: boolean; health: string | null }> {
  // A retired Swarm task's container is no part of the service any more (whether or not its destroy came yet).
  return Object.entries(m.containers)
    .filter(([, c]) => c.retired !== true)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([id, c]) => ({ id, ...(c.name === undefined ? {} : { name: c.name }), running: c.running, health: c.health }));
}
