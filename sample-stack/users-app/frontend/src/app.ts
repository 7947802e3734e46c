// The users frontend: one page, and /api/* forwarded to the backend so the browser needs one origin.
import fs from 'node:fs';
import { stripTypeScriptTypes } from 'node:module';
import path from 'node:path';
import express from 'express';
import type { Request, Response } from 'express';
import { createRequestCounter } from './metrics.ts';

const PUBLIC_DIR = path.join(import.meta.dirname, '..', 'public');
const BACKEND_TIMEOUT_MS = 5_000;

function sendError(res: Response, status: number, code: string, message: string): void {
  res.status(status).json({ error: { code, message } });
}

export function createApp(backendUrl: string) {
  const counter = createRequestCounter();
  const app = express();
  app.disable('x-powered-by');
  app.use(counter.middleware);

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });

  app.get('/metrics', async (_req, res) => {
    res.type(counter.contentType).send(await counter.exposition());
  });

  app.use('/api', express.raw({ type: '*/*', limit: '64kb' }), async (req: Request, res: Response) => {
    const target = new URL(req.originalUrl, backendUrl);
    const hasBody = req.method !== 'GET' && req.method !== 'HEAD' && Buffer.isBuffer(req.body) && req.body.length > 0;
    const headers: Record<string, string> = { accept: req.get('accept') ?? 'application/json' };
    const contentType = req.get('content-type');
    if (hasBody && contentType) headers['content-type'] = contentType;
    try {
      const upstream = await fetch(target, {
        method: req.method,
        headers,
        ...(hasBody ? { body: new Uint8Array(req.body as Buffer) } : {}),
        signal: AbortSignal.timeout(BACKEND_TIMEOUT_MS),
      });
      res.status(upstream.status);
      res.type(upstream.headers.get('content-type') ?? 'application/json');
      res.send(Buffer.from(await upstream.arrayBuffer()));
    } catch (err) {
      const timedOut = err instanceof Error && err.name === 'TimeoutError';
      sendError(
        res,
        timedOut ? 504 : 502,
        timedOut ? 'backend_timeout' : 'backend_unavailable',
        timedOut ? `the users backend did not answer within ${BACKEND_TIMEOUT_MS / 1000} s` : 'the users backend cannot be reached',
      );
    }
  });

  // The page script is TypeScript like the rest; Node strips its types once, at start.
  const pageScript = stripTypeScriptTypes(fs.readFileSync(path.join(PUBLIC_DIR, 'app.ts'), 'utf8'));
  app.get('/app.js', (_req, res) => {
    res.type('text/javascript').send(pageScript);
  });
  app.use(express.static(PUBLIC_DIR, { index: 'index.html' }));
  return app;
}
