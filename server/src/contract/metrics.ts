// `GET /api/metrics/query_range`: a chart's series as Vigil answers them.
import type { ChartName } from './values.ts';

export interface QueryRangeSeries {
  labels: Record<string, string>;
  /** [time (ISO), value]; NaN and ±Inf, which JSON cannot carry, are null. */
  points: Array<[string, number | null]>;
}

export interface QueryRangeResponse {
  chart?: ChartName;
  service?: string;
  /** The PromQL Prometheus ran: for a named chart, the one Vigil built. */
  query: string;
  start: string;
  end: string;
  stepSeconds: number;
  series: QueryRangeSeries[];
}
