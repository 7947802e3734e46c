// The users backend: a small JSON API with admin switches for game days: unhealthy (it answers,
// with errors, and says so in app_health) and hung (it answers nothing, not even its health check).
import express from 'express';
import type { NextFunction, Request, Response } from 'express';
import { createMetrics, recordRequests } from './metrics.ts';
import { createUserList } from './users.ts';

function sendError(res: Response, status: number, code: string, message: string): void {
  res.status(status).json({ error: { code, message } });
}

/** Reads `{"<field>": true|false}`; answers 400 and returns undefined otherwise. */
function booleanField(req: Request, res: Response, field: string): boolean | undefined {
  const body: unknown = req.body;
  const value = typeof body === 'object' && body !== null ? (body as Record<string, unknown>)[field] : undefined;
  if (typeof value === 'boolean') return value;
  sendError(res, 400, 'invalid_request', `expected {"${field}": true|false}`);
  return undefined;
}

export function createApp() {
  const users = createUserList();
  const metrics = createMetrics();
  let healthy = true;
  metrics.appHealth.set(1);
  // While hung, requests are held unanswered (the admin switches still answer, to end it).
  let hung = false;
  const held = new Set<Response>();

  const app = express();
  app.disable('x-powered-by');
  app.use(recordRequests(metrics));
  app.use(express.json({ limit: '16kb' }));
  app.use((req, res, next) => {
    if (!hung || req.path.startsWith('/admin/')) {
      next();
      return;
    }
    held.add(res);
    res.on('close', () => held.delete(res));
  });

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
    const value = booleanField(req, res, 'healthy');
    if (value === undefined) return;
    healthy = value;
    metrics.appHealth.set(healthy ? 1 : 0);
    res.json({ healthy, hung });
  });

  app.post('/admin/hang', (req, res) => {
    const value = booleanField(req, res, 'hang');
    if (value === undefined) return;
    hung = value;
    if (!hung) {
      for (const waiting of held) sendError(waiting, 503, 'was_hung', 'the users service was hung (game day) while this request waited');
      held.clear();
    }
    res.json({ healthy, hung });
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
