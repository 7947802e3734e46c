// Rolling a change back on a plain container: the container the change made is replaced by one with
// the same configuration on the previous image. Like a restart, the request goes on record (signal +
// audit) before Docker is asked and the outcome after, and only the leader asks Docker (fence).
import { randomUUID } from 'node:crypto';
import type Docker from 'dockerode';
import type { AuditLog } from '../audit.ts';
import type { Change } from '../contract/index.ts';
import { ApiFailure } from '../contract/index.ts';
import { rollbackRequestedSignal, rollbackResultSignal } from '../domain/index.ts';
import type { ContainerRef } from '../domain/index.ts';
import type { SignalSink } from '../ingest/pipeline.ts';
import type { Logger } from '../logger.ts';
import { describeError } from '../sources/docker/api.ts';
import { CHANGED_BY_LABEL } from '../sources/docker/changes.ts';
import type { DockerSource } from '../sources/docker/index.ts';
import type { ActionLedger } from './ledger.ts';
import { otherNetworks, networkEndpoint, rollbackCreateOptions, rollbackPlan } from './rollback-spec.ts';

const CALL_TIMEOUT_MS = 30_000;
const STOP_SECONDS = 10;

export interface RollbackOutcome {
  ok: boolean;
  error?: string;
  durationMs: number;
  newContainerId?: string;
}

function statusCode(err: unknown): number | undefined {
  const code = typeof err === 'object' && err !== null ? Reflect.get(err, 'statusCode') : undefined;
  return typeof code === 'number' ? code : undefined;
}

export class RollbackAction {
  private readonly deps: { sink: SignalSink; audit: AuditLog; ledger: ActionLedger; docker: DockerSource; fence: () => Promise<void> };
  private readonly log: Logger;
  private readonly now: () => Date;

  constructor(deps: { sink: SignalSink; audit: AuditLog; ledger: ActionLedger; docker: DockerSource; logger: Logger; now?: () => Date; fence?: (() => Promise<void>) | undefined }) {
    this.deps = { ...deps, fence: deps.fence ?? (() => Promise.resolve()) };
    this.log = deps.logger.child({ module: 'rollback' });
    this.now = deps.now ?? (() => new Date());
  }

  /**
   * Checks what can be checked before anything changes (host, container, previous image, who owns
   * the container), puts the request on record, and starts the roll back; `done` settles with it.
   */
  async request(change: Change, actor: string, ip?: string): Promise<{ actionId: string; container: ContainerRef; toImage: string; done: Promise<RollbackOutcome> }> {
    const host = this.deps.docker.host(change.host);
    if (host === undefined || !host.connected) throw new ApiFailure(503, 'docker_unavailable', `Docker host ${change.host} is not connected right now; nothing was changed. See /readyz.`);
    const current = await host.docker.getContainer(change.containerId).inspect({ abortSignal: AbortSignal.timeout(CALL_TIMEOUT_MS) }).catch((err: unknown) => {
      if (statusCode(err) === 404) {
        throw new ApiFailure(409, 'container_gone', `The container this change made (${change.containerName ?? change.containerId.slice(0, 12)}) is no longer on ${change.host}, so there is nothing to roll back; nothing was changed.`);
      }
      throw dockerFailed(change.host, err);
    });
    const plan = rollbackPlan(change, current.Config?.Labels ?? {});
    if (plan.kind !== 'plain') {
      throw new ApiFailure(409, plan.kind === 'compose' ? 'compose_service' : 'swarm_service', `${plan.message} Nothing was changed.`, { command: plan.command });
    }
    if (change.oldImageId === undefined) throw new ApiFailure(409, 'no_previous_image', 'This change does not say which image came before; nothing was changed.');
    const previous = await host.docker.getImage(change.oldImageId).inspect().catch((err: unknown) => {
      if (statusCode(err) === 404) {
        throw new ApiFailure(409, 'image_gone', `The previous image ${change.oldImage ?? ''} (${change.oldImageId?.replace(/^sha256:/, '').slice(0, 12)}) is no longer on ${change.host} (removed or pruned); pull or build it there again, then roll back. Nothing was changed.`);
      }
      throw dockerFailed(change.host, err);
    });
    // The tag, when it still names the previous image (the container then reads as it did); else the id.
    const byTag = change.oldImage === undefined ? undefined : await host.docker.getImage(change.oldImage).inspect().catch(() => undefined);
    const toImage = byTag?.Id === previous.Id && change.oldImage !== undefined ? change.oldImage : previous.Id;
    const name = current.Name.replace(/^\//, '');
    const container: ContainerRef = { id: current.Id, name, host: change.host, service: change.service };
    const actionId = randomUUID();
    if (!this.deps.ledger.begin(change.host, current.Id, actionId, actor)) {
      throw new ApiFailure(409, 'action_in_progress', `Another action on ${name} is under way (action ${this.deps.ledger.current(change.host, current.Id)?.actionId ?? '?'}); try again once it is done.`);
    }
    const fromImage = current.Config?.Image ?? change.newImage ?? '?';
    try {
      await this.deps.sink.ingest([rollbackRequestedSignal({ container, actor, actionId, at: this.now().toISOString(), changeId: change.id, fromImage, toImage })]);
      await this.deps.audit.record({
        actor, action: 'change.rollback.requested', target: target(container), outcome: 'ok',
        detail: { actionId, changeId: change.id, fromImage, toImage }, ...(ip ? { ip } : {}),
      });
    } catch (err) {
      this.deps.ledger.finished(change.host, current.Id, actionId, false);
      throw err;
    }
    const done = this.execute({ docker: host.docker, current, change, container, toImage, actor, actionId, ...(ip ? { ip } : {}) });
    return { actionId, container, toImage, done };
  }

  private async execute(a: {
    docker: Docker; current: Docker.ContainerInspectInfo; change: Change; container: ContainerRef; toImage: string; actor: string; actionId: string; ip?: string;
  }): Promise<RollbackOutcome> {
    const started = Date.now();
    let error: string | undefined;
    let newContainerId: string | undefined;
    try {
      await this.deps.fence();
      newContainerId = await this.replace(a);
    } catch (err) {
      error = describeError(err);
    }
    const outcome: RollbackOutcome = {
      ok: error === undefined, durationMs: Date.now() - started,
      ...(error === undefined ? {} : { error }), ...(newContainerId === undefined ? {} : { newContainerId }),
    };
    this.deps.ledger.finished(a.container.host, a.container.id, a.actionId, outcome.ok);
    this.log.info({ container: target(a.container), actor: a.actor, actionId: a.actionId, to: a.toImage, ...outcome }, outcome.ok ? 'change rolled back' : 'roll back failed');
    try {
      await this.deps.sink.ingest([rollbackResultSignal({
        container: a.container, actor: a.actor, actionId: a.actionId, at: this.now().toISOString(), changeId: a.change.id, toImage: a.toImage, ...outcome,
      })]);
      await this.deps.audit.record({
        actor: a.actor, action: 'change.rollback', target: target(a.container), outcome: outcome.ok ? 'ok' : 'failed',
        detail: { actionId: a.actionId, changeId: a.change.id, toImage: a.toImage, ...outcome }, ...(a.ip ? { ip: a.ip } : {}),
      });
    } catch (err) {
      this.log.error({ err, actionId: a.actionId }, 'could not store the outcome of a roll back');
    }
    return outcome;
  }

  /**
   * Stop the current container, move it out of the way (renamed), create and start its replacement
   * under its name, then remove it. If the replacement cannot be made or started, the current one is
   * put back (its name, running again) and the error reported.
   */
  private async replace(a: { docker: Docker; current: Docker.ContainerInspectInfo; toImage: string; actor: string; container: ContainerRef }): Promise<string> {
    const { docker, current } = a;
    const name = a.container.name;
    const currentImage = await docker.getImage(current.Image).inspect();
    const options = rollbackCreateOptions(current, currentImage, a.toImage, name, { [CHANGED_BY_LABEL]: `${a.actor} (roll back through Vigil)` });
    const old = docker.getContainer(current.Id);
    const wasRunning = current.State?.Running === true;
    if (wasRunning) await old.stop({ t: STOP_SECONDS, abortSignal: AbortSignal.timeout(CALL_TIMEOUT_MS) }).catch((err: unknown) => { if (statusCode(err) !== 304) throw err; });
    const aside = `${name}-replaced-${current.Id.slice(0, 12)}`;
    await old.rename({ name: aside });
    let created: Docker.Container | undefined;
    try {
      created = await docker.createContainer(options);
      for (const network of otherNetworks(current)) {
        await docker.getNetwork(network).connect({ Container: created.id, EndpointConfig: networkEndpoint(current, network) ?? {} });
      }
      await created.start();
    } catch (err) {
      await created?.remove({ force: true }).catch(() => undefined);
      await old.rename({ name }).catch(() => undefined);
      if (wasRunning) await old.start().catch(() => undefined);
      throw err;
    }
    await old.remove({ force: true }).catch((err: unknown) => this.log.warn({ container: aside, err: describeError(err) }, 'the replaced container could not be removed; it is left stopped'));
    return created.id;
  }
}

/** Docker answered something else than the refusals above: said as a 502 that changed nothing. */
function dockerFailed(host: string, err: unknown): ApiFailure {
  return new ApiFailure(502, 'docker_error', `Docker on ${host} did not answer as expected (${describeError(err)}); nothing was changed. Try again, or see /readyz.`);
}

function target(c: ContainerRef): string {
  return `${c.host}/${c.name} (${c.id.slice(0, 12)})`;
}
