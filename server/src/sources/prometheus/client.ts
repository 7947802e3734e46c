// The Prometheus HTTP API as Vigil uses it, over prometheus-query, with its failures sorted into
// what a caller can act on (unreachable, timed out, a bad query, Prometheus failing).
import { PrometheusDriver } from 'prometheus-query';
import type { Alert, QueryResult, RangeVector } from 'prometheus-query';

export type PrometheusFailure = 'unreachable' | 'timeout' | 'bad_query' | 'failed';

export class PrometheusError extends Error {
  override name = 'PrometheusError';
  readonly failure: PrometheusFailure;
  constructor(failure: PrometheusFailure, message: string) {
    super(message);
    this.failure = failure;
  }
}

export interface Sample {
  /** Epoch milliseconds. */
  t: number;
  /** NaN and ±Inf stay as they are (Prometheus writes them as strings). */
  v: number;
}

export interface Series {
  /** The series' labels, `__name__` included when it has one. */
  labels: Record<string, string>;
  samples: Sample[];
}

export interface PrometheusAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  state: 'pending' | 'firing';
  /** When the alert went pending, epoch ms. */
  activeAtMs: number;
  value: number;
}

/** What the Prometheus source and the chart route need; tests may hand in their own. */
export interface PrometheusApi {
  readonly url: string;
  /** GET /api/v1/alerts: pending and firing alerts. */
  alerts(): Promise<PrometheusAlert[]>;
  /** The raw samples of `selector` over the last `seconds` (an instant query of a range selector). */
  rawSamples(selector: string, seconds: number): Promise<Series[]>;
  /** GET /api/v1/query_range. */
  queryRange(query: string, startMs: number, endMs: number, stepSeconds: number): Promise<Series[]>;
}

interface DriverFailure {
  errorType?: unknown;
  error?: unknown;
  code?: unknown;
  httpStatus?: unknown;
}

function describeFailure(url: string, thrown: unknown): PrometheusError {
  if (thrown instanceof PrometheusError) return thrown;
  // prometheus-query rejects with plain objects, not Errors.
  const f: DriverFailure = typeof thrown === 'object' && thrown !== null ? thrown as DriverFailure : {};
  const said = typeof f.error === 'string' ? f.error : thrown instanceof Error ? thrown.message : String(thrown);
  const code = typeof f.code === 'string' ? `${f.code} ` : '';
  switch (f.errorType) {
    case 'network_error':
    case 'ssl_error':
      return new PrometheusError('unreachable', `Prometheus at ${url} cannot be reached (${code}${said})`);
    case 'timeout_error':
      return new PrometheusError('timeout', `Prometheus at ${url} did not answer in time`);
    case 'http_error': {
      const status = typeof f.httpStatus === 'number' ? f.httpStatus : 0;
      // 400 bad_data (the query does not parse), 422 execution (too many samples, …).
      if (status === 400 || status === 422) return new PrometheusError('bad_query', `Prometheus refused the query: ${said}`);
      if (status === 503) return new PrometheusError('unreachable', `Prometheus at ${url} is not ready (HTTP 503: ${said})`);
      return new PrometheusError('failed', `Prometheus at ${url} answered HTTP ${status}: ${said}`);
    }
    default:
      return new PrometheusError('failed', `Prometheus at ${url} gave an answer Vigil does not understand (${said})`);
  }
}

function stringRecord(value: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (typeof value !== 'object' || value === null) return out;
  for (const [k, v] of Object.entries(value)) if (typeof v === 'string') out[k] = v;
  return out;
}

/** prometheus-query's matrix result → series (a vector or scalar gives none). */
export function seriesOf(result: QueryResult): Series[] {
  if (result.resultType !== 'matrix') return [];
  return (result.result as RangeVector[]).map((rv) => ({
    labels: { ...stringRecord(rv.metric?.labels), ...(rv.metric?.name ? { __name__: rv.metric.name } : {}) },
    samples: rv.values.map((s: { time: Date; value: number }) => ({ t: s.time.getTime(), v: s.value })),
  }));
}

export function alertOf(a: Alert): PrometheusAlert | null {
  if ((a.state !== 'pending' && a.state !== 'firing') || !(a.activeAt instanceof Date)) return null;
  return {
    labels: stringRecord(a.labels),
    annotations: stringRecord(a.annotations),
    state: a.state,
    activeAtMs: a.activeAt.getTime(),
    value: typeof a.value === 'number' ? a.value : Number.NaN,
  };
}

export function prometheusApi(url: string, timeoutMs = 10_000): PrometheusApi {
  const driver = new PrometheusDriver({ endpoint: url, baseURL: '/api/v1/', timeout: timeoutMs });
  const call = async <T>(work: () => Promise<T>): Promise<T> => {
    try {
      return await work();
    } catch (err) {
      throw describeFailure(url, err);
    }
  };
  return {
    url,
    alerts: () => call(async () => (await driver.alerts()).map(alertOf).filter((a) => a !== null)),
    rawSamples: (selector, seconds) => call(async () => seriesOf(await driver.instantQuery(`${selector}[${Math.max(1, Math.ceil(seconds))}s]`, new Date()))),
    queryRange: (query, startMs, endMs, stepSeconds) => call(async () => seriesOf(await driver.rangeQuery(query, startMs, endMs, stepSeconds))),
  };
}
