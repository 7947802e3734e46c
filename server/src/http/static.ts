// Serves the built client (client/dist) with a fallback to index.html for client-side routes.
import fs from 'node:fs';
import path from 'node:path';
import express, { type Router } from 'express';

export function clientRoutes(distDir: string): Router {
  const r = express.Router();
  const index = path.join(distDir, 'index.html');
  r.use(express.static(distDir, { index: false, maxAge: '1h', immutable: false }));
  r.get(/^(?!\/(api|socket\.io)\/).*/, (req, res, next) => {
    if (!req.accepts('html')) {
      next();
      return;
    }
    if (!fs.existsSync(index)) {
      res.status(503).type('text/plain').send(`The web UI is not built (no ${index}). Run "npm run build", or start with "npm start", which builds it.`);
      return;
    }
    res.setHeader('Cache-Control', 'no-cache');
    res.sendFile(index);
  });
  return r;
}
