// What Vigil does to Docker: restarts asked for by people, and the supervisor. Built once by app.ts.
import type { AuditLog } from '../audit.ts';
import type { Config } from '../config.ts';
import type { SignalSink } from '../ingest/pipeline.ts';
import type { Logger } from '../logger.ts';
import type { DockerSource } from '../sources/docker/index.ts';
import type { ActionLedger } from './ledger.ts';
import type { Maintenance } from './maintenance.ts';
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

/**
 * The ledger and maintenance mode are made before the Docker source (it tells Vigil's own restarts
 * and paused containers by them) and handed in here with it; close() closes the ledger too.
 */
export function createDockerActions(deps: {
  docker: DockerSource;
  ledger: ActionLedger;
  maintenance: Maintenance;
  sink: SignalSink;
  audit: AuditLog;
  logger: Logger;
  policy: SupervisorPolicy;
  /** Resolves once the store is initialized (maintenance mode is read from it). */
  ready: () => Promise<void>;
  /** Several replicas: Docker is asked only while this replica leads. */
  fence?: (() => Promise<void>) | undefined;
}): DockerActions {
  const log = deps.logger.child({ module: 'actions' });
  const { ledger, maintenance } = deps;
  const restarts = new RestartAction({ sink: deps.sink, audit: deps.audit, ledger, docker: deps.docker, logger: deps.logger, fence: deps.fence });
  const supervisor = new Supervisor({ docker: deps.docker, restarts, sink: deps.sink, maintenance, policy: deps.policy, logger: deps.logger });
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
