// The Prometheus HTTP API as Vigil uses it, over prometheus-query, with its failures sorted into
// what a caller can act on (unreachable, timed out, a bad query, an answer too large, Prometheus
// failing). Every read is bounded in bytes and in time: a Prometheus (or something posing as one)
// that answers without end is cut off, never read into memory whole.
import { PrometheusDriver } from 'prometheus-query';
import type { Alert, QueryResult, RangeVector } from 'prometheus-query';
import { redactUrl, redactUrlsInText } from '../../redact-url.ts';

export type PrometheusFailure = 'unreachable' | 'timeout' | 'bad_query' | 'too_large' | 'too_many_series' | 'failed';

const MiB = 1024 * 1024;

/** How much of one answer Vigil reads, and for how long, before it gives up on it. */
export interface ReadBudget {
  /** Bytes of the (decompressed) answer body. */
  maxBytes: number;
  /** The whole exchange, from connecting to the last byte (axios's own timeout is only an idle one). */
  timeoutMs: number;
}

export const READ_BUDGETS = {
  /** `/api/v1/alerts` and the raw samples of `up`, `app_health`, `ALERTS{…}`, every poll. */
  poll: { maxBytes: 16 * MiB, timeoutMs: 10_000 },
  /** Targets, rules and one figure for a post-mortem draft: a person is waiting for the page. */
  findings: { maxBytes: 8 * MiB, timeoutMs: 5_000 },
  /** A chart's range query: never more than this, whatever its series and points allow. */
  chart: { maxBytes: 16 * MiB, timeoutMs: 20_000 },
} as const satisfies Record<string, ReadBudget>;

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

export interface RangeBounds {
  /** More series than this is refused; Prometheus ≥ 3 is asked for one more at most (`limit`). */
  maxSeries: number;
  budget: ReadBudget;
}

/** What the Prometheus source, the chart route and post-mortem findings need; tests may hand in their own. */
export interface PrometheusApi {
  /** PROMETHEUS_URL as it may be shown: without credentials (redactUrl). */
  readonly url: string;
  /** GET /api/v1/alerts: pending and firing alerts. */
  alerts(): Promise<PrometheusAlert[]>;
  /** The raw samples of `selector` over the last `seconds` (an instant query of a range selector). */
  rawSamples(selector: string, seconds: number): Promise<Series[]>;
  /** GET /api/v1/query_range, bounded; more than `maxSeries` series is a PrometheusError `too_many_series`. */
  queryRange(query: string, startMs: number, endMs: number, stepSeconds: number, bounds: RangeBounds): Promise<Series[]>;
  /** One number: the first sample of an instant query at `atMs` (undefined when it has none). */
  instantValue(query: string, atMs: number): Promise<number | undefined>;
  /** The labels of the targets Prometheus scrapes now. */
  activeTargets(): Promise<Array<Record<string, string>>>;
  /** The alerting rules: their expression and `for:` in seconds. */
  alertRules(): Promise<Array<{ name: string; query: string; durationSeconds?: number }>>;
}

interface DriverFailure {
  errorType?: unknown;
  error?: unknown;
  code?: unknown;
  httpStatus?: unknown;
}

function megabytes(bytes: number): string {
  return `${Math.round((bytes / MiB) * 10) / 10} MB`;
}

/** `url` is the shown one (no credentials); whatever a library said is redacted too. */
function describeFailure(url: string, thrown: unknown, budget: ReadBudget): PrometheusError {
  if (thrown instanceof PrometheusError) return thrown;
  // prometheus-query rejects with plain objects, not Errors.
  const f: DriverFailure = typeof thrown === 'object' && thrown !== null ? thrown as DriverFailure : {};
  const said = redactUrlsInText(typeof f.error === 'string' ? f.error : thrown instanceof Error ? thrown.message : String(thrown));
  const code = typeof f.code === 'string' ? `${f.code} ` : '';
  if (f.code === 'ERR_BAD_RESPONSE' && /maxContentLength/.test(said)) {
    return new PrometheusError('too_large', `Prometheus's answer passed ${megabytes(budget.maxBytes)} before it ended; Vigil stopped reading it`);
  }
  if (f.code === 'ERR_CANCELED' || f.code === 'ECONNABORTED') {
    return new PrometheusError('timeout', `Prometheus at ${url} did not answer within ${budget.timeoutMs / 1000} s`);
  }
  switch (f.errorType) {
    case 'network_error':
    case 'ssl_error':
      return new PrometheusError('unreachable', `Prometheus at ${url} cannot be reached (${code}${said})`);
    case 'timeout_error':
      return new PrometheusError('timeout', `Prometheus at ${url} did not answer within ${budget.timeoutMs / 1000} s`);
    case 'http_error': {
      const status = typeof f.httpStatus === 'number' ? f.httpStatus : 0;
      // 400 bad_data (the query does not parse), 422 execution (too many samples, …).
      if (status === 422 && /too many samples/i.test(said)) return new PrometheusError('too_large', `Prometheus refused the query: ${said}`);
      if (status === 400 || status === 422) return new PrometheusError('bad_query', `Prometheus refused the query: ${said}`);
      // 503 is also how Prometheus says its own evaluation timeout (`timeout`, `--query.timeout`) ran out.
      if (status === 503 && /timed out|timeout/i.test(said)) return new PrometheusError('timeout', `Prometheus gave up on the query: ${said}`);
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

/** The first sample of an instant vector or a scalar. */
function firstValue(result: QueryResult): number | undefined {
  if (result.resultType === 'scalar' || result.resultType === 'string') {
    const v = (result.result as { value?: unknown }).value;
    return typeof v === 'number' ? v : undefined;
  }
  if (result.resultType !== 'vector') return undefined;
  const [first] = result.result as Array<{ value?: { value?: unknown } }>;
  return typeof first?.value?.value === 'number' ? first.value.value : undefined;
}

/**
 * `url` may carry credentials (`http://user:pass@host:9090`): they go to Prometheus as basic auth
 * and nowhere else; `api.url`, every message and every log line show it without them.
 */
export function prometheusApi(url: string): PrometheusApi {
  const target = new URL(url);
  const auth = target.username !== '' ? { username: decodeURIComponent(target.username), password: decodeURIComponent(target.password) } : undefined;
  target.username = '';
  target.password = '';
  const endpoint = target.toString().replace(/\/+$/, '');
  const shown = redactUrl(url).replace(/\/+$/, '');

  /** A driver whose every request is cut off at the budget's bytes and time, with extra query parameters. */
  const driver = (budget: ReadBudget, params: Record<string, string> = {}): PrometheusDriver => new PrometheusDriver({
    endpoint, baseURL: '/api/v1/', timeout: budget.timeoutMs,
    ...(auth ? { auth } : {}),
    requestInterceptor: {
      onFulfilled: (config) => {
        config.maxContentLength = budget.maxBytes;
        config.maxBodyLength = 64 * 1024;
        config.maxRedirects = 0;
        config.signal = AbortSignal.timeout(budget.timeoutMs);
        if (config.params instanceof URLSearchParams) for (const [k, v] of Object.entries(params)) config.params.set(k, v);
        return config;
      },
    },
  });
  const call = async <T>(budget: ReadBudget, work: () => Promise<T>): Promise<T> => {
    try {
      return await work();
    } catch (err) {
      throw describeFailure(shown, err, budget);
    }
  };
  /** Prometheus's own evaluation timeout, a little under Vigil's so Prometheus gives up first. */
  const evalTimeout = (budget: ReadBudget): string => `${Math.max(1, Math.floor(budget.timeoutMs / 1000) - 1)}s`;
  const poll = READ_BUDGETS.poll;
  const findings = READ_BUDGETS.findings;
  return {
    url: shown,
    alerts: () => call(poll, async () => (await driver(poll).alerts()).map(alertOf).filter((a) => a !== null)),
    rawSamples: (selector, seconds) => call(poll, async () => seriesOf(await driver(poll).instantQuery(`${selector}[${Math.max(1, Math.ceil(seconds))}s]`, new Date(), evalTimeout(poll)))),
    queryRange: (query, startMs, endMs, stepSeconds, bounds) => call(bounds.budget, async () => {
      const limit = { limit: String(bounds.maxSeries + 1) };
      const series = seriesOf(await driver(bounds.budget, limit).rangeQuery(query, startMs, endMs, stepSeconds, evalTimeout(bounds.budget)));
      if (series.length > bounds.maxSeries) {
        // Prometheus ≥ 3 stops at `limit`: then all that is known is "more".
        throw new PrometheusError('too_many_series', `The query returns ${series.length > bounds.maxSeries + 1 ? series.length : `more than ${bounds.maxSeries}`} series; a chart shows at most ${bounds.maxSeries}`);
      }
      return series;
    }),
    instantValue: (query, atMs) => call(findings, async () => firstValue(await driver(findings).instantQuery(query, atMs, evalTimeout(findings)))),
    activeTargets: () => call(findings, async () => {
      const answer: unknown = await driver(findings, { state: 'active' }).targets('active');
      const targets = typeof answer === 'object' && answer !== null && 'activeTargets' in answer && Array.isArray(answer.activeTargets) ? answer.activeTargets as unknown[] : [];
      return targets.map((t) => stringRecord(typeof t === 'object' && t !== null && 'labels' in t ? t.labels : undefined));
    }),
    alertRules: () => call(findings, async () => (await driver(findings, { type: 'alert' }).rules())
      .flatMap((g) => g.rules)
      .filter((r) => r.type === 'alerting' && typeof r.query === 'string')
      .map((r) => ({ name: String(r.name), query: r.query, ...(typeof r.duration === 'number' ? { durationSeconds: r.duration } : {}) }))),
  };
}
