// The supervisor's rules, pure: when to restart a supervised container, how long to wait first
// (exponential back-off), when to leave it to Docker's own restart policy, and when to give up
// (the restart-loop breaker). Every decision carries a reason in a responder's words.
import { formatDuration } from '../domain/time.ts';
import { signalName } from '../sources/docker/evidence.ts';

export interface SupervisorPolicy {
  /** The breaker opens at the death after this many supervisor restarts within `windowMs`. */
  maxRestarts: number;
  windowMs: number;
  baseBackoffMs: number;
  maxBackoffMs: number;
  /** A container that ran this long since the supervisor's last restart starts again at the base back-off. */
  stableAfterMs: number;
  /** How long Docker's own restart policy gets to act before the supervisor looks again. */
  dockerGraceMs: number;
}

export const DEFAULT_POLICY: SupervisorPolicy = {
  maxRestarts: 5,
  windowMs: 5 * 60_000,
  baseBackoffMs: 500,
  maxBackoffMs: 30_000,
  stableAfterMs: 10_000,
  dockerGraceMs: 1_500,
};

export interface SupervisionState {
  /** Restarts in a row without the container staying up `stableAfterMs`. */
  attempts: number;
  /** When the supervisor restarted it (ms), newest last. */
  restarts: number[];
  lastRestartAtMs?: number;
  breakerOpenedAtMs?: number;
}

export const FRESH_STATE: SupervisionState = { attempts: 0, restarts: [] };

export type Trigger =
  | { type: 'death'; exitCode?: number; killSignal?: string; oomKilled?: boolean; restartPolicy: string; policyWillFire: boolean }
  | { type: 'unhealthy' }
  /** `downSinceMs`: when Prometheus first saw it down (the signal's time). */
  | { type: 'service_down'; downSinceMs: number; startedAtMs?: number; instance?: string };

export type Decision =
  | { action: 'restart'; delayMs: number; attempt: number; nextBackoffMs: number; reason: string; message: string }
  | { action: 'defer'; delayMs: number; message: string }
  | { action: 'breaker'; restarts: number; message: string }
  /** Labelled vigil.restartable=false as well as vigil.supervise=true: the owner said never restart it. */
  | { action: 'refuse'; message: string }
  | { action: 'ignore'; message?: string };

/** The wait before restart number `attempt` (1-based): base, doubling, capped. */
export function backoffMs(attempt: number, p: SupervisorPolicy): number {
  return Math.min(p.maxBackoffMs, p.baseBackoffMs * 2 ** Math.max(0, attempt - 1));
}

/** Why the supervisor acts, as a responder would say it. */
export function triggerReason(service: string, t: Trigger): string {
  switch (t.type) {
    case 'unhealthy': return `${service} is unhealthy: its health check keeps failing`;
    case 'service_down': return `Prometheus reports ${service} down${t.instance ? ` (${t.instance})` : ''} while Docker says its container runs`;
    case 'death': {
      if (t.oomKilled) return `${service} ran out of memory and was killed`;
      if (t.killSignal !== undefined) {
        return `${service} was killed with ${signalName(t.killSignal)} through the Docker API, and Docker's restart policies never restart a kill`;
      }
      const exit = t.exitCode === undefined ? '' : ` (exit code ${t.exitCode})`;
      const policy = t.restartPolicy === '' ? 'it has no restart policy' : `Docker's restart policy (${t.restartPolicy}) did not restart it`;
      return t.exitCode === 0 ? `${service} exited${exit} and ${policy}` : `${service} crashed${exit} and ${policy}`;
    }
  }
}

function inWindow(s: SupervisionState, nowMs: number, p: SupervisorPolicy): number[] {
  return s.restarts.filter((t) => t > nowMs - p.windowMs);
}

/** Why a container labelled both ways is left alone, as a responder would read it. */
export function notRestartableMessage(service: string, t: Trigger): string {
  return `${triggerReason(service, t)}; it is labelled vigil.supervise=true but also vigil.restartable=false, and Vigil never restarts a container labelled so — the supervisor leaves it as it is. Restart it by hand, or remove one of the two labels`;
}

export function decide(s: SupervisionState, t: Trigger, ctx: { service: string; nowMs: number; restartable?: boolean }, p: SupervisorPolicy): Decision {
  const { service, nowMs } = ctx;
  // Before everything else: the restart button and API refuse such a container, so must the supervisor.
  if (ctx.restartable === false) return { action: 'refuse', message: notRestartableMessage(service, t) };
  if (s.breakerOpenedAtMs !== undefined) return { action: 'ignore' };
  if (t.type === 'service_down' && t.startedAtMs !== undefined && t.startedAtMs > t.downSinceMs) {
    // Prometheus' report is about the run before: the container (re)started after it went down.
    return {
      action: 'ignore',
      message: `Prometheus reports ${service} down since ${new Date(t.downSinceMs).toISOString()}, but its container started ${formatDuration(t.startedAtMs - t.downSinceMs)} after that; the report is about its previous run, so the supervisor does not restart it`,
    };
  }
  if (t.type === 'death' && t.policyWillFire) {
    return {
      action: 'defer',
      delayMs: p.dockerGraceMs,
      message: `${service} died${t.exitCode === undefined ? '' : ` (exit code ${t.exitCode})`}; Docker's restart policy (${t.restartPolicy}) will start it again, so the supervisor leaves it to Docker and checks back in ${formatDuration(p.dockerGraceMs)}`,
    };
  }
  const recent = inWindow(s, nowMs, p);
  if (recent.length >= p.maxRestarts) {
    return {
      action: 'breaker',
      restarts: recent.length,
      message: `${triggerReason(service, t)}; the supervisor already restarted it ${recent.length} times in ${formatDuration(p.windowMs)}, so it stops here and leaves ${service} as it is — fix the cause, then restart it through Vigil (that closes the breaker) or resume supervision`,
    };
  }
  const stable = s.lastRestartAtMs !== undefined && nowMs - s.lastRestartAtMs > p.stableAfterMs;
  const attempt = (stable ? 0 : s.attempts) + 1;
  const delayMs = backoffMs(attempt, p);
  const reason = triggerReason(service, t);
  return {
    action: 'restart', delayMs, attempt, nextBackoffMs: backoffMs(attempt + 1, p), reason,
    message: `${reason}; the supervisor restarts it in ${formatDuration(delayMs)} (attempt ${attempt})`,
  };
}

/** The state after a supervisor restart was issued. */
export function afterRestart(s: SupervisionState, attempt: number, nowMs: number, p: SupervisorPolicy): SupervisionState {
  return { ...s, attempts: attempt, lastRestartAtMs: nowMs, restarts: [...inWindow(s, nowMs, p), nowMs] };
}

export function openBreaker(s: SupervisionState, nowMs: number): SupervisionState {
  return { ...s, breakerOpenedAtMs: nowMs };
}

/** A person stepped in (restart through Vigil, supervision resumed): start afresh. */
export function reset(): SupervisionState {
  return FRESH_STATE;
}
