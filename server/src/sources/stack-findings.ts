// Looks at the stack as it is now, for a post-mortem's action items: the service's containers
// (restart policy, healthcheck, supervision) and whether Prometheus scrapes it and alerts on `up == 0`.
import type Docker from 'dockerode';
import { z } from 'zod';
import type { IncidentWithTimeline } from '../contract/index.ts';
import type { ContainerFinding, PrometheusFinding, StackFindings } from '../domain/postmortem/findings.ts';

const rulesSchema = z.object({
  data: z.object({
    groups: z.array(z.object({
      rules: z.array(z.looseObject({ type: z.string(), name: z.string(), query: z.string(), duration: z.number().optional() })),
    })),
  }),
});

const targetsSchema = z.object({
  data: z.object({ activeTargets: z.array(z.looseObject({ labels: z.record(z.string(), z.string()) })) }),
});

const queryScalarSchema = z.object({
  data: z.object({ result: z.array(z.object({ value: z.tuple([z.number(), z.string()]) })) }),
});

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

async function getJson(url: string): Promise<unknown> {
  const res = await fetch(url, { signal: AbortSignal.timeout(3_000) });
  if (!res.ok) throw new Error(`Prometheus answered ${res.status} for ${url}`);
  return res.json();
}

/** The service's job, and whether an alert rule fires on `up == 0` for it. */
async function prometheusFinding(prometheusUrl: string, service: string): Promise<PrometheusFinding> {
  const targets = targetsSchema.parse(await getJson(`${prometheusUrl}/api/v1/targets?state=active`)).data.activeTargets;
  const target = targets.find((t) => t.labels['service'] === service || t.labels['job'] === service || t.labels['container'] === service);
  const job = target?.labels['job'] ?? null;
  const rules = rulesSchema.parse(await getJson(`${prometheusUrl}/api/v1/rules?type=alert`)).data.groups.flatMap((g) => g.rules);
  const upRules = rules.filter((r) => /\bup\b/.test(r.query) && /==\s*0/.test(r.query)
    && (job === null ? r.query.includes(service) : r.query.includes(`"${job}"`) || !/job\s*=/.test(r.query)));
  const forMs = upRules.map((r) => (r.duration ?? 0) * 1000);
  return { job, hasUpRule: upRules.length > 0, ...(forMs.length > 0 ? { ruleForMs: Math.max(...forMs) } : {}) };
}

/** 5xx answers of the service's job over the incident's downtime, when Prometheus has them. */
async function failedRequests(prometheusUrl: string, job: string, incident: IncidentWithTimeline): Promise<number | undefined> {
  const end = incident.resolvedAt ?? incident.lastEventAt;
  const seconds = Math.max(1, Math.ceil((Date.parse(end) - Date.parse(incident.openedAt)) / 1000));
  const query = `sum(increase(http_requests_total{job="${job.replace(/"/g, '')}",status=~"5.."}[${seconds}s]))`;
  const body = queryScalarSchema.parse(await getJson(`${prometheusUrl}/api/v1/query?query=${encodeURIComponent(query)}&time=${encodeURIComponent(end)}`));
  const value = body.data.result[0]?.value[1];
  return value === undefined ? undefined : Math.round(Number(value));
}

export function stackFindingsProvider(deps: { dockers: Array<{ host: string; docker: Docker }>; prometheusUrl: string }) {
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
      prometheus = await prometheusFinding(deps.prometheusUrl, incident.service);
      if (prometheus.job) failed = await failedRequests(deps.prometheusUrl, prometheus.job, incident);
    } catch {
      prometheus = prometheus ?? null;
    }
    return { containers, prometheus, ...(failed !== undefined ? { failedRequests: failed } : {}) };
  };
}
