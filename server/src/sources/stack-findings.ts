// Looks at the stack as it is now, for a post-mortem's action items: the service's containers
// (restart policy, healthcheck, supervision) and whether Prometheus scrapes it and alerts on `up == 0`.
// Prometheus is read through the bounded client (bytes and time), like every other read of it.
import type Docker from 'dockerode';
import type { IncidentWithTimeline } from '../contract/index.ts';
import { failedRequestsQuery, isUpRuleFor, type ContainerFinding, type PrometheusFinding, type StackFindings } from '../domain/postmortem/findings.ts';
import type { PrometheusApi } from './prometheus/client.ts';

function serviceOf(labels: Record<string, string>, name: string): string {
  return labels['vigil.service'] ?? labels['com.docker.compose.service'] ?? name;
}

async function containersOf(service: string, docker: Docker, host: string): Promise<ContainerFinding[]> {
  const list = await docker.listContainers({ all: true });
  const mine = list.filter((c) => serviceOf(c.Labels ?? {}, (c.Names[0] ?? '').replace(/^\//, '')) === service);
  return Promise.all(mine.map(async (c) => {
    const info = await docker.getContainer(c.Id).inspect();
    const labels = info.Config.Labels ?? {};
    return {
      name: info.Name.replace(/^\//, ''),
      host,
      restartPolicy: info.HostConfig.RestartPolicy?.Name ?? '',
      hasHealthcheck: Array.isArray(info.Config.Healthcheck?.Test) && info.Config.Healthcheck.Test[0] !== 'NONE' && info.Config.Healthcheck.Test.length > 0,
      supervised: labels['vigil.supervise'] === 'true',
    };
  }));
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

export function stackFindingsProvider(deps: { dockers: Array<{ host: string; docker: Docker }>; prometheus: PrometheusApi }) {
  return async (incident: IncidentWithTimeline): Promise<StackFindings | null> => {
    const containers = (await Promise.all(deps.dockers.map(async ({ host, docker }) => {
      try {
        return await containersOf(incident.service, docker, host);
      } catch {
        return []; // An unreachable daemon has nothing to say about its containers today.
      }
    }))).flat();
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
