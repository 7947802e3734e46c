// Containers in the UI's words: state and health in the colour language, why a restart is refused,
// and what the outcome of one is. Pure.
import type { Container, Role } from '@vigil/server/contract';
import type { Tone } from './connection.ts';
import { roleRefusal } from './session.ts';

export function stateTone(c: Pick<Container, 'state' | 'health'>): Tone {
  if (c.state === 'running') return c.health === 'unhealthy' ? 'critical' : c.health === 'starting' ? 'warning' : 'resolved';
  if (c.state === 'restarting' || c.state === 'created' || c.state === 'paused') return 'warning';
  if (c.state === 'exited' || c.state === 'dead' || c.state === 'removing') return 'critical';
  return 'unknown';
}

export function stateGlyph(c: Pick<Container, 'state' | 'health'>): string {
  const tone = stateTone(c);
  return tone === 'resolved' ? '●' : tone === 'critical' ? '■' : tone === 'warning' ? '▲' : '○';
}

export function healthTone(health: string | undefined): Tone {
  return health === 'healthy' ? 'resolved' : health === 'unhealthy' ? 'critical' : health === 'starting' ? 'warning' : 'unknown';
}

/** False when the container is labelled `vigil.restartable=false`. */
export function isRestartable(c: Container): boolean {
  return c.restartable !== false;
}

/** Whether a person paused the supervisor for this container (maintenance mode). */
export function isSupervisionPaused(c: Container): boolean {
  return c.supervisionPaused === true;
}

export function supervisionLabel(c: Container): string {
  if (c.swarm !== undefined) return `Swarm task of ${c.swarm.service}: Swarm restarts it`;
  if (!c.supervised) return 'not supervised';
  // What a person did last comes first: they paused it, whatever else holds.
  if (isSupervisionPaused(c)) return 'paused';
  // Both labels: the supervisor refuses to heal it, and says so on the timeline and in the log.
  if (!isRestartable(c)) return 'not healed: vigil.restartable=false';
  return 'supervised';
}

/** Why Restart is refused for this person and container; null when it is allowed. */
export function restartRefusal(c: Container, role: Role | undefined): string | null {
  return roleRefusal(role, 'restart containers')
    ?? (isRestartable(c) ? null : `${c.name} is labelled vigil.restartable=false: Vigil does not restart it.`);
}

/** Containers per host, hosts and names in order. */
export function byHost(list: readonly Container[]): Array<{ host: string; containers: Container[] }> {
  const map = new Map<string, Container[]>();
  for (const c of list) map.set(c.host, [...(map.get(c.host) ?? []), c]);
  return [...map.entries()].sort(([a], [b]) => a.localeCompare(b))
    .map(([host, containers]) => ({ host, containers: containers.sort((a, b) => a.name.localeCompare(b.name)) }));
}

export function shortId(id: string): string {
  return id.slice(0, 12);
}

/** A restart someone asked for here, until the real outcome arrives. */
export interface PendingRestart {
  containerId: string;
  actionId: string | null;
  /** When the request was sent (client clock, ISO). */
  requestedAt: string;
  /** What the container's startedAt was before: a newer one means Docker started it again. */
  startedBefore: string | undefined;
  phase: 'requesting' | 'restarting' | 'done' | 'failed';
  message: string;
}

/**
 * Reads a container update against a pending restart: done once Docker reports it running with a
 * start newer than before the request; otherwise still restarting.
 */
export function restartOutcome(p: PendingRestart, c: Container): PendingRestart {
  if (p.phase === 'done' || p.phase === 'failed') return p;
  const started = c.startedAt ? Date.parse(c.startedAt) : Number.NaN;
  const before = p.startedBefore ? Date.parse(p.startedBefore) : Number.NaN;
  const restarted = c.state === 'running' && !Number.isNaN(started) && (Number.isNaN(before) || started > before);
  if (restarted) return { ...p, phase: 'done', message: `running again${c.health ? ` (${c.health})` : ''}` };
  return { ...p, message: c.state === 'running' ? 'restarting…' : `restarting… (Docker: ${c.state})` };
}
