// Builders for the signals people and the supervisor cause, so the engine has one input type.
// Callers store these like any other signal, then feed them to the engine.
import { stableId } from './ids.ts';
import { KIND } from './kinds.ts';
import type { Signal } from './signal.ts';

export interface IncidentRef {
  id: string;
  service: string;
  host: string;
}

export interface ContainerRef {
  /** Docker's container id. */
  id: string;
  name: string;
  /** The Docker endpoint's name. */
  host: string;
  service: string;
}

export type UserCommand =
  | { kind: typeof KIND.acknowledge; incident: IncidentRef; actor: string }
  | { kind: typeof KIND.note; incident: IncidentRef; actor: string; text: string }
  | { kind: typeof KIND.resolve; incident: IncidentRef; actor: string; reason: string };

/** `requestId` tells apart two identical commands made in the same millisecond (else they are one). */
export function userCommandSignal(command: UserCommand, at: string, requestId = ''): Signal {
  const detail = command.kind === KIND.note ? command.text : command.kind === KIND.resolve ? command.reason : '';
  const attributes: Record<string, unknown> = { actor: command.actor, incidentId: command.incident.id };
  if (command.kind === KIND.note) attributes['text'] = command.text;
  if (command.kind === KIND.resolve) attributes['reason'] = command.reason;
  return {
    id: stableId('usr', command.kind, command.incident.id, command.actor, at, detail, requestId),
    source: 'user',
    host: command.incident.host,
    at,
    kind: command.kind,
    service: command.incident.service,
    attributes,
    raw: command,
  };
}

function containerSignal(kind: string, source: Signal['source'], container: ContainerRef, at: string, id: string, attributes: Record<string, unknown>): Signal {
  return {
    id, source, host: container.host, at, kind, service: container.service, container: container.id,
    attributes: { containerId: container.id, name: container.name, ...attributes },
    raw: { kind, container, at, ...attributes },
  };
}

/** Written before Vigil acts: the kill and die the restart causes are then not a failure. */
export function restartRequestedSignal(input: { container: ContainerRef; actor: string; actionId: string; at: string }): Signal {
  return containerSignal(KIND.restartRequested, 'user', input.container, input.at, stableId('act', 'requested', input.actionId),
    { actor: input.actor, actionId: input.actionId });
}

/** Written after the restart returned; `actor` is the person, or 'supervisor'. */
export function restartResultSignal(input: {
  container: ContainerRef; actor: string; actionId: string; at: string; ok: boolean; error?: string; durationMs?: number;
}): Signal {
  const attributes: Record<string, unknown> = { actor: input.actor, actionId: input.actionId, ok: input.ok };
  if (input.error !== undefined) attributes['error'] = input.error;
  if (input.durationMs !== undefined) attributes['durationMs'] = input.durationMs;
  return containerSignal(KIND.restartResult, input.actor === 'supervisor' ? 'supervisor' : 'user', input.container, input.at,
    stableId('act', 'result', input.actionId), attributes);
}

/** Written when the supervisor issues the restart (before the Docker events it causes). */
export function supervisorRestartSignal(input: {
  container: ContainerRef; at: string; attempt: number; nextBackoffMs: number; reason: string; decisionId: string;
}): Signal {
  return containerSignal(KIND.supervisorRestart, 'supervisor', input.container, input.at, stableId('sup', 'restart', input.decisionId),
    { attempt: input.attempt, nextBackoffMs: input.nextBackoffMs, reason: input.reason, actor: 'supervisor' });
}

export function breakerOpenSignal(input: { container: ContainerRef; at: string; restarts: number; windowMs: number }): Signal {
  return containerSignal(KIND.breakerOpen, 'supervisor', input.container, input.at,
    stableId('sup', 'breaker', input.container.host, input.container.id, input.at),
    { restarts: input.restarts, windowMs: input.windowMs, actor: 'supervisor' });
}

export function supervisionSignal(input: { container: ContainerRef; at: string; paused: boolean; actor: string }): Signal {
  const kind = input.paused ? KIND.supervisionPaused : KIND.supervisionResumed;
  return containerSignal(kind, 'supervisor', input.container, input.at,
    stableId('sup', kind, input.container.host, input.container.id, input.at), { actor: input.actor });
}

export type NotificationKind = typeof KIND.notificationSent | typeof KIND.notificationEscalated | typeof KIND.notificationFailed
  | typeof KIND.notificationSuppressed;

/**
 * What paging did, for the incident's timeline. `key` names the fact once (a delivery id and its
 * outcome, an escalation step), so recording it twice after a crash stores it once.
 */
export function notificationSignal(input: {
  kind: NotificationKind; incident: IncidentRef; at: string; key: string; message: string; facts?: Record<string, unknown>;
}): Signal {
  return {
    id: stableId('ntf', input.kind, input.incident.id, input.key),
    source: 'system',
    host: input.incident.host,
    at: input.at,
    kind: input.kind,
    service: input.incident.service,
    attributes: { ...input.facts, incidentId: input.incident.id, message: input.message, actor: 'vigil' },
    raw: { kind: input.kind, incidentId: input.incident.id, key: input.key, ...input.facts },
  };
}

/** A person forced an update of a Swarm service (`docker service update --force`), and how it went. */
export function swarmForceUpdateSignal(input: {
  service: string; host: string; serviceId: string; actor: string; actionId: string; at: string; ok: boolean; forceUpdate?: number; error?: string;
}): Signal {
  const attributes: Record<string, unknown> = { actor: input.actor, actionId: input.actionId, serviceId: input.serviceId, ok: input.ok };
  if (input.forceUpdate !== undefined) attributes['forceUpdate'] = input.forceUpdate;
  if (input.error !== undefined) attributes['error'] = input.error;
  return {
    id: stableId('act', 'force-update', input.actionId), source: 'user', host: input.host, at: input.at,
    kind: KIND.swarmForceUpdate, service: input.service, attributes, raw: { kind: KIND.swarmForceUpdate, ...input },
  };
}

/** A person asked to roll a change back (written before Docker is asked): the die of the container it replaces is asked for. */
export function rollbackRequestedSignal(input: { container: ContainerRef; actor: string; actionId: string; at: string; changeId: string; fromImage: string; toImage: string }): Signal {
  return containerSignal(KIND.rollbackRequested, 'user', input.container, input.at, stableId('act', 'rollback-requested', input.actionId),
    { actor: input.actor, actionId: input.actionId, changeId: input.changeId, fromImage: input.fromImage, toImage: input.toImage });
}

/** How the roll back went; `newContainerId` is the container that runs the previous image. */
export function rollbackResultSignal(input: {
  container: ContainerRef; actor: string; actionId: string; at: string; changeId: string; toImage: string; ok: boolean; error?: string; durationMs: number; newContainerId?: string;
}): Signal {
  const attributes: Record<string, unknown> = {
    actor: input.actor, actionId: input.actionId, changeId: input.changeId, toImage: input.toImage, ok: input.ok, durationMs: input.durationMs,
  };
  if (input.error !== undefined) attributes['error'] = input.error;
  if (input.newContainerId !== undefined) attributes['newContainerId'] = input.newContainerId;
  return containerSignal(KIND.rollbackResult, 'user', input.container, input.at, stableId('act', 'rollback-result', input.actionId), attributes);
}
