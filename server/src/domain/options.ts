// The engine's tunables, with defaults that fit Docker's and Alertmanager's measured behaviour (FACTS.md).

export interface EngineOptions {
  /** Recovered (mitigated, every alert resolved) this long with no new failure → resolved. */
  quietPeriodMs: number;
  /** How long after a `die` a trailing `stop` (or after a `start` a trailing `restart`) joins its entry. */
  settleMs: number;
  /** How long before a `die` its `kill`/`oom` (or before a `start` its `create`) may come and still join. */
  prefixWindowMs: number;
  /** A die this soon after a restart request for its container (and before it starts again) was asked for. */
  restartWindowMs: number;
  /** This many unrequested deaths within `crashLoopWindowMs` make a crash loop: severity critical. */
  crashLoopDeaths: number;
  crashLoopWindowMs: number;
  /** A failure this soon after a change of its service (container.change) names it as the incident's suspected change. */
  changeWindowMs: number;
  /** How long a quiet service's signals stay in memory after its last incident (late arrivals re-derive). */
  retainMs: number;
  /**
   * Alerts and Prometheus signals name a service but not the Docker host it runs on. Their incident's
   * host is: the value of this label, else `serviceHosts[service]`, else `defaultHost`, else the
   * signal's own host (the Alertmanager/Prometheus instance).
   */
  hostLabel: string;
  serviceHosts: Record<string, string>;
  defaultHost?: string;
}

export const DEFAULT_OPTIONS: EngineOptions = {
  quietPeriodMs: 60_000,
  settleMs: 500,
  prefixWindowMs: 15_000,
  restartWindowMs: 30_000,
  crashLoopDeaths: 3,
  crashLoopWindowMs: 300_000,
  changeWindowMs: 30 * 60_000,
  retainMs: 15 * 60_000,
  hostLabel: 'vigil_host',
  serviceHosts: {},
};

export function engineOptions(partial: Partial<EngineOptions> = {}): EngineOptions {
  return { ...DEFAULT_OPTIONS, ...partial };
}
