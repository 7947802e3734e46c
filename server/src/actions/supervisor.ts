// Heals containers labelled vigil.supervise=true: on a death Vigil did not ask for (docker kill
// included), on `unhealthy`, and on Prometheus reporting the service down while Docker says it runs.
// A Swarm task's container is never restarted: Swarm's own restart policy replaces it.
// Reacts to stored signals (IngestPipeline.onSignal); every decision goes on the timeline as a signal.
import { breakerOpenSignal, KIND } from '../domain/index.ts';
import type { ContainerRef, Signal } from '../domain/index.ts';
import { stableId } from '../domain/ids.ts';
import type { SignalSink } from '../ingest/pipeline.ts';
import type { Logger } from '../logger.ts';
import { describeError } from '../sources/docker/api.ts';
import { restartPolicyFires, type ContainerFacts } from '../sources/docker/containers.ts';
import type { DockerSource } from '../sources/docker/index.ts';
import type { Maintenance } from './maintenance.ts';
import type { RestartAction } from './restart.ts';
import { leftToSwarmMessage, swarmTaskOf } from './swarm-policy.ts';
import { afterRestart, decide, FRESH_STATE, notRestartableMessage, openBreaker, type Decision, type SupervisionState, type SupervisorPolicy, type Trigger } from './supervisor-policy.ts';

export const DECISION_KIND = 'supervisor.decision';
const HOST_RETRY_MS = 1_000;
/** How long a heal waits for the evidence of its trigger (a hung inspect must not keep a container down). */
export const EVIDENCE_WAIT_MS = 2_000;

interface Tracked {
  state: SupervisionState;
  /** A restart is scheduled or under way: further triggers wait for its outcome. */
  busy: boolean;
  timer?: NodeJS.Timeout;
}

/** Running, or Docker's restart policy is about to start it. */
function isUp(facts: ContainerFacts): boolean {
  return facts.container.state === 'running' || facts.container.state === 'restarting';
}

export function refOf(facts: ContainerFacts): ContainerRef {
  const c = facts.container;
  return { id: c.id, name: c.name, host: c.host, service: c.service ?? c.name };
}

export class Supervisor {
  private readonly maintenance: Maintenance;
  private readonly docker: DockerSource;
  private readonly restarts: RestartAction;
  private readonly sink: SignalSink;
  private readonly policy: SupervisorPolicy;
  private readonly log: Logger;
  private readonly now: () => Date;
  private readonly tracked = new Map<string, Tracked>();
  /** Deaths taken over from a previous leader (trigger id → this leader's term): see takeOver. */
  private readonly takeovers = new Map<string, number>();
  private closed = false;

  constructor(deps: { docker: DockerSource; restarts: RestartAction; sink: SignalSink; maintenance: Maintenance; policy: SupervisorPolicy; logger: Logger; now?: () => Date }) {
    this.docker = deps.docker;
    this.restarts = deps.restarts;
    this.sink = deps.sink;
    this.maintenance = deps.maintenance;
    this.policy = deps.policy;
    this.log = deps.logger.child({ module: 'supervisor' });
    this.now = deps.now ?? (() => new Date());
  }

  /** A person restarted it or resumed supervision: the back-off and the breaker start afresh. */
  reset(host: string, id: string): void {
    const t = this.tracked.get(`${host}/${id}`);
    if (t) t.state = FRESH_STATE;
  }

  /**
   * A new leader's first look at a host (after a failover): supervised containers that are down,
   * whose last death the previous leader took in and did not heal (it died first). Each is
   * considered as if its death had just arrived. The restart's decision id names this term, so the
   * old leader's unfinished decision does not block it, and it is still made once in this term.
   * The number of containers taken over.
   */
  takeOver(host: string, term: number, lastDeath: (host: string, containerId: string) => Signal | undefined): number {
    let taken = 0;
    for (const facts of this.docker.inventory.all()) {
      const c = facts.container;
      if (c.host !== host || !c.supervised || isUp(facts) || this.maintenance.isPaused(c)) continue;
      const death = lastDeath(host, c.id);
      if (death === undefined || death.attributes['requestedBy'] !== undefined) continue;
      this.takeovers.set(death.id, term);
      this.onSignal(death);
      taken += 1;
    }
    if (taken > 0) this.log.info({ host, term, containers: taken }, 'took over the healing of containers the previous leader left down');
    return taken;
  }

  close(): void {
    this.closed = true;
    for (const t of this.tracked.values()) clearTimeout(t.timer);
  }

  onSignal(signal: Signal): void {
    if (this.closed) return;
    if (signal.kind === KIND.serviceDown) {
      this.serviceDown(signal);
      return;
    }
    if (signal.source !== 'docker' || signal.container === undefined) return;
    const key = `${signal.host}/${signal.container}`;
    if (signal.kind === KIND.destroy) {
      clearTimeout(this.tracked.get(key)?.timer);
      this.tracked.delete(key);
      return;
    }
    if (signal.kind !== KIND.die && signal.kind !== KIND.unhealthy) return;
    const facts = this.docker.inventory.get(signal.host, signal.container);
    const supervised = facts?.container.supervised ?? signal.attributes['supervised'] === true;
    if (!facts || !supervised) return;
    // The kill and die of a restart Vigil asked for (the watcher marks them in stream order).
    if (signal.attributes['requestedBy'] !== undefined) return;
    if (swarmTaskOf(facts, signal) !== undefined) {
      this.record(signal, facts, 'swarm', leftToSwarmMessage(facts.container.name, facts.container.swarm?.service ?? facts.container.service ?? facts.container.name, signal.kind === KIND.die ? 'died' : 'became unhealthy'));
      return;
    }
    if (this.maintenance.isPaused(facts.container)) {
      this.record(signal, facts, 'paused', `${facts.container.name} ${signal.kind === KIND.die ? 'died' : 'became unhealthy'} while its supervision is paused (maintenance mode); the supervisor leaves it alone`);
      return;
    }
    if (signal.kind === KIND.unhealthy) {
      this.consider(signal, facts, { type: 'unhealthy' });
      return;
    }
    const exit = Number(signal.attributes['exitCode']);
    const exitCode = Number.isInteger(exit) ? exit : undefined;
    const killSignal = typeof signal.attributes['killSignal'] === 'string' ? signal.attributes['killSignal'] : undefined;
    this.consider(signal, facts, {
      type: 'death',
      ...(exitCode === undefined ? {} : { exitCode }),
      ...(killSignal === undefined ? {} : { killSignal }),
      ...(facts.oomKilled || signal.attributes['oomKilled'] === true ? { oomKilled: true } : {}),
      restartPolicy: facts.restartPolicy.name,
      policyWillFire: restartPolicyFires(facts.restartPolicy, { killed: killSignal !== undefined, ...(exitCode === undefined ? {} : { exitCode }), restartCount: facts.container.restartCount }),
    });
  }

  private serviceDown(signal: Signal): void {
    const labels = signal.attributes['labels'];
    const hostLabel = typeof labels === 'object' && labels !== null ? Reflect.get(labels, 'vigil_host') : undefined;
    for (const facts of this.docker.inventory.all()) {
      const c = facts.container;
      if (!c.supervised || c.service !== signal.service || c.state !== 'running' || swarmTaskOf(facts) !== undefined) continue;
      if (typeof hostLabel === 'string' && hostLabel !== c.host) continue;
      if (this.maintenance.isPaused(c)) continue;
      const instance = typeof signal.attributes['instance'] === 'string' ? signal.attributes['instance'] : undefined;
      const started = c.startedAt === undefined ? undefined : Date.parse(c.startedAt);
      this.consider(signal, facts, {
        type: 'service_down', downSinceMs: Date.parse(signal.at), ...(started === undefined ? {} : { startedAtMs: started }), ...(instance ? { instance } : {}),
      });
    }
  }

  private track(facts: ContainerFacts): Tracked {
    const key = `${facts.container.host}/${facts.container.id}`;
    let t = this.tracked.get(key);
    if (!t) {
      t = { state: FRESH_STATE, busy: false };
      this.tracked.set(key, t);
    }
    return t;
  }

  private consider(trigger: Signal, facts: ContainerFacts, t: Trigger): void {
    const tracked = this.track(facts);
    if (tracked.busy) return;
    const decision = decide(tracked.state, t, { service: facts.container.service ?? facts.container.name, nowMs: this.now().getTime(), restartable: facts.container.restartable !== false }, this.policy);
    this.act(trigger, facts, t, tracked, decision);
  }

  private act(trigger: Signal, facts: ContainerFacts, t: Trigger, tracked: Tracked, d: Decision): void {
    const ref = refOf(facts);
    switch (d.action) {
      case 'ignore':
        if (d.message !== undefined) this.record(trigger, facts, 'ignore', d.message);
        return;
      case 'refuse':
        // Two labels that contradict each other: the owner must hear of it, not only the timeline.
        this.log.warn({ container: ref.name, host: ref.host, labels: { 'vigil.supervise': 'true', 'vigil.restartable': 'false' } }, d.message);
        this.sink.ingest([this.decision(trigger, facts, 'not_restartable', d.message)])
          .catch((err: unknown) => this.log.error({ err }, 'could not store a supervisor decision'));
        return;
      case 'breaker': {
        tracked.state = openBreaker(tracked.state, this.now().getTime());
        this.log.warn({ container: ref.name, host: ref.host, restarts: d.restarts }, 'restart-loop breaker open');
        const at = this.now().toISOString();
        this.sink.ingest([breakerOpenSignal({ container: ref, at, restarts: d.restarts, windowMs: this.policy.windowMs }), this.decision(trigger, facts, 'breaker', d.message, at)])
          .catch((err: unknown) => this.log.error({ err }, 'could not store the breaker decision'));
        return;
      }
      case 'defer':
      case 'restart': {
        this.record(trigger, facts, d.action, d.message);
        tracked.busy = true;
        tracked.timer = setTimeout(() => {
          const run = d.action === 'defer' ? this.checkDocker(trigger, facts, t, tracked) : this.restart(trigger, facts, t, tracked, d);
          run.catch((err: unknown) => {
            tracked.busy = false;
            this.log.error({ err, container: ref.name }, 'supervisor action failed');
          });
        }, d.delayMs);
        tracked.timer.unref();
      }
    }
  }

  /** After Docker's grace: it restarted the container (or is about to), or the supervisor takes over. */
  private async checkDocker(trigger: Signal, facts: ContainerFacts, t: Trigger, tracked: Tracked): Promise<void> {
    const current = await this.current(facts);
    tracked.busy = false;
    if (current === undefined || this.closed || isUp(current)) return;
    const decision = decide(tracked.state, t.type === 'death' ? { ...t, policyWillFire: false } : t, { service: current.container.service ?? current.container.name, nowMs: this.now().getTime(), restartable: current.container.restartable !== false }, this.policy);
    this.act(trigger, current, t, tracked, decision);
  }

  private async restart(trigger: Signal, facts: ContainerFacts, t: Trigger, tracked: Tracked, d: Extract<Decision, { action: 'restart' }>): Promise<void> {
    // The dead or unhealthy container's health log, state and logs first: a restart replaces them.
    await this.docker.evidenceFor(trigger.id, EVIDENCE_WAIT_MS);
    const current = await this.current(facts);
    if (current === undefined || this.closed || this.maintenance.isPaused(current.container)) {
      tracked.busy = false;
      return;
    }
    const name = current.container.name;
    if (current.container.restartable === false) {
      // Labels cannot change on a container, but what Docker reports now is what counts.
      tracked.busy = false;
      this.act(trigger, current, t, tracked, { action: 'refuse', message: notRestartableMessage(current.container.service ?? name, t) });
      return;
    }
    if (t.type === 'death' && isUp(current)) {
      tracked.busy = false;
      this.record(trigger, current, 'running', `${name} is running again without the supervisor (started by Docker or someone else); nothing to do`);
      return;
    }
    if (t.type === 'unhealthy' && current.container.health !== 'unhealthy') {
      tracked.busy = false;
      return;
    }
    tracked.state = afterRestart(tracked.state, d.attempt, this.now().getTime(), this.policy);
    const term = this.takeovers.get(trigger.id);
    try {
      const outcome = await this.restarts.supervise(refOf(current), { attempt: d.attempt, nextBackoffMs: d.nextBackoffMs, reason: d.reason, decisionId: `${trigger.id}:${d.attempt}${term === undefined ? '' : `:t${term}`}` });
      tracked.busy = false;
      // A restart that failed leaves it down with no new event to react to: try again, with back-off.
      if (!outcome.ok) this.consider(trigger, current, t);
    } catch (err) {
      tracked.busy = false;
      this.log.warn({ container: name, err: describeError(err) }, 'supervisor restart not issued');
    }
  }

  /** The container as it is now (fresh inspect), once its host is connected; undefined when it is gone. */
  private async current(facts: ContainerFacts): Promise<ContainerFacts | undefined> {
    const { host, id } = facts.container;
    for (;;) {
      if (this.closed) return undefined;
      const h = this.docker.host(host);
      if (h?.connected) {
        const fresh = await this.docker.inventory.refresh(host, id, h.docker);
        return this.docker.inventory.get(host, id) === undefined ? undefined : fresh;
      }
      await new Promise((r) => setTimeout(r, HOST_RETRY_MS).unref());
    }
  }

  private decision(trigger: Signal, facts: ContainerFacts, label: string, message: string, at = this.now().toISOString()): Signal {
    const ref = refOf(facts);
    return {
      id: stableId('sup', 'decision', trigger.id, ref.host, ref.id, label, message),
      source: 'supervisor', host: ref.host, at, kind: DECISION_KIND, service: ref.service, container: ref.id,
      attributes: { containerId: ref.id, name: ref.name, decision: label, message, trigger: trigger.id, actor: 'supervisor' },
      raw: { decision: label, message, trigger: trigger.id },
    };
  }

  private record(trigger: Signal, facts: ContainerFacts, label: string, message: string): void {
    this.log.info({ container: facts.container.name, host: facts.container.host, decision: label }, message);
    this.sink.ingest([this.decision(trigger, facts, label, message)])
      .catch((err: unknown) => this.log.error({ err }, 'could not store a supervisor decision'));
  }
}
