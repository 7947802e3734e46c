// The chart query (`GET /api/metrics/query_range`): its parameters, read the way Prometheus reads
// them (RFC 3339 or Unix seconds; durations like `15s` or seconds), bounded so one chart can never
// ask Prometheus for more than a screen can show. Pure.
import { z } from 'zod';
import type { Series } from './client.ts';

export const QUERY_RANGE_LIMITS = {
  /** The widest window a chart may ask for. */
  maxRangeMs: 7 * 24 * 3600_000,
  /** Points per series, as Prometheus's own limit (11,000). */
  maxPoints: 11_000,
  /** Series in one answer; more is not a chart anyone can read. */
  maxSeries: 200,
  maxQueryLength: 10_000,
} as const;

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

export const queryRangeSchema = z.object({
  query: single.trim().min(1, 'required').max(QUERY_RANGE_LIMITS.maxQueryLength, `at most ${QUERY_RANGE_LIMITS.maxQueryLength} characters`),
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

export type QueryRange = z.infer<typeof queryRangeSchema>;

export interface QueryRangeSeries {
  labels: Record<string, string>;
  /** [time (ISO), value]; NaN and ±Inf, which JSON cannot carry, are null. */
  points: Array<[string, number | null]>;
}

export interface QueryRangeResponse {
  query: string;
  start: string;
  end: string;
  stepSeconds: number;
  series: QueryRangeSeries[];
}

export function queryRangeResponse(q: QueryRange, series: readonly Series[]): QueryRangeResponse {
  return {
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
