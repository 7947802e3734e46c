// The HTTP routes as the source declares them (server/src/http/routes/*.ts), so the security and
// fuzz suites notice a route they do not cover instead of silently testing an old list.
import fs from 'node:fs';
import path from 'node:path';

export interface DeclaredRoute {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** As mounted, e.g. "/api/incidents/:id/notes". */
  path: string;
  file: string;
}

const ROUTES_DIR = path.resolve(import.meta.dirname, '..', '..', 'src', 'http', 'routes');

/** Where app.ts mounts each routes file. */
const MOUNT: Record<string, string> = { 'auth.ts': '/api/auth', 'health.ts': '' };

export function declaredRoutes(): DeclaredRoute[] {
  const out: DeclaredRoute[] = [];
  for (const file of fs.readdirSync(ROUTES_DIR).filter((f) => f.endsWith('.ts')).sort()) {
    const text = fs.readFileSync(path.join(ROUTES_DIR, file), 'utf8');
    const prefix = MOUNT[file] ?? '/api';
    for (const m of text.matchAll(/\br\.(get|post|put|patch|delete)\(\s*(['"`])([^'"`]+)\2/g)) {
      out.push({ method: m[1]!.toUpperCase() as DeclaredRoute['method'], path: `${prefix}${m[3]!}`, file });
    }
  }
  return out;
}

export function stateChangingRoutes(): DeclaredRoute[] {
  return declaredRoutes().filter((r) => r.method !== 'GET');
}

export const routeKey = (r: { method: string; path: string }): string => `${r.method} ${r.path}`;
