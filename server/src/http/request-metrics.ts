// Counts and times every HTTP answer by method, matched route and status (vigil_http_* on /metrics).
import type { RequestHandler } from 'express';
import type { Metrics } from '../metrics.ts';

export function requestMetrics(metrics: Metrics): RequestHandler {
  return (req, res, next) => {
    const end = metrics.httpDuration.startTimer({ method: req.method });
    res.on('finish', () => {
      const route = req.route ? `${req.baseUrl}${String(req.route.path)}` : 'unmatched';
      metrics.httpRequests.inc({ method: req.method, route, status: res.statusCode });
      end({ route } as { route: string });
    });
    next();
  };
}
