// GET /api/metrics/query_range (viewer): a Prometheus range query for the incident charts, bounded
// in range and points; Prometheus's own troubles are answered as such (503/504/502), not as Vigil's.
import { Router } from 'express';
import { PrometheusError, type PrometheusApi } from '../../sources/prometheus/client.ts';
import { QUERY_RANGE_LIMITS, queryRangeResponse, queryRangeSchema } from '../../sources/prometheus/query-range.ts';
import { HttpError } from '../errors.ts';

function prometheusProblem(err: unknown): unknown {
  if (!(err instanceof PrometheusError)) return err;
  switch (err.failure) {
    case 'unreachable': return new HttpError(503, 'prometheus_unavailable', `${err.message}. Charts need Prometheus; see /readyz.`);
    case 'timeout': return new HttpError(504, 'prometheus_timeout', `${err.message}; try a shorter range or a larger step.`);
    case 'bad_query': return new HttpError(400, 'invalid_query', err.message);
    case 'failed': return new HttpError(502, 'prometheus_error', err.message);
  }
}

export function metricsQueryRoutes(deps: { prometheus: PrometheusApi }): Router {
  const r = Router();

  r.get('/metrics/query_range', async (req, res) => {
    const parsed = queryRangeSchema.safeParse({
      query: req.query['query'], start: req.query['start'], end: req.query['end'], step: req.query['step'],
    });
    if (!parsed.success) {
      const problems = parsed.error.issues.map((i) => `${i.path.join('.') || 'query string'}: ${i.message}`);
      throw new HttpError(400, 'invalid_query', `Invalid query — ${problems.join('; ')}`);
    }
    const q = parsed.data;
    let series;
    try {
      series = await deps.prometheus.queryRange(q.query, q.start, q.end, q.step);
    } catch (err) {
      throw prometheusProblem(err);
    }
    if (series.length > QUERY_RANGE_LIMITS.maxSeries) {
      throw new HttpError(422, 'too_many_series', `The query returns ${series.length} series; a chart shows at most ${QUERY_RANGE_LIMITS.maxSeries}. Narrow it with label matchers or aggregate (sum by …).`);
    }
    res.json(queryRangeResponse(q, series));
  });

  return r;
}
