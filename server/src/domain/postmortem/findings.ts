// What Vigil found by looking at the stack itself when drafting a post-mortem. Gathered by I/O
// elsewhere (Docker inspect, Prometheus rules and targets); here only the shape, the advice and the
// PromQL it asks with (built with domain/promql.ts: a job name is data, never query syntax).
import { promDuration, promString, seriesSelector } from '../promql.ts';

export interface ContainerFinding {
  name: string;
  host: string;
  /** Docker's RestartPolicy.Name: '' or 'no' means none. */
  restartPolicy: string;
  hasHealthcheck: boolean;
  supervised: boolean;
}

export interface PrometheusFinding {
  /** The Prometheus job that scrapes the service, when one does. */
  job: string | null;
  /** An alert rule that fires on `up == 0` for that job exists. */
  hasUpRule: boolean;
  /** The longest `for:` among the service's alert rules, in ms, when known. */
  ruleForMs?: number;
}

export interface StackFindings {
  containers: ContainerFinding[];
  /** Null when Prometheus could not be asked. */
  prometheus: PrometheusFinding | null;
  /** Requests the service answered with 5xx during the outage, when Prometheus knows. */
  failedRequests?: number;
}

/** An action item Vigil suggests in a draft (saved, it becomes a task line: contract `ActionItem`). */
export interface SuggestedActionItem {
  /** Stable within an incident, so marking one done survives a re-draft. */
  key: string;
  text: string;
}

const SLOW_ALERT_MS = 10_000;

/** The 5xx answers of a job over `seconds` (an instant query at the end of the window). */
export function failedRequestsQuery(job: string, seconds: number): string {
  return `sum(increase(${seriesSelector('http_requests_total', [['job', '=', job], ['status', '=~', '5..']])}[${promDuration(seconds)}]))`;
}

/** The alert rule a job needs: `up{job="…"} == 0`. */
export function upRuleExpr(job: string): string {
  return `${seriesSelector('up', [['job', '=', job]])} == 0`;
}

/**
 * Whether an alerting rule's expression fires on `up == 0` for the job (or, with no job known, names
 * the service): a rule on `up` with no job matcher covers every job. Prometheus shows the expression
 * as written, so the job is looked for as a PromQL string literal, escaped as Vigil would write it.
 */
export function isUpRuleFor(expr: string, job: string | null, service: string): boolean {
  if (!/\bup\b/.test(expr) || !/==\s*0/.test(expr)) return false;
  if (job === null) return expr.includes(service);
  return expr.includes(promString(job)) || !/job\s*=/.test(expr);
}

/** Action items suggested from what happened and from the stack as it is now. */
export function suggestActionItems(input: {
  service: string;
  findings: StackFindings | null;
  /** First failure → first alert webhook, when an alert came at all. */
  alertDelayMs: number | null;
  alerted: boolean;
  restartedBy: 'person' | 'supervisor' | 'docker' | null;
}): SuggestedActionItem[] {
  const items: SuggestedActionItem[] = [];
  const f = input.findings;
  for (const c of f?.containers ?? []) {
    if (c.restartPolicy === '' || c.restartPolicy === 'no') {
      items.push({ key: `restart-policy:${c.name}`, text: `Give \`${c.name}\` (${c.host}) a restart policy (\`restart: unless-stopped\`); note that Docker never restarts a container stopped by \`docker kill\`.` });
    }
    if (!c.hasHealthcheck) {
      items.push({ key: `healthcheck:${c.name}`, text: `Add a healthcheck to \`${c.name}\` (exec form, e.g. \`["CMD","node","-e","fetch('http://localhost/health')…"]\`) so a hung process is noticed.` });
    }
    if (!c.supervised) {
      items.push({ key: `supervise:${c.name}`, text: `Label \`${c.name}\` with \`vigil.supervise=true\` so Vigil heals it within seconds, kills included.` });
    }
  }
  if (f?.prometheus && !f.prometheus.hasUpRule) {
    const job = f.prometheus.job ?? input.service;
    items.push({ key: `up-rule:${job}`, text: `Add an alert rule \`${upRuleExpr(job)}\` (for: 15s) for the \`${job}\` job: nobody was paged by Prometheus.` });
  }
  if (!input.alerted && f?.prometheus?.hasUpRule !== false) {
    items.push({ key: 'no-alert', text: `No alert reached Vigil for this outage: check that Alertmanager routes ${input.service}'s alerts to Vigil's webhook.` });
  }
  if (input.alertDelayMs !== null && input.alertDelayMs > SLOW_ALERT_MS) {
    const s = Math.round(input.alertDelayMs / 1000);
    items.push({ key: 'slow-alert', text: `The alert reached Vigil ${s} s after the outage began: shorten the rule's \`for:\` and Alertmanager's \`group_wait\`.` });
  }
  if (input.restartedBy === 'person') {
    items.push({ key: 'manual-heal', text: `Service came back only when a person restarted it: let the supervisor do it (\`vigil.supervise=true\`) and keep people for the cause.` });
  }
  return items;
}
