// The users backend: a small JSON API with an admin switch to make it unhealthy on a game day.
import express from 'express';
import type { NextFunction, Request, Response } from 'express';
import { createMetrics, recordRequests } from './metrics.ts';
import { createUserList } from './users.ts';

function sendError(res: Response, status: number, code: string, message: string): void {
  res.status(status).json({ error: { code, message } });
}

export function createApp() {
  const users = createUserList();
  const metrics = createMetrics();
  let healthy = true;
  metrics.appHealth.set(1);

  const app = express();
  app.disable('x-powered-by');
  app.use(recordRequests(metrics));
  app.use(express.json({ limit: '16kb' }));

  app.get('/api/health', (_req, res) => {
    res.status(healthy ? 200 : 503).json({ status: healthy ? 'ok' : 'unhealthy' });
  });

  app.get('/metrics', async (_req, res) => {
    res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });

  // An unhealthy app fails its users too, so the error-rate rule and the frontend see what users see.
  app.use('/api/users', (_req, res, next) => {
    if (healthy) next();
    else sendError(res, 503, 'unhealthy', 'the users service is marked unhealthy');
  });

  app.get('/api/users', (_req, res) => {
    res.json(users.list());
  });

  app.get('/api/users/:id', (req, res) => {
    const user = users.get(req.params.id);
    if (user) res.json(user);
    else sendError(res, 404, 'not_found', `no user with id ${req.params.id}`);
  });

  app.post('/api/users', (req, res) => {
    const result = users.add(req.body);
    if (result.ok) res.status(201).json(result.user);
    else sendError(res, result.status, result.code, result.message);
  });

  app.post('/admin/health', (req, res) => {
    const body: unknown = req.body;
    const value = typeof body === 'object' && body !== null ? (body as Record<string, unknown>).healthy : undefined;
    if (typeof value !== 'boolean') {
      sendError(res, 400, 'invalid_request', 'expected {"healthy": true|false}');
      return;
    }
    healthy = value;
    metrics.appHealth.set(healthy ? 1 : 0);
    res.json({ healthy });
  });

  app.use((_req: Request, res: Response) => {
    sendError(res, 404, 'not_found', 'no such route');
  });

  // Express 5 hands body-parser failures (bad JSON, too large) here with their own 4xx status.
  app.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
    const status = typeof err === 'object' && err !== null && 'status' in err && typeof err.status === 'number' ? err.status : 500;
    if (status < 500) {
      sendError(res, status, 'bad_request', err instanceof Error ? err.message : 'bad request');
      return;
    }
    console.error('backend: unexpected error', err);
    sendError(res, 500, 'internal', 'internal error');
  });

  return app;
}
