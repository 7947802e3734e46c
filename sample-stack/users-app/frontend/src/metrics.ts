// The frontend's own /metrics: Prometheus needs it to call the frontend "up", and the request
// counter shows what users got from it (including the backend errors it passed on).
import type { NextFunction, Request, Response } from 'express';
import { Counter, Registry, collectDefaultMetrics } from 'prom-client';

export function createRequestCounter() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const requests = new Counter({
    name: 'http_requests_total', help: 'HTTP requests answered', labelNames: ['method', 'route', 'status'] as const, registers: [registry],
  });
  return {
    middleware(req: Request, res: Response, next: NextFunction): void {
      res.on('finish', () => {
        // At most two path segments: proxied /api/users/123 must not become a series per user.
        const pathname = new URL(req.originalUrl, 'http://frontend').pathname;
        const route = `/${pathname.split('/').filter(Boolean).slice(0, 2).join('/')}`;
        requests.inc({ method: req.method, route, status: String(res.statusCode) });
      });
      next();
    },
    contentType: registry.contentType,
    exposition: () => registry.metrics(),
  };
}
