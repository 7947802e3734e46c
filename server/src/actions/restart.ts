// Restarting a container through Vigil: the request goes on record (signal + audit) before Docker
// is asked, the outcome after, so the kill and die it causes are known as asked for.
import { randomUUID } from 'node:crypto';
import type { AuditLog } from '../audit.ts';
import { restartRequestedSignal, restartResultSignal, supervisorRestartSignal } from '../domain/index.ts';
import type { ContainerRef } from '../domain/index.ts';
import type { SignalSink } from '../ingest/pipeline.ts';
import type { Logger } from '../logger.ts';
import { describeError } from '../sources/docker/api.ts';
import type { DockerSource } from '../sources/docker/index.ts';
import type { ActionLedger } from './ledger.ts';

/** Docker's restart waits for the stop (10 s by default) and then the start. */
const RESTART_TIMEOUT_MS = 90_000;

export interface RestartOutcome {
  ok: boolean;
  error?: string;
  durationMs: number;
  /** The supervisor's decision was already on record (another leader made it before a failover): not done twice. */
  alreadyDecided?: boolean;
}

export class RestartBusyError extends Error {
  override name = 'RestartBusyError';
  readonly actionId: string;
  constructor(actionId: string) {
    super('a restart of this container is already under way');
    this.actionId = actionId;
  }
}

export class HostUnavailableError extends Error {
  override name = 'HostUnavailableError';
}

export interface SupervisorRestart {
  attempt: number;
  nextBackoffMs: number;
  reason: string;
  decisionId: string;
}

export class RestartAction {
  private readonly sink: SignalSink;
  private readonly audit: AuditLog;
  private readonly ledger: ActionLedger;
  private readonly docker: DockerSource;
  private readonly log: Logger;
  private readonly now: () => Date;
  private readonly fence: () => Promise<void>;

  /** `fence`: several replicas — Docker is asked only while this replica leads (cluster/lease.ts). */
  constructor(deps: { sink: SignalSink; audit: AuditLog; ledger: ActionLedger; docker: DockerSource; logger: Logger; now?: () => Date; fence?: (() => Promise<void>) | undefined }) {
    this.sink = deps.sink;
    this.audit = deps.audit;
    this.ledger = deps.ledger;
    this.docker = deps.docker;
    this.log = deps.logger.child({ module: 'restart' });
    this.now = deps.now ?? (() => new Date());
    this.fence = deps.fence ?? (() => Promise.resolve());
  }

  /**
   * A person's restart: resolves with the action id once the request is stored; `done` settles when
   * Docker has answered and the outcome is stored.
   */
  async request(container: ContainerRef, actor: string, ip?: string): Promise<{ actionId: string; done: Promise<RestartOutcome> }> {
    const actionId = randomUUID();
    this.claim(container, actionId, actor);
    try {
      await this.sink.ingest([restartRequestedSignal({ container, actor, actionId, at: this.now().toISOString() })]);
      await this.audit.record({ actor, action: 'container.restart.requested', target: target(container), outcome: 'ok', detail: { actionId }, ...(ip ? { ip } : {}) });
    } catch (err) {
      this.ledger.finished(container.host, container.id, actionId, false);
      throw err;
    }
    return { actionId, done: this.execute(container, actor, actionId, ip) };
  }

  /** The supervisor's restart: its decision is on record (supervisor.restart) before Docker is asked. */
  async supervise(container: ContainerRef, decision: SupervisorRestart): Promise<RestartOutcome> {
    const actionId = randomUUID();
    this.claim(container, actionId, 'supervisor');
    let fresh;
    try {
      // The decision's id derives from the death and the attempt: storing it is claiming it.
      fresh = await this.sink.ingest([supervisorRestartSignal({ container, at: this.now().toISOString(), ...decision })]);
    } catch (err) {
      this.ledger.finished(container.host, container.id, actionId, false);
      throw err;
    }
    if (fresh.length === 0) {
      this.ledger.finished(container.host, container.id, actionId, false);
      this.log.info({ container: target(container), decision: decision.decisionId }, 'this restart was already decided (by the leader before a failover); not done twice');
      return { ok: true, durationMs: 0, alreadyDecided: true };
    }
    return this.execute(container, 'supervisor', actionId);
  }

  private claim(container: ContainerRef, actionId: string, actor: string): void {
    const host = this.docker.host(container.host);
    if (host === undefined || !host.connected) throw new HostUnavailableError(`Docker host ${container.host} is not connected right now`);
    if (!this.ledger.begin(container.host, container.id, actionId, actor)) {
      throw new RestartBusyError(this.ledger.current(container.host, container.id)?.actionId ?? 'unknown');
    }
  }

  private async execute(container: ContainerRef, actor: string, actionId: string, ip?: string): Promise<RestartOutcome> {
    const started = Date.now();
    let error: string | undefined;
    try {
      const host = this.docker.host(container.host);
      if (host === undefined) throw new Error(`Docker host ${container.host} is not connected`);
      await this.fence();
      await host.docker.getContainer(container.id).restart({ abortSignal: AbortSignal.timeout(RESTART_TIMEOUT_MS) });
    } catch (err) {
      error = describeError(err);
    }
    const outcome: RestartOutcome = { ok: error === undefined, durationMs: Date.now() - started, ...(error === undefined ? {} : { error }) };
    this.ledger.finished(container.host, container.id, actionId, outcome.ok);
    this.log.info({ container: target(container), actor, actionId, ...outcome }, outcome.ok ? 'container restarted' : 'container restart failed');
    try {
      await this.sink.ingest([restartResultSignal({ container, actor, actionId, at: this.now().toISOString(), ...outcome })]);
      await this.audit.record({
        actor, action: 'container.restart', target: target(container), outcome: outcome.ok ? 'ok' : 'failed',
        detail: { actionId, durationMs: outcome.durationMs, ...(error === undefined ? {} : { error }) }, ...(ip ? { ip } : {}),
      });
    } catch (err) {
      this.log.error({ err, actionId }, 'could not store the outcome of a restart');
    }
    return outcome;
  }
}

function target(c: ContainerRef): string {
  return `${c.host}/${c.name} (${c.id.slice(0, 12)})`;
}
