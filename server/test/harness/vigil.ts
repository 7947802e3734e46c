// Boots a real Vigil (createApp) on a loopback port with a real store, for integration tests.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createApp, type VigilApp } from '../../src/app.ts';
import { loadConfig } from '../../src/config.ts';
import { createLogger } from '../../src/logger.ts';
import { createStore } from '../../src/store/index.ts';
import type { Store } from '../../src/store/types.ts';
import type { EngineOptions } from '../../src/domain/index.ts';

export interface RunningVigil {
  url: string;
  app: VigilApp;
  /** The store the app runs on: for tests that set up what the API cannot (a token's expiry in the past). */
  store: Store;
  dataDir: string;
  announced: string[];
  stop(): Promise<void>;
}

/** A socket no daemon listens on: Docker is honestly "down". */
export const NO_DOCKER = 'unix:///nonexistent/vigil-test/docker.sock';

/**
 * Vigil in this process, listening on a free port. Resolves once first-start setup is done (the
 * store up, the admin and the webhook token made, the engine restored), as /readyz would say:
 * listening comes earlier, and a sign-in sent in between gets 503 store_unavailable on a loaded
 * machine. `{ ready: false }` only listens (a store that is meant to be unreachable).
 */
export async function startVigil(env: Record<string, string> = {}, engine?: Partial<EngineOptions>, opts: { ready?: boolean } = {}): Promise<RunningVigil> {
  const dataDir = env['DATA_DIR'] ?? fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-test-'));
  const config = loadConfig({
    PORT: '0',
    HOST: '127.0.0.1',
    // A closed port: Prometheus is "down" unless a test starts one.
    PROMETHEUS_URL: 'http://127.0.0.1:9',
    // No Docker unless a test names a daemon: a Vigil on the shared daemon would see, and its
    // supervisor heal, the containers of every other suite running at the same time.
    DOCKER_HOSTS: NO_DOCKER,
    LOG_LEVEL: process.env['VIGIL_TEST_LOG'] ?? 'silent',
    ...env,
    DATA_DIR: dataDir,
  });
  const logger = createLogger(config.logLevel);
  const store = await createStore({ dataDir: config.dataDir, logger, ...(config.mongodbUrl ? { mongodbUrl: config.mongodbUrl } : {}) });
  const announced: string[] = [];
  const app = createApp({ store, logger, announce: (t) => announced.push(t), ...(engine ? { engine } : {}) }, config);
  const address = await app.listen();
  if (opts.ready !== false) await app.ready();
  return {
    url: `http://127.0.0.1:${address.port}`,
    app,
    store,
    dataDir,
    announced,
    stop: async () => {
      await app.close();
      if (env['DATA_DIR'] === undefined && env['KEEP_DATA'] === undefined) fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** A tiny HTTP client that keeps the session cookie and CSRF token like a browser would. */
export class Client {
  readonly base: string;
  cookie: string | undefined;
  csrf: string | undefined;
  bearer: string | undefined;

  constructor(base: string) {
    this.base = base;
  }

  async request(method: string, route: string, body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: any; headers: Headers }> {
    const h: Record<string, string> = { ...headers };
    if (body !== undefined) h['content-type'] ??= 'application/json';
    if (this.cookie) h['cookie'] = this.cookie;
    if (this.bearer) h['authorization'] = `Bearer ${this.bearer}`;
    const res = await fetch(this.base + route, {
      method,
      headers: h,
      ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    let parsed: unknown = text;
    try { parsed = text ? JSON.parse(text) : null; } catch { /* not JSON: keep the text */ }
    return { status: res.status, body: parsed, headers: res.headers };
  }

  async login(username: string, password: string): Promise<{ status: number; body: any; headers: Headers }> {
    const res = await this.request('POST', '/api/auth/login', { username, password });
    const set = res.headers.get('set-cookie');
    if (res.status === 200 && set) {
      this.cookie = set.split(';')[0];
      this.csrf = res.body.csrfToken;
    }
    return res;
  }

  /** A state-changing call that carries the CSRF token, as the UI does. */
  send(method: string, route: string, body?: unknown): Promise<{ status: number; body: any; headers: Headers }> {
    return this.request(method, route, body, this.csrf ? { 'x-csrf-token': this.csrf } : {});
  }
}
