// What Vigil does to Docker: restarts asked for by people, and the supervisor. Built once by app.ts.
import type { AuditLog } from '../audit.ts';
import type { Config } from '../config.ts';
import type { SignalSink } from '../ingest/pipeline.ts';
import type { Logger } from '../logger.ts';
import type { DockerSource } from '../sources/docker/index.ts';
import type { Store } from '../store/types.ts';
import { ActionLedger } from './ledger.ts';
import { Maintenance } from './maintenance.ts';
import { RestartAction } from './restart.ts';
import { Supervisor } from './supervisor.ts';
import { DEFAULT_POLICY, type SupervisorPolicy } from './supervisor-policy.ts';

export interface DockerActions {
  readonly restarts: RestartAction;
  readonly supervisor: Supervisor;
  readonly maintenance: Maintenance;
  close(): void;
}

export function supervisorPolicy(config: Pick<Config, 'supervisor'>): SupervisorPolicy {
  return { ...DEFAULT_POLICY, maxRestarts: config.supervisor.maxRestarts, windowMs: config.supervisor.windowMs };
}

export function createDockerActions(deps: {
  docker: DockerSource;
  sink: SignalSink;
  audit: AuditLog;
  store: Store;
  logger: Logger;
  policy: SupervisorPolicy;
  /** Resolves once the store is initialized (maintenance mode is read from it). */
  ready: () => Promise<void>;
}): DockerActions {
  const log = deps.logger.child({ module: 'actions' });
  const ledger = new ActionLedger();
  deps.docker.setTracker(ledger);
  const restarts = new RestartAction({ sink: deps.sink, audit: deps.audit, ledger, docker: deps.docker, logger: deps.logger });
  const maintenance = new Maintenance(deps.store);
  const supervisor = new Supervisor({ docker: deps.docker, restarts, sink: deps.sink, maintenance, policy: deps.policy, logger: deps.logger });
  deps.docker.inventory.setDecorator((c) => supervisor.decorate(c));
  deps.ready()
    .then(() => maintenance.load())
    .then(() => deps.docker.inventory.touch((f) => f.container.supervised))
    .catch((err: unknown) => log.error({ err }, 'could not read maintenance mode from the store; every supervised container is treated as supervised'));
  return {
    restarts,
    supervisor,
    maintenance,
    close: () => {
      supervisor.close();
      ledger.close();
    },
  };
}
