// The named charts of an incident's metrics panel: the only PromQL a viewer can have Vigil run. Each
// is a template filled with the service name (a string literal, never syntax) on the server. Pure.
import type { ChartName } from '../../contract/index.ts';
import { promDuration, seriesSelector, type Matcher } from '../../domain/promql.ts';

/** A target is the service's when its `job` or its `service` label names it (the sample stack sets both). */
const BY: ReadonlyArray<'job' | 'service'> = ['job', 'service'];

/** The rate window: at least a minute (a few scrapes), and never shorter than a step, so no sample falls between points. */
function rateWindow(stepSeconds: number): string {
  return promDuration(Math.max(60, stepSeconds));
}

/** `metric{job=S} or metric{service=S}`: `or` keeps one copy of a series both match. */
function either(metric: string, service: string): string {
  return BY.map((label) => seriesSelector(metric, [[label, '=', service]])).join(' or ');
}

function requestRate(service: string, stepSeconds: number, extra: readonly Matcher[] = []): string {
  const window = rateWindow(stepSeconds);
  return `sum(${BY.map((label) => `rate(${seriesSelector('http_requests_total', [[label, '=', service], ...extra])}[${window}])`).join(' or ')})`;
}

/** The PromQL of a named chart for a service. */
export function chartQuery(chart: ChartName, service: string, stepSeconds: number): string {
  switch (chart) {
    case 'up': return either('up', service);
    case 'app_health': return either('app_health', service);
    case 'requests': return requestRate(service, stepSeconds);
    case 'errors': return requestRate(service, stepSeconds, [['status', '=~', '5..']]);
  }
}
