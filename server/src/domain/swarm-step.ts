// How a Swarm signal moves a service's machine (sources/swarm): a failed task is a failure of the
// service; a task Swarm put in place of another retires the old task's container, which Swarm never
// starts again, so the service is healthy once its current tasks run; an update of the service opens
// a window in which Swarm's own stopping of old tasks is not a failure. A new task counts as a
// container that does not run yet until its own container's events take its place.
import { KIND, attrString } from './kinds.ts';
import { failure } from './lifecycle.ts';
import { addEntry, touch } from './machine.ts';
import type { Machine } from './machine.ts';
import type { EngineOptions } from './options.ts';
import type { Signal } from './signal.ts';
import { SWARM_UPDATE, swarmMessage } from './words.ts';

/** Task states in which a task ended by itself (sources/swarm/tasks.ts says which are failures). */
const ENDED = new Set(['failed', 'rejected', 'orphaned', 'complete']);

function openUpdateWindow(m: Machine, t: number): void {
  m.requests = [...m.requests, { container: SWARM_UPDATE, atMs: t, by: SWARM_UPDATE }];
}

/** Where a new Swarm task stands among the service's containers until its own container shows up. */
export function taskPlaceholder(taskId: string): string {
  return `swarm-task:${taskId}`;
}

/** Marks a Swarm task's container as replaced: it no longer counts towards the service's health. */
function retire(m: Machine, container: string | undefined): void {
  if (container === undefined) return;
  const state = m.containers[container] ?? { running: false, health: null, hasHealthcheck: false };
  state.retired = true;
  m.containers[container] = state;
}

export function swarmStep(m: Machine, signal: Signal, t: number, o: EngineOptions): void {
  const message = swarmMessage(m.service, signal);
  const entry = () => ({ atMs: t, source: signal.source, kind: signal.kind, message, signals: [signal] });
  switch (signal.kind) {
    case KIND.swarmTaskFailed: {
      const draft = failure(m, signal, t, o, false);
      addEntry(m, draft.id, entry());
      return;
    }
    case KIND.swarmTaskRescheduled: {
      retire(m, attrString(signal, 'replacesContainer'));
      // A replaced task that never got a container (rejected, still pending) no longer holds its slot.
      const replaced = attrString(signal, 'replacesTask');
      if (replaced !== undefined) delete m.containers[taskPlaceholder(replaced)];
      // A task replaced while it had not failed: Swarm is rolling an update through (of any length),
      // and is about to stop that task's container.
      if (!ENDED.has(attrString(signal, 'replacesState') ?? '')) openUpdateWindow(m, t);
      // Until the new task's container runs, the service is not back: its place holds the slot.
      const task = attrString(signal, 'taskId');
      if (task !== undefined) m.containers[taskPlaceholder(task)] = { name: `${m.service} task ${task.slice(0, 12)} (not started yet)`, running: false, health: null, hasHealthcheck: false };
      break;
    }
    case KIND.swarmServiceUpdated:
      // Swarm stops the old tasks of an update (kill → die → stop): asked for, not a failure.
      if (attrString(signal, 'updateState') !== 'completed') openUpdateWindow(m, t);
      break;
    case KIND.swarmServiceRemoved:
      // …and every task of a service someone removed.
      openUpdateWindow(m, t);
      break;
    case KIND.swarmNodeDown: {
      const draft = failure(m, signal, t, o, false);
      addEntry(m, draft.id, entry());
      return;
    }
    default:
  }
  if (m.active === null) return;
  touch(m.active, signal);
  addEntry(m, m.active.id, entry());
}

/** A die during an update of its Swarm service, caused by a kill: Swarm stopping an old task. */
export function swarmUpdateExplains(m: Machine, t: number, killed: boolean): string | undefined {
  if (!killed) return undefined;
  return m.requests.some((r) => r.container === SWARM_UPDATE && r.atMs <= t) ? SWARM_UPDATE : undefined;
}
