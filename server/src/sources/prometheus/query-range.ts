// The chart query (`GET /api/metrics/query_range`): a named chart for a service (anyone signed in)
// or free-form PromQL (admins), over a window read the way Prometheus reads it (RFC 3339 or Unix
// seconds; durations like `15s` or seconds), bounded so one chart can never ask Prometheus for, or
// make Vigil read, more than a screen can show. Pure.
import { z } from 'zod';
import { CHART_NAMES, type ChartName, type QueryRangeResponse } from '../../contract/index.ts';
import { READ_BUDGETS, type RangeBounds, type Series } from './client.ts';
import { chartQuery } from './charts.ts';

export const QUERY_RANGE_LIMITS = {
  /** The widest window a chart may ask for. */
  maxRangeMs: 7 * 24 * 3600_000,
  /** Points per series, as Prometheus's own limit (11,000). */
  maxPoints: 11_000,
  /** Series in one answer; more is not a chart anyone can read. */
  maxSeries: 200,
  maxQueryLength: 10_000,
  maxServiceLength: 256,
} as const;

/** What one point can take in Prometheus's JSON (`[1732442400.123,"0.30000000000000004"],`), with room. */
const BYTES_PER_POINT = 64;
/** A series' labels in Prometheus's JSON, with room. */
const BYTES_PER_SERIES = 4096;

/**
 * How much of Prometheus's answer to read for a window: what `maxSeries` series of its points can
 * take, never more than the chart budget. A larger answer is not a chart; reading stops there.
 */
export function rangeBounds(q: { start: number; end: number; step: number }): RangeBounds {
  const points = Math.floor((q.end - q.start) / (q.step * 1000)) + 1;
  const fits = QUERY_RANGE_LIMITS.maxSeries * (points * BYTES_PER_POINT + BYTES_PER_SERIES) + 64 * 1024;
  return {
    maxSeries: QUERY_RANGE_LIMITS.maxSeries,
    budget: { maxBytes: Math.min(READ_BUDGETS.chart.maxBytes, fits), timeoutMs: READ_BUDGETS.chart.timeoutMs },
  };
}

const DURATION_UNITS: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86_400, w: 604_800, y: 31_536_000 };

/** Seconds, from `15s`, `1m30s`, `500ms` or a plain number of seconds; undefined when neither. */
export function parseDurationSeconds(text: string): number | undefined {
  const value = text.trim();
  if (/^\d+(\.\d+)?$/.test(value)) return Number(value);
  if (!/^(\d+(ms|s|m|h|d|w|y))+$/.test(value)) return undefined;
  let total = 0;
  for (const [, n, unit] of value.matchAll(/(\d+)(ms|s|m|h|d|w|y)/g)) total += Number(n) * (DURATION_UNITS[unit ?? 's'] ?? 1);
  return total;
}

/** Epoch ms, from RFC 3339 or Unix seconds (fractions allowed); undefined when neither. */
export function parseTimeMs(text: string): number | undefined {
  const value = text.trim();
  if (/^-?\d+(\.\d+)?$/.test(value)) return Math.round(Number(value) * 1000);
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/i.test(value)) return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : ms;
}

/** A query-string parameter given once (`?step=1&step=2` is an array). */
const single = z.string({ error: (issue) => (issue.input === undefined ? 'required' : 'expected one value') });

const time = single.transform((v, ctx) => {
  const ms = parseTimeMs(v);
  if (ms === undefined) {
    ctx.addIssue({ code: 'custom', message: 'expected an RFC 3339 time or Unix seconds' });
    return z.NEVER;
  }
  return ms;
});

const chartNames = CHART_NAMES.join(', ');

export const queryRangeSchema = z.object({
  chart: single.pipe(z.enum(CHART_NAMES, { error: `expected one of ${chartNames}` })).optional(),
  service: single.trim().min(1, 'required').max(QUERY_RANGE_LIMITS.maxServiceLength, `at most ${QUERY_RANGE_LIMITS.maxServiceLength} characters`).optional(),
  query: single.trim().min(1, 'required').max(QUERY_RANGE_LIMITS.maxQueryLength, `at most ${QUERY_RANGE_LIMITS.maxQueryLength} characters`).optional(),
  start: time,
  end: time,
  step: single.transform((v, ctx) => {
    const seconds = parseDurationSeconds(v);
    if (seconds === undefined || seconds <= 0) {
      ctx.addIssue({ code: 'custom', message: 'expected a positive duration such as 15s or 1m, or seconds' });
      return z.NEVER;
    }
    return seconds;
  }),
}).superRefine((q, ctx) => {
  if (q.chart !== undefined && q.query !== undefined) {
    ctx.addIssue({ code: 'custom', path: ['query'], message: 'give either chart (with service) or query, not both' });
  } else if (q.chart === undefined && q.query === undefined) {
    ctx.addIssue({ code: 'custom', path: ['chart'], message: `required: one of ${chartNames}, with service` });
  } else if (q.chart !== undefined && q.service === undefined) {
    ctx.addIssue({ code: 'custom', path: ['service'], message: 'required with chart' });
  } else if (q.query !== undefined && q.service !== undefined) {
    ctx.addIssue({ code: 'custom', path: ['service'], message: 'goes with chart, not with query' });
  }
  if (q.end < q.start) {
    ctx.addIssue({ code: 'custom', path: ['end'], message: 'must not be before start' });
    return;
  }
  if (q.end - q.start > QUERY_RANGE_LIMITS.maxRangeMs) {
    ctx.addIssue({ code: 'custom', path: ['end'], message: 'the range from start to end may span at most 7 days' });
    return;
  }
  const points = Math.floor((q.end - q.start) / (q.step * 1000)) + 1;
  if (points > QUERY_RANGE_LIMITS.maxPoints) {
    ctx.addIssue({
      code: 'custom', path: ['step'],
      message: `gives ${points} points per series; at most ${QUERY_RANGE_LIMITS.maxPoints} — use a step of at least ${Math.ceil((q.end - q.start) / 1000 / (QUERY_RANGE_LIMITS.maxPoints - 1))}s`,
    });
  }
});

export type QueryRangeInput = z.infer<typeof queryRangeSchema>;

/** A checked request: the named chart's PromQL is built here, from the template and the service. */
export type QueryRange =
  | { kind: 'chart'; chart: ChartName; service: string; query: string; start: number; end: number; step: number }
  | { kind: 'query'; query: string; start: number; end: number; step: number };

export function queryRangeRequest(input: QueryRangeInput): QueryRange {
  const { start, end, step } = input;
  if (input.chart !== undefined && input.service !== undefined) {
    return { kind: 'chart', chart: input.chart, service: input.service, query: chartQuery(input.chart, input.service, step), start, end, step };
  }
  if (input.query !== undefined) return { kind: 'query', query: input.query, start, end, step };
  throw new Error('queryRangeSchema lets through neither a chart nor a query');
}

export function queryRangeResponse(q: QueryRange, series: readonly Series[]): QueryRangeResponse {
  return {
    ...(q.kind === 'chart' ? { chart: q.chart, service: q.service } : {}),
    query: q.query,
    start: new Date(q.start).toISOString(),
    end: new Date(q.end).toISOString(),
    stepSeconds: q.step,
    series: series.map((s) => ({
      labels: s.labels,
      points: s.samples.map((p) => [new Date(p.t).toISOString(), Number.isFinite(p.v) ? p.v : null]),
    })),
  };
}
