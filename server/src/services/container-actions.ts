// What people do to containers: find one across the Docker hosts, restart it, pause or resume its
// supervision (maintenance mode). Each is done, put on the timeline as a signal, and audited.
import type { Container } from '../contract/index.ts';
import type { AuditContext, AuditLog } from '../audit.ts';
import { supervisionSignal } from '../domain/index.ts';
import type { SignalSink } from '../ingest/pipeline.ts';
import type { DockerActions } from '../actions/index.ts';
import { HostUnavailableError, RestartBusyError } from '../actions/restart.ts';
import { refOf } from '../actions/supervisor.ts';
import type { ContainerFacts } from '../sources/docker/containers.ts';
import type { DockerSource } from '../sources/docker/index.ts';
import { ApiFailure } from '../contract/index.ts';

export type SupervisionScope = 'container' | 'service';

export class ContainerActions {
  private readonly deps: { docker: DockerSource; actions: DockerActions; sink: SignalSink; audit: AuditLog };
  private readonly now: () => Date;

  constructor(deps: { docker: DockerSource; actions: DockerActions; sink: SignalSink; audit: AuditLog; now?: () => Date }) {
    this.deps = deps;
    this.now = deps.now ?? (() => new Date());
  }

  private get inventory() {
    return this.deps.docker.inventory;
  }

  list(): Container[] {
    return this.inventory.list();
  }

  /** `query` is a full id, a unique id prefix (3+ characters) or a name; `host` narrows it to one Docker host. */
  find(query: string, host?: string): ContainerFacts {
    const found = this.inventory.find(query, host);
    if (found.ok) return found.facts;
    if (found.reason === 'ambiguous') {
      const which = found.matches.map((f) => `${f.container.name} (${f.container.id.slice(0, 12)}) on ${f.container.host}`).join(', ');
      throw new ApiFailure(409, 'ambiguous_container', `"${query}" matches several containers: ${which}. Use the full id, or add ?host=.`);
    }
    const disconnected = this.deps.docker.hosts().some((h) => !h.connected);
    throw new ApiFailure(404, 'not_found', `No container "${query}"${host ? ` on ${host}` : ''} is known to Vigil${disconnected ? ' (a Docker host is disconnected right now)' : ''}.`);
  }

  /** Asks for a restart (the action reports its own outcome); answers with the action's id. */
  async restart(facts: ContainerFacts, by: AuditContext): Promise<{ actionId: string }> {
    const c = facts.container;
    if (c.restartable === false) {
      throw new ApiFailure(409, 'not_restartable', `${c.name} is labelled vigil.restartable=false, so Vigil does not restart it; whoever owns it restarts it by hand.`);
    }
    const { restarts, supervisor } = this.deps.actions;
    try {
      const { actionId, done } = await restarts.request(refOf(facts), by.actor, by.ip);
      // A person stepping in starts the supervisor's back-off and breaker afresh.
      void done.then((outcome) => { if (outcome.ok) supervisor.reset(c.host, c.id); });
      return { actionId };
    } catch (err) {
      if (err instanceof RestartBusyError) {
        throw new ApiFailure(409, 'restart_in_progress', `A restart of ${c.name} is already under way (action ${err.actionId}).`, { actionId: err.actionId });
      }
      if (err instanceof HostUnavailableError) throw new ApiFailure(503, 'docker_unavailable', `${err.message}; nothing was changed. See /readyz.`);
      throw err;
    }
  }

  /** Pauses (maintenance) or resumes the supervision of the container or of its whole service; answers with the container as it is now. */
  async setSupervision(facts: ContainerFacts, change: { paused: boolean; scope: SupervisionScope }, by: AuditContext): Promise<Container> {
    const c = facts.container;
    const { paused, scope } = change;
    if (!c.supervised) {
      throw new ApiFailure(409, 'not_supervised', `${c.name} is not supervised (it has no vigil.supervise=true label), so there is no supervision to pause or resume.`);
    }
    const { actions, sink, audit } = this.deps;
    const sameService = (f: ContainerFacts) => f.container.host === c.host && f.container.service === c.service;
    const members = this.inventory.all().filter(sameService).map((f) => f.container);
    await actions.maintenance.set(c, scope, paused, members);
    if (!paused) for (const m of scope === 'service' ? members : [c]) actions.supervisor.reset(m.host, m.id);
    await sink.ingest([supervisionSignal({ container: refOf(facts), at: this.now().toISOString(), paused, actor: by.actor })]);
    await audit.record({
      ...by, action: paused ? 'container.supervision.paused' : 'container.supervision.resumed', target: `${c.host}/${c.name}`,
      outcome: 'ok', detail: { scope, service: c.service },
    });
    this.inventory.touch(scope === 'service' ? sameService : (f) => f.container.host === c.host && f.container.id === c.id);
    return this.inventory.dto(facts);
  }
}
