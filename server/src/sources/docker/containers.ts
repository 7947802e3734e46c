// What Vigil knows about one container, from `docker inspect`: the Container DTO plus what the
// supervisor and the evidence need (labels, restart policy). Pure mapping, no I/O.
import type Docker from 'dockerode';
import type { Container } from '../../contract/index.ts';
import { KIND } from '../../domain/index.ts';
import type { Signal } from '../../domain/index.ts';
import { rfc3339ToNanos } from './stream.ts';

export interface RestartPolicy {
  /** '' when none ("no"): always, unless-stopped, on-failure. */
  name: string;
  maximumRetryCount: number;
}

export interface ContainerFacts {
  container: Container;
  labels: Record<string, string>;
  restartPolicy: RestartPolicy;
  /** Its image or run configuration defines a healthcheck (not `NONE`). */
  hasHealthcheck: boolean;
  /** When the last run ended (RFC 3339 with nanoseconds), if it ever ended. */
  finishedAt?: string;
  exitCode?: number;
  oomKilled?: boolean;
}

/** Docker's zero time ("0001-01-01T00:00:00Z") and anything unparsable → undefined. */
export function isoOf(rfc3339: string | undefined): string | undefined {
  if (rfc3339 === undefined) return undefined;
  const nanos = rfc3339ToNanos(rfc3339);
  return nanos === undefined ? undefined : new Date(Number(nanos / 1_000_000n)).toISOString();
}

/**
 * The service a container belongs to: label vigil.service, else the Swarm service of the task it
 * runs, else the Compose service, else the container name.
 */
export function serviceOf(labels: Record<string, string>, name: string): string;
export function serviceOf(labels: Record<string, string>, name: string | undefined): string | undefined;
export function serviceOf(labels: Record<string, string>, name: string | undefined): string | undefined {
  return labels['vigil.service'] ?? labels['com.docker.swarm.service.name'] ?? labels['com.docker.compose.service'] ?? name;
}

function portsOf(info: Docker.ContainerInspectInfo): NonNullable<Container['ports']> {
  const out: NonNullable<Container['ports']> = [];
  const map: Record<string, Array<{ HostIp?: string; HostPort?: string }> | null> = info.NetworkSettings?.Ports ?? {};
  for (const [key, bindings] of Object.entries(map)) {
    const [port, protocol = 'tcp'] = key.split('/');
    const privatePort = Number(port);
    if (!Number.isInteger(privatePort)) continue;
    if (!bindings || bindings.length === 0) {
      out.push({ privatePort, protocol });
      continue;
    }
    for (const b of bindings) {
      const publicPort = Number(b.HostPort);
      out.push({
        privatePort, protocol,
        ...(Number.isInteger(publicPort) && publicPort > 0 ? { publicPort } : {}),
        ...(b.HostIp ? { ip: b.HostIp } : {}),
      });
    }
  }
  return out.sort((a, b) => a.privatePort - b.privatePort || (a.publicPort ?? 0) - (b.publicPort ?? 0));
}

export function factsFromInspect(host: string, info: Docker.ContainerInspectInfo): ContainerFacts {
  const labels = info.Config?.Labels ?? {};
  const name = info.Name.replace(/^\//, '');
  const startedAt = isoOf(info.State.StartedAt);
  const finishedAt = rfc3339ToNanos(info.State.FinishedAt) === undefined ? undefined : info.State.FinishedAt;
  const policyName = info.HostConfig?.RestartPolicy?.Name ?? '';
  const healthcheck = info.Config?.Healthcheck?.Test ?? [];
  const container: Container = {
    id: info.Id,
    name,
    host,
    ...(labels['com.docker.compose.project'] ? { project: labels['com.docker.compose.project'] } : {}),
    service: serviceOf(labels, name),
    image: info.Config?.Image ?? info.Image,
    state: info.State.Status,
    ...(info.State.Health?.Status ? { health: info.State.Health.Status } : {}),
    supervised: labels['vigil.supervise'] === 'true',
    restartCount: info.RestartCount,
    ...(startedAt ? { startedAt } : {}),
    ports: portsOf(info),
    restartable: labels['vigil.restartable'] !== 'false',
    ...(labels['com.docker.swarm.task.id'] ? { swarm: { service: labels['com.docker.swarm.service.name'] ?? '', taskId: labels['com.docker.swarm.task.id'] } } : {}),
  };
  return {
    container,
    labels,
    restartPolicy: { name: policyName === 'no' ? '' : policyName, maximumRetryCount: info.HostConfig?.RestartPolicy?.MaximumRetryCount ?? 0 },
    hasHealthcheck: healthcheck.length > 0 && healthcheck[0] !== 'NONE',
    ...(finishedAt ? { finishedAt } : {}),
    exitCode: info.State.ExitCode,
    oomKilled: info.State.OOMKilled,
  };
}

/**
 * What an event says at once about a container already known, before the inspect that follows it
 * confirms: the UI sees a death the moment Docker reports it. null when the event changes nothing.
 */
export function applyEvent(facts: ContainerFacts, signal: Signal): ContainerFacts | null {
  const c = { ...facts.container };
  switch (signal.kind) {
    case KIND.create: c.state = 'created'; break;
    case KIND.start:
    case KIND.restart:
    case KIND.unpause: c.state = 'running'; c.startedAt = signal.at; if (c.health !== undefined) c.health = 'starting'; break;
    case KIND.die: c.state = 'exited'; delete c.health; break;
    case KIND.stop: c.state = 'exited'; break;
    case KIND.pause: c.state = 'paused'; break;
    default: {
      const health = signal.attributes['health'];
      if (typeof health !== 'string') return null;
      c.health = health;
    }
  }
  const exitCode = signal.kind === KIND.die ? Number(signal.attributes['exitCode']) : Number.NaN;
  return { ...facts, container: c, ...(Number.isInteger(exitCode) ? { exitCode } : {}) };
}

/**
 * Whether Docker's own restart policy will start the container again after this death. A stop or
 * kill through the Docker API counts as a manual stop, which no policy restarts (FACTS.md).
 */
export function restartPolicyFires(policy: RestartPolicy, death: { killed: boolean; exitCode?: number; restartCount: number }): boolean {
  if (policy.name === '' || death.killed) return false;
  if (policy.name === 'always' || policy.name === 'unless-stopped') return true;
  if (policy.name !== 'on-failure' || death.exitCode === 0) return false;
  return policy.maximumRetryCount === 0 || death.restartCount < policy.maximumRetryCount;
}
