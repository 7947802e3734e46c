// What people do to Docker Swarm services: list them across the Docker endpoints that are Swarm
// managers, and force an update of one (Swarm replaces every task) — done, put on the service's
// timeline as a signal, and audited, success or not.
import { randomUUID } from 'node:crypto';
import type { AuditContext, AuditLog } from '../audit.ts';
import { ApiFailure, type ForceUpdateResult, type SwarmServiceView } from '../contract/index.ts';
import { swarmForceUpdateSignal } from '../domain/index.ts';
import type { SignalSink } from '../ingest/pipeline.ts';
import { forceUpdate, inspectService, UnknownServiceError } from '../actions/force-update.ts';
import { describeError } from '../sources/docker/api.ts';
import type { DockerHost, DockerSource } from '../sources/docker/index.ts';
import { swarmManager } from '../sources/swarm/api.ts';
import { isJob, type SwarmService } from '../sources/swarm/schemas.ts';

const INFO_TIMEOUT_MS = 5_000;

function viewOf(host: string, s: SwarmService): SwarmServiceView {
  const mode = s.Spec.Mode ?? {};
  const replicated = mode['Replicated'] as { Replicas?: unknown } | undefined;
  const replicas = typeof replicated?.Replicas === 'number' ? replicated.Replicas : undefined;
  const image = s.Spec.TaskTemplate.ContainerSpec?.Image;
  return {
    id: s.ID, name: s.Spec.Name, host,
    ...(image ? { image: image.replace(/@sha256:[0-9a-f]+$/, '') } : {}),
    mode: replicated ? 'replicated' : 'Global' in mode ? 'global' : isJob(s) ? ('ReplicatedJob' in mode ? 'replicated-job' : 'global-job') : 'unknown',
    ...(replicas === undefined ? {} : { replicas }),
    forceUpdate: s.Spec.TaskTemplate.ForceUpdate ?? 0,
    version: s.Version.Index,
    ...(s.UpdatedAt ? { updatedAt: s.UpdatedAt } : {}),
    ...(s.UpdateStatus?.State ? { updateState: s.UpdateStatus.State } : {}),
  };
}

export class SwarmActions {
  private readonly deps: { docker: DockerSource; sink: SignalSink; audit: AuditLog };
  private readonly now: () => Date;

  constructor(deps: { docker: DockerSource; sink: SignalSink; audit: AuditLog; now?: () => Date }) {
    this.deps = deps;
    this.now = deps.now ?? (() => new Date());
  }

  /** The services of every connected Swarm manager, as last read (every 2 s). */
  list(): SwarmServiceView[] {
    const connected = new Set(this.deps.docker.hosts().filter((h) => h.connected).map((h) => h.name));
    return this.deps.docker.swarm
      .filter((p) => connected.has(p.host))
      .flatMap((p) => p.listServices().map((s) => viewOf(p.host, s)))
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : a.host < b.host ? -1 : a.host > b.host ? 1 : 0));
  }

  /** The endpoint to act on: the one named, else the one manager that has the service. */
  private async managerFor(name: string, host?: string): Promise<DockerHost> {
    const hosts = this.deps.docker.hosts();
    if (host !== undefined) {
      const h = hosts.find((x) => x.name === host);
      if (h === undefined) throw new ApiFailure(404, 'unknown_host', `No Docker endpoint "${host}" is configured (DOCKER_HOSTS has: ${hosts.map((x) => x.name).join(', ')}).`);
      if (!h.connected) throw new ApiFailure(503, 'docker_unavailable', `Docker endpoint ${host} is not connected right now; nothing was changed. See /readyz.`);
      if (!await swarmManager(h.docker, AbortSignal.timeout(INFO_TIMEOUT_MS))) {
        throw new ApiFailure(409, 'not_swarm_manager', `Docker endpoint ${host} is not a Swarm manager (no active swarm, or a worker node): only a manager can update a Swarm service. Name a manager as "host".`);
      }
      return h;
    }
    const managers: DockerHost[] = [];
    for (const h of hosts.filter((x) => x.connected)) {
      if (await swarmManager(h.docker, AbortSignal.timeout(INFO_TIMEOUT_MS)).catch(() => false)) managers.push(h);
    }
    if (managers.length === 0) {
      throw new ApiFailure(409, 'not_swarm_manager', 'None of the connected Docker endpoints is a Swarm manager, so there is no Swarm service to update. Vigil needs DOCKER_HOSTS to include a manager of the swarm.');
    }
    if (managers.length === 1) return managers[0] as DockerHost;
    const having: DockerHost[] = [];
    for (const h of managers) {
      if (await inspectService(h.docker, name).then(() => true, () => false)) having.push(h);
    }
    if (having.length === 1) return having[0] as DockerHost;
    if (having.length === 0) throw new ApiFailure(404, 'not_found', `No Swarm service "${name}" on any Swarm manager Vigil watches.`);
    throw new ApiFailure(409, 'ambiguous_service', `Several swarms have a service "${name}" (${having.map((h) => h.name).join(', ')}): say which with "host".`);
  }

  async forceUpdate(name: string, host: string | undefined, by: AuditContext): Promise<ForceUpdateResult> {
    const manager = await this.managerFor(name, host);
    const actionId = randomUUID();
    const target = `${manager.name}/${name}`;
    let service;
    try {
      service = await inspectService(manager.docker, name);
    } catch (err) {
      if (err instanceof UnknownServiceError) throw new ApiFailure(404, 'not_found', `No Swarm service "${name}" on ${manager.name}.`);
      throw new ApiFailure(502, 'docker_error', `Could not read Swarm service ${name} on ${manager.name}: ${describeError(err)}. Nothing was changed.`);
    }
    const serviceName = service.Spec.Name;
    const serviceId = service.ID;
    let outcome: { ok: true; previous: number; forceUpdate: number } | { ok: false; error: string };
    try {
      const done = await forceUpdate(manager.docker, serviceId);
      outcome = { ok: true, previous: done.previous, forceUpdate: done.forceUpdate };
    } catch (err) {
      outcome = { ok: false, error: describeError(err) };
    }
    // Recorded either way: on the service's timeline and in the audit log.
    const at = this.now().toISOString();
    const common = { service: serviceName, host: manager.name, serviceId, actor: by.actor, actionId, at };
    await this.deps.sink.ingest([outcome.ok
      ? swarmForceUpdateSignal({ ...common, ok: true, forceUpdate: outcome.forceUpdate })
      : swarmForceUpdateSignal({ ...common, ok: false, error: outcome.error })]);
    await this.deps.audit.record({
      ...by, action: 'swarm.service.force_update', target, outcome: outcome.ok ? 'ok' : 'failed',
      detail: { actionId, serviceId, ...(outcome.ok ? { forceUpdate: outcome.forceUpdate } : { error: outcome.error }) },
    });
    if (!outcome.ok) throw new ApiFailure(502, 'docker_error', `Swarm did not take the update of ${serviceName}: ${outcome.error}. It is on the audit log and the timeline.`);
    return { service: serviceName, host: manager.name, serviceId, previousForceUpdate: outcome.previous, forceUpdate: outcome.forceUpdate, actionId };
  }
}
