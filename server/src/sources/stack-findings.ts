// Looks at the stack as it is now, for a post-mortem's action items: the service's containers
// (restart policy, healthcheck, supervision) as the Docker inventory knows them, and whether
// Prometheus scrapes it and alerts on `up == 0`, read through the bounded client like every other read of it.
import type { IncidentWithTimeline } from '../contract/index.ts';
import { failedRequestsQuery, isUpRuleFor, type ContainerFinding, type PrometheusFinding, type StackFindings } from '../domain/postmortem/findings.ts';
import type { ContainerFacts } from './docker/containers.ts';
import type { DockerSource } from './docker/index.ts';
import type { PrometheusApi } from './prometheus/client.ts';

function containerFinding(facts: ContainerFacts): ContainerFinding {
  const c = facts.container;
  return { name: c.name, host: c.host, restartPolicy: facts.restartPolicy.name, hasHealthcheck: facts.hasHealthcheck, supervised: c.supervised };
}

/** The service's job, and whether an alert rule fires on `up == 0` for it. */
async function prometheusFinding(prometheus: PrometheusApi, service: string): Promise<PrometheusFinding> {
  const targets = await prometheus.activeTargets();
  const target = targets.find((labels) => labels['service'] === service || labels['job'] === service || labels['container'] === service);
  const job = target?.['job'] ?? null;
  const upRules = (await prometheus.alertRules()).filter((r) => isUpRuleFor(r.query, job, service));
  const forMs = upRules.map((r) => (r.durationSeconds ?? 0) * 1000);
  return { job, hasUpRule: upRules.length > 0, ...(forMs.length > 0 ? { ruleForMs: Math.max(...forMs) } : {}) };
}

/** 5xx answers of the service's job over the incident's downtime, when Prometheus has them. */
async function failedRequests(prometheus: PrometheusApi, job: string, incident: IncidentWithTimeline): Promise<number | undefined> {
  const end = incident.resolvedAt ?? incident.lastEventAt;
  const seconds = (Date.parse(end) - Date.parse(incident.openedAt)) / 1000;
  const value = await prometheus.instantValue(failedRequestsQuery(job, seconds), Date.parse(end));
  return value === undefined || !Number.isFinite(value) ? undefined : Math.round(value);
}

export function stackFindingsProvider(deps: { docker: Pick<DockerSource, 'containers'>; prometheus: PrometheusApi }) {
  return async (incident: IncidentWithTimeline): Promise<StackFindings | null> => {
    const containers = deps.docker.containers().filter((f) => f.container.service === incident.service).map(containerFinding);
    let prometheus: PrometheusFinding | null = null;
    let failed: number | undefined;
    try {
      prometheus = await prometheusFinding(deps.prometheus, incident.service);
      if (prometheus.job) failed = await failedRequests(deps.prometheus, prometheus.job, incident);
    } catch {
      prometheus = prometheus ?? null;
    }
    return { containers, prometheus, ...(failed !== undefined ? { failedRequests: failed } : {}) };
  };
}
