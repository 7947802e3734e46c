// The backend's Prometheus metrics: what the sample alert rules (sample-stack/prometheus/rules) read.
import type { NextFunction, Request, Response } from 'express';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const labelNames = ['method', 'route', 'status'] as const;
  const metrics = {
    registry,
    appHealth: new Gauge({ name: 'app_health', help: '1 when the app reports itself healthy, 0 when not', registers: [registry] }),
    requests: new Counter({ name: 'http_requests_total', help: 'HTTP requests answered', labelNames, registers: [registry] }),
    duration: new Histogram({
      name: 'http_request_duration_seconds',
      help: 'Time to answer an HTTP request',
      labelNames,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    }),
  };
  return metrics;
}

export type Metrics = ReturnType<typeof createMetrics>;

/** Counts and times every request by its route pattern, so /api/users/:id stays one series. */
export function recordRequests(metrics: Metrics) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const end = metrics.duration.startTimer();
    res.on('finish', () => {
      const route: unknown = req.route?.path;
      const labels = {
        method: req.method,
        route: typeof route === 'string' ? req.baseUrl + route : 'unmatched',
        status: String(res.statusCode),
      };
      metrics.requests.inc(labels);
      end(labels);
    });
    next();
  };
}
