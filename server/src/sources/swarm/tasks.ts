// Swarm's task list (`GET /tasks`, what `docker service ps` shows) → signals. Task state changes are
// not on the events stream, so the poller hands each list here; pure: the same list and cursor give
// the same signals with the same ids, so polling again (or after a restart of Vigil) adds nothing.
import { stableId } from '../../domain/ids.ts';
import { KIND } from '../../domain/kinds.ts';
import type { Signal } from '../../domain/signal.ts';
import { rfc3339ToNanos } from '../docker/stream.ts';
import { isJob, type SwarmService, type SwarmTask } from './schemas.ts';

/** States in which a task ended without being told to: Swarm replaces it (its restart policy permitting). */
const FAILED = new Set(['failed', 'rejected', 'orphaned']);

function nanosOf(rfc3339: string): bigint {
  return rfc3339ToNanos(rfc3339) ?? 0n;
}

function iso(nanos: bigint): string {
  return new Date(Number(nanos / 1_000_000n)).toISOString();
}

/** The slot a task fills: replicated services count slots, global ones have one task per node. */
function slotKey(task: SwarmTask): string {
  return `${task.ServiceID}/${task.Slot ?? task.NodeID ?? task.ID}`;
}

function failedTask(task: SwarmTask, service: SwarmService): boolean {
  const state = task.Status.State;
  if (FAILED.has(state)) return true;
  // Exited 0 on its own ("finished") while its service should keep it running.
  return state === 'complete' && !isJob(service);
}

function base(task: SwarmTask, service: SwarmService): Record<string, unknown> {
  const c = task.Status.ContainerStatus;
  const slot = task.Slot ?? task.NodeID?.slice(0, 12);
  return {
    taskId: task.ID,
    serviceId: service.ID,
    ...(slot === undefined ? {} : { slot }),
    ...(task.NodeID ? { nodeId: task.NodeID } : {}),
    ...(c?.ContainerID ? { taskContainerId: c.ContainerID } : {}),
  };
}

export interface TaskSignals {
  signals: Signal[];
  /** The newest time in the list (task status or creation), epoch nanoseconds: the next cursor. */
  latest: bigint;
}

/**
 * Signals for what happened after `since` (epoch nanoseconds): a task that failed, was rejected or
 * ended on its own (with Swarm's error message), and a new task Swarm created in the slot of an
 * older one (rescheduled). Tasks of services not in `services` are skipped (just removed).
 */
export function taskSignals(host: string, tasks: readonly SwarmTask[], services: readonly SwarmService[], since: bigint): TaskSignals {
  const byId = new Map(services.map((s) => [s.ID, s]));
  const signals: Signal[] = [];
  let latest = since;
  const slots = new Map<string, SwarmTask[]>();
  for (const task of tasks) {
    const list = slots.get(slotKey(task)) ?? [];
    list.push(task);
    slots.set(slotKey(task), list);
    const at = nanosOf(task.Status.Timestamp);
    const created = nanosOf(task.CreatedAt);
    if (at > latest) latest = at;
    if (created > latest) latest = created;
    const service = byId.get(task.ServiceID);
    if (service === undefined || at <= since || !failedTask(task, service)) continue;
    const exitCode = task.Status.ContainerStatus?.ExitCode;
    const error = task.Status.Err ?? (task.Status.State === 'complete' ? 'exited with code 0' : undefined);
    signals.push({
      id: stableId('sw', host, task.ID, task.Status.State),
      source: 'docker', host, at: iso(at), kind: KIND.swarmTaskFailed, service: service.Spec.Name,
      attributes: {
        ...base(task, service), state: task.Status.State,
        ...(error === undefined ? {} : { error }),
        ...(exitCode === undefined || task.Status.State === 'rejected' ? {} : { exitCode }),
        ...(task.Status.Message ? { message: task.Status.Message } : {}),
      },
      raw: task,
    });
  }
  for (const list of slots.values()) {
    list.sort((a, b) => (nanosOf(a.CreatedAt) < nanosOf(b.CreatedAt) ? -1 : nanosOf(a.CreatedAt) > nanosOf(b.CreatedAt) ? 1 : 0));
    for (let i = 1; i < list.length; i += 1) {
      const task = list[i] as SwarmTask;
      const before = list[i - 1] as SwarmTask;
      const service = byId.get(task.ServiceID);
      const created = nanosOf(task.CreatedAt);
      if (service === undefined || created <= since) continue;
      const old = before.Status.ContainerStatus?.ContainerID;
      signals.push({
        id: stableId('sw', host, task.ID, 'rescheduled'),
        source: 'docker', host, at: iso(created), kind: KIND.swarmTaskRescheduled, service: service.Spec.Name,
        attributes: {
          ...base(task, service), replacesTask: before.ID, replacesState: before.Status.State,
          ...(old ? { replacesContainer: old } : {}),
        },
        raw: { task, replaces: before },
      });
    }
  }
  signals.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : a.id < b.id ? -1 : 1));
  return { signals, latest };
}

/** Which services have a task on each node now (a node going down concerns them). */
export function servicesByNode(tasks: readonly SwarmTask[], services: readonly SwarmService[]): Map<string, string[]> {
  const names = new Map(services.map((s) => [s.ID, s.Spec.Name]));
  const out = new Map<string, Set<string>>();
  for (const task of tasks) {
    const name = names.get(task.ServiceID);
    if (task.NodeID === undefined || name === undefined || task.DesiredState !== 'running') continue;
    const set = out.get(task.NodeID) ?? new Set<string>();
    set.add(name);
    out.set(task.NodeID, set);
  }
  return new Map([...out].map(([node, set]) => [node, [...set].sort()]));
}
