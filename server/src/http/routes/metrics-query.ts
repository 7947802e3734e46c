// GET /api/metrics/query_range: the incident charts. Anyone signed in asks for a named chart of a
// service (the PromQL is built here from a template); free-form PromQL is for admins only. Bounded in
// range, points, series and the bytes Vigil reads; Prometheus's own troubles are answered as such
// (503/504/502), an answer too large to chart as 422.
import { Router } from 'express';
import { roleAtLeast } from '../../auth/service.ts';
import { CHART_NAMES } from '../../contract/index.ts';
import { PrometheusError, type PrometheusApi } from '../../sources/prometheus/client.ts';
import { queryRangeRequest, queryRangeResponse, queryRangeSchema, rangeBounds, type QueryRange } from '../../sources/prometheus/query-range.ts';
import { ReadGate, ReadGateFullError } from '../../sources/prometheus/read-gate.ts';
import { principalOf } from '../auth-middleware.ts';
import { HttpError, parseQuery } from '../errors.ts';

/** Chart reads at once, and waiting behind them; the UI's panel asks for four charts together. */
const CONCURRENT_READS = 2;
const WAITING_READS = 32;

function narrowing(q: QueryRange): string {
  return q.kind === 'chart'
    ? 'Ask for a shorter window or a larger step.'
    : 'Narrow it with label matchers, aggregate it (sum by …), or ask for a shorter window or a larger step.';
}

function prometheusProblem(err: unknown, q: QueryRange): unknown {
  if (err instanceof ReadGateFullError) {
    return new HttpError(503, 'prometheus_busy', 'Too many chart queries are waiting for Prometheus; try again in a few seconds.');
  }
  if (!(err instanceof PrometheusError)) return err;
  switch (err.failure) {
    case 'unreachable': return new HttpError(503, 'prometheus_unavailable', `${err.message}. Charts need Prometheus; see /readyz.`);
    case 'timeout': return new HttpError(504, 'prometheus_timeout', `${err.message}; try a shorter range or a larger step.`);
    case 'bad_query': return new HttpError(400, 'invalid_query', err.message);
    case 'too_many_series': return new HttpError(422, 'too_many_series', `${err.message}. ${narrowing(q)}`);
    case 'too_large': return new HttpError(422, 'answer_too_large', `${err.message}: more than a chart can show. ${narrowing(q)}`);
    case 'failed': return new HttpError(502, 'prometheus_error', err.message);
  }
}

export function metricsQueryRoutes(deps: { prometheus: PrometheusApi }): Router {
  const r = Router();
  const gate = new ReadGate(CONCURRENT_READS, WAITING_READS);

  r.get('/metrics/query_range', async (req, res) => {
    const q = queryRangeRequest(parseQuery(queryRangeSchema, req.query));
    const principal = principalOf(req);
    // Free-form PromQL reads every metric Prometheus has and can make it evaluate anything.
    if (q.kind === 'query' && !roleAtLeast(principal.role, 'admin')) {
      throw new HttpError(403, 'forbidden', `Free-form PromQL (query=) needs the admin role; you are signed in as ${principal.role}. Ask for a named chart instead: chart=${CHART_NAMES.join('|')}&service=<service>.`);
    }
    let series;
    try {
      series = await gate.run(() => deps.prometheus.queryRange(q.query, q.start, q.end, q.step, rangeBounds(q)));
    } catch (err) {
      throw prometheusProblem(err, q);
    }
    res.json(queryRangeResponse(q, series));
  });

  return r;
}
