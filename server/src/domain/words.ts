// Timeline messages and incident titles, in the sentences a responder would write by hand.
import { KIND, attrNumber, attrString, actorOf } from './kinds.ts';
import type { Signal } from './signal.ts';
import { formatDuration } from './time.ts';

/** Who stops a Swarm task's container during an update of its service (the engine's request marker). */
export const SWARM_UPDATE = 'swarm-update';

export function alertName(signal: Signal): string {
  return attrString(signal, 'alertname') ?? 'unnamed alert';
}

function alertText(signal: Signal): string | undefined {
  return attrString(signal, 'summary') ?? attrString(signal, 'description');
}

/** The incident's title, from the signal that opened it. */
export function titleFor(opener: Signal, service: string): string {
  switch (opener.kind) {
    case KIND.die: return `${service} container died`;
    case KIND.oom: return `${service} container ran out of memory`;
    case KIND.unhealthy: return `${service} container unhealthy`;
    case KIND.serviceDown: return `Prometheus reports ${service} down`;
    case KIND.swarmTaskFailed: return `${service} Swarm task ${attrString(opener, 'state') ?? 'failed'}`;
    case KIND.alertFiring: {
      const text = alertText(opener);
      return text === undefined ? alertName(opener) : `${alertName(opener)}: ${text}`;
    }
    default: return `${service}: ${opener.kind}`;
  }
}

function byWhom(requestedBy: string): string {
  if (requestedBy === SWARM_UPDATE) return "Swarm's update or removal of the service";
  return requestedBy === 'supervisor' ? "the supervisor's restart" : `the restart requested by ${requestedBy}`;
}

/** One sentence for a container's kill → (oom) → die → (stop): Docker's events of one action. */
export function deathMessage(service: string, members: readonly Signal[], requestedBy?: string): string {
  const die = members.find((m) => m.kind === KIND.die);
  const kills = members.filter((m) => m.kind === KIND.kill);
  const lastKill = kills[kills.length - 1];
  const exit = die === undefined ? undefined : attrNumber(die, 'exitCode');
  const exitText = exit === undefined ? 'exit code unknown' : `exit ${exit}`;
  const signal = lastKill === undefined ? undefined : attrString(lastKill, 'signal');
  const stopped = members.some((m) => m.kind === KIND.stop);
  const oom = members.some((m) => m.kind === KIND.oom);
  const detail = oom ? `(OOM killed, ${exitText})` : signal !== undefined ? `(signal ${signal}, ${exitText})` : `(${exitText})`;
  if (requestedBy !== undefined) return `${service} container stopped for ${byWhom(requestedBy)} ${detail}`;
  if (oom) return `${service} container died — out of memory ${detail}`;
  if (signal !== undefined) return stopped ? `${service} container stopped ${detail}` : `${service} container died — killed ${detail}`;
  if (exit === 0) return `${service} container exited ${detail}`;
  if (exit !== undefined && exit > 128) return `${service} container died — terminated by signal ${exit - 128} ${detail}`;
  return `${service} container died — crashed ${detail}`;
}

/** One sentence for (create →) start (→ restart). */
export function startMessage(service: string, members: readonly Signal[]): string {
  if (members.some((m) => m.kind === KIND.restart)) return `${service} container restarted`;
  if (members.some((m) => m.kind === KIND.create)) return `${service} container created and started`;
  return `${service} container started`;
}

/** A Docker event that stands alone on the timeline. */
export function containerMessage(service: string, signal: Signal): string {
  switch (signal.kind) {
    case KIND.kill: return `${service} container was sent signal ${attrString(signal, 'signal') ?? '?'}`;
    case KIND.oom: return `${service} container ran out of memory`;
    case KIND.create: return `${service} container created`;
    case KIND.stop: return `${service} container stopped`;
    case KIND.restart: return `${service} container restarted`;
    case KIND.pause: return `${service} container paused`;
    case KIND.unpause: return `${service} container unpaused`;
    case KIND.destroy: return `${service} container removed`;
    case KIND.healthy: return `${service} container is healthy`;
    case KIND.unhealthy: return `${service} container became unhealthy (health check failing)`;
    case KIND.evidence: return attrString(signal, 'summary') ?? `${service} container: what Docker told at its death`;
    default: return `${service} container: ${signal.kind.replace(/^container\./, '').replaceAll('.', ' ')}`;
  }
}

export function alertMessage(signal: Signal): string {
  const name = alertName(signal);
  if (signal.kind === KIND.alertResolved) return `Alert ${name} resolved`;
  const text = alertText(signal);
  return text === undefined ? `Alert ${name} firing` : `Alert ${name} firing: ${text}`;
}

export function prometheusMessage(service: string, signal: Signal): string {
  const where = attrString(signal, 'instance');
  const suffix = where === undefined ? '' : ` (${where})`;
  return signal.kind === KIND.serviceUp
    ? `Prometheus reports ${service} up again${suffix}`
    : `Prometheus reports ${service} down${suffix}`;
}

/** Commands from people and the outcomes of their actions. */
export function commandMessage(service: string, signal: Signal): string {
  const actor = actorOf(signal) ?? 'someone';
  switch (signal.kind) {
    case KIND.acknowledge: return `acknowledged by ${actor}`;
    case KIND.note: return attrString(signal, 'text') ?? `note by ${actor}`;
    case KIND.resolve: {
      const reason = attrString(signal, 'reason');
      return reason === undefined ? `resolved by ${actor}` : `resolved by ${actor}: ${reason}`;
    }
    case KIND.restartRequested: return `restart requested by ${actor}`;
    case KIND.restartResult: {
      const took = attrNumber(signal, 'durationMs');
      const by = actor === 'supervisor' ? 'by the supervisor' : `requested by ${actor}`;
      if (signal.attributes['ok'] === true) {
        return `${service} restarted (${by}${took === undefined ? '' : `, took ${formatDuration(took)}`})`;
      }
      return `restart of ${service} failed (${by}): ${attrString(signal, 'error') ?? 'unknown error'}`;
    }
    case KIND.rollbackRequested:
      return `roll back of ${service} requested by ${actor}: ${attrString(signal, 'fromImage') ?? '?'} → ${attrString(signal, 'toImage') ?? '?'}`;
    case KIND.rollbackResult: {
      const took = attrNumber(signal, 'durationMs');
      if (signal.attributes['ok'] === true) {
        return `${service} rolled back to ${attrString(signal, 'toImage') ?? 'the previous image'} (requested by ${actor}${took === undefined ? '' : `, took ${formatDuration(took)}`})`;
      }
      return `roll back of ${service} failed (requested by ${actor}): ${attrString(signal, 'error') ?? 'unknown error'}`;
    }
    case KIND.swarmForceUpdate: {
      if (signal.attributes['ok'] === true) {
        return `${actor} forced an update of Swarm service ${service}: Swarm replaces every task (ForceUpdate ${attrString(signal, 'forceUpdate') ?? '?'})`;
      }
      return `forced update of Swarm service ${service} by ${actor} failed: ${attrString(signal, 'error') ?? 'unknown error'}`;
    }
    default: return `${signal.kind} by ${actor}`;
  }
}

export function supervisorMessage(service: string, signal: Signal): string {
  switch (signal.kind) {
    case KIND.supervisorRestart: {
      const attempt = attrNumber(signal, 'attempt');
      const next = attrNumber(signal, 'nextBackoffMs');
      const parts = [attempt === undefined ? undefined : `attempt ${attempt}`,
        next === undefined ? undefined : `next back-off ${formatDuration(next)}`].filter((p) => p !== undefined);
      return `supervisor restarted ${service}${parts.length > 0 ? ` (${parts.join(', ')})` : ''}`;
    }
    case KIND.breakerOpen: {
      const restarts = attrNumber(signal, 'restarts');
      const window = attrNumber(signal, 'windowMs');
      const why = restarts !== undefined && window !== undefined ? `${restarts} restarts in ${formatDuration(window)}` : 'too many restarts';
      return `supervisor stopped restarting ${service}: ${why} (restart-loop breaker open)`;
    }
    case KIND.supervisionPaused: return `supervision of ${service} paused by ${actorOf(signal) ?? 'someone'}`;
    case KIND.supervisionResumed: return `supervision of ${service} resumed by ${actorOf(signal) ?? 'someone'}`;
    default: return attrString(signal, 'message') ?? `supervisor: ${signal.kind.replace(/^supervisor\./, '')}`;
  }
}

export function mitigatedMessage(service: string, alertOnly: boolean): string {
  return alertOnly
    ? `${service} recovered: every alert resolved`
    : `${service} recovered: every container running and healthy`;
}

export function resolvedMessage(service: string, quietPeriodMs: number): string {
  return `resolved: ${service} stayed healthy with no alert firing for ${formatDuration(quietPeriodMs)}`;
}

export function flappingMessage(service: string, afterMs: number, times: number): string {
  const count = times === 1 ? '' : ` (${ordinal(times)} time)`;
  return `${service} failed again ${formatDuration(afterMs)} after recovering — re-opened, flapping${count}`;
}

export function crashLoopMessage(service: string, deaths: number, spanMs: number): string {
  return `${service} is crash-looping: ${deaths} deaths in ${formatDuration(spanMs)} — severity raised to critical`;
}

function ordinal(n: number): string {
  const tens = n % 100;
  if (tens >= 11 && tens <= 13) return `${n}th`;
  return `${n}${['th', 'st', 'nd', 'rd'][n % 10] ?? 'th'}`;
}

/** A Swarm task, as `docker service ps` names it: service.slot (or service.node for a global service). */
function taskName(service: string, signal: Signal): string {
  const slot = attrString(signal, 'slot');
  return slot === undefined ? `${service} task` : `${service}.${slot}`;
}

/** Swarm's services, tasks and nodes (sources/swarm). */
export function swarmMessage(service: string, signal: Signal): string {
  const task = taskName(service, signal);
  const id = attrString(signal, 'taskId')?.slice(0, 12) ?? '?';
  switch (signal.kind) {
    case KIND.swarmTaskFailed: {
      const error = attrString(signal, 'error');
      const why = error === undefined ? '' : `: ${error}`;
      switch (attrString(signal, 'state')) {
        case 'rejected': return `Swarm rejected task ${task} (${id})${why}`;
        case 'complete': return `Swarm task ${task} (${id}) exited on its own although its service should keep it running${why}`;
        case 'orphaned': return `Swarm task ${task} (${id}) was orphaned: its node stopped answering${why}`;
        default: return `Swarm task ${task} (${id}) failed${why}`;
      }
    }
    case KIND.swarmTaskRescheduled: {
      const old = attrString(signal, 'replacesTask')?.slice(0, 12) ?? '?';
      const oldState = attrString(signal, 'replacesState');
      const after = oldState === undefined ? '' : ` (that one ${oldState === 'shutdown' ? 'was shut down' : oldState})`;
      return `Swarm rescheduled ${task}: new task ${id} in place of ${old}${after}`;
    }
    case KIND.swarmServiceCreated: return `Swarm service ${service} created`;
    case KIND.swarmServiceRemoved: return `Swarm service ${service} removed`;
    case KIND.swarmServiceUpdated: {
      const state = attrString(signal, 'updateState');
      return state === undefined ? `Swarm service ${service} updated` : `Swarm service ${service}: update ${state}`;
    }
    case KIND.swarmNodeDown: return `Swarm node ${attrString(signal, 'node') ?? '?'} is down (it runs tasks of ${service})`;
    case KIND.swarmNodeUp: return `Swarm node ${attrString(signal, 'node') ?? '?'} is ready again (it runs tasks of ${service})`;
    default: return `Swarm: ${signal.kind.replace(/^swarm\./, '').replaceAll('_', ' ')}`;
  }
}

function utcMinute(iso: string | undefined): string {
  if (iso === undefined || Number.isNaN(Date.parse(iso))) return 'an unknown time';
  return `${new Date(iso).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** A silence in Alertmanager (silences/signals.ts): Vigil's own, or one someone made there. */
export function silenceMessage(signal: Signal): string {
  const where = attrString(signal, 'amHost') ?? attrString(signal, 'alertmanager') ?? '?';
  const by = attrString(signal, 'createdBy') ?? 'someone';
  const alert = attrString(signal, 'alertname');
  const what = alert === undefined ? 'the alerts' : `alert ${alert}`;
  const comment = attrString(signal, 'comment');
  switch (signal.kind) {
    case KIND.silenceCreated: return `${what} silenced in Alertmanager ${where} until ${utcMinute(attrString(signal, 'endsAt'))} (silence ${attrString(signal, 'silenceId') ?? '?'})`;
    case KIND.silencePending: {
      const error = attrString(signal, 'error');
      const why = signal.attributes['refused'] === true ? 'refused it' : 'unreachable';
      return `silence not created yet: Alertmanager ${where} ${why}, retrying${error === undefined ? '' : ` (${error})`}`;
    }
    case KIND.silenceSeen: return `silenced in Alertmanager ${where} by ${by} until ${utcMinute(attrString(signal, 'endsAt'))}${comment === undefined ? '' : `: ${comment}`}`;
    case KIND.silenceExpired: {
      const why = attrString(signal, 'reason');
      return `silence ${attrString(signal, 'silenceId') ?? '?'} by ${by} in Alertmanager ${where} expired${why === undefined ? '' : ` (${why})`}`;
    }
    default: return attrString(signal, 'message') ?? signal.kind;
  }
}

function imageText(signal: Signal): string {
  const from = attrString(signal, 'oldImage') ?? '?';
  const to = attrString(signal, 'newImage') ?? '?';
  if (from !== to) return `${from} → ${to}`;
  const ids = (id: string | undefined) => (id === undefined ? '?' : id.replace(/^sha256:/, '').slice(0, 12));
  const oldId = attrString(signal, 'oldImageId');
  const newId = attrString(signal, 'newImageId');
  return oldId !== newId ? `${to} (image ${ids(oldId)} → ${ids(newId)})` : to;
}

function changedText(signal: Signal): string {
  const changed = signal.attributes['changed'];
  const names = Array.isArray(changed) ? changed.filter((c): c is string => typeof c === 'string' && c !== 'image' && c !== 'image id') : [];
  return names.length === 0 ? '' : `; also changed: ${names.slice(0, 6).join(', ')}${names.length > 6 ? ` and ${names.length - 6} more` : ''}`;
}

/** A change of the service: `backend changed: app:v1 → app:v2 (by alice); also changed: env FOO`. */
export function changeMessage(service: string, signal: Signal): string {
  const by = attrString(signal, 'changedBy');
  return `${service} changed: ${imageText(signal)}${by === undefined ? '' : ` (by ${by})`}${changedText(signal)}`;
}

/** `suspected change: backend app:v1 → app:v2, 4 min before`. */
export function suspectedChangeMessage(service: string, change: Signal, beforeMs: number): string {
  return `suspected change: ${service} ${imageText(change)}, ${formatDuration(beforeMs)} before`;
}
