// A real Vigil for the benchmarks: `node server/src/main.ts` in its own process (so its RSS is its
// own and the load generator does not share its event loop), plus a signed-in HTTP client and sockets.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { io, type Socket } from 'socket.io-client';
import type { ClientToServerEvents, ServerToClientEvents } from '../../server/src/contract/index.ts';
import { freePort } from '../../server/test/harness/ports.ts';
import { sleep, until } from './stats.ts';

export const repoRoot = path.resolve(import.meta.dirname, '..', '..');
export const ADMIN_PASSWORD = 'bench-admin-password';
export const WEBHOOK_TOKEN = 'bench-webhook-token-0123456789';

export type VigilSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

export interface VigilProcess {
  url: string;
  pid: number;
  dataDir: string;
  logFile: string;
  /** Resident set size and its peak (VmHWM) in bytes, from /proc. */
  memory(): { rss: number; peak: number };
  stop(): Promise<void>;
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

function procStatusBytes(pid: number, field: string): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1];
  if (kb === undefined) throw new Error(`no ${field} in /proc/${pid}/status`);
  return Number(kb) * 1024;
}

/**
 * Starts Vigil as a user would (`node server/src/main.ts`, configured by the environment) on a free
 * loopback port; resolves once the store is ready and the admin can sign in.
 */
export async function startVigil(options: { name: string; env?: Record<string, string>; dataDir?: string; logDir: string }): Promise<VigilProcess> {
  const port = await freePort();
  const closedPort = await freePort();
  const ownsDataDir = options.dataDir === undefined;
  const dataDir = options.dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-bench-data-'));
  fs.mkdirSync(options.logDir, { recursive: true });
  const logFile = path.join(options.logDir, `vigil-${options.name}.log`);
  const log = fs.openSync(logFile, 'w');
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (k !== 'MONGODB_URL' && k !== 'NODE_ENV') env[k] = v;
  Object.assign(env, {
    PORT: String(port),
    HOST: '127.0.0.1',
    DATA_DIR: dataDir,
    ADMIN_PASSWORD,
    WEBHOOK_TOKEN,
    PROMETHEUS_URL: `http://127.0.0.1:${closedPort}`,
    PROMETHEUS_POLL_SECONDS: '0',
    LOG_LEVEL: process.env['BENCH_LOG_LEVEL'] ?? 'warn',
    NODE_ENV: 'production',
    ...options.env,
  });
  const child = spawn(process.execPath, [path.join(repoRoot, 'server/src/main.ts')], { cwd: repoRoot, env, stdio: ['ignore', log, log] });
  fs.closeSync(log);
  const pid = child.pid;
  if (pid === undefined) throw new Error('could not spawn the Vigil server');
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      await exited(child);
      clearTimeout(timer);
    }
    if (ownsDataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    await until('Vigil ready (/readyz)', 120_000, async () => {
      if (child.exitCode !== null) throw new Error(`the server exited with code ${child.exitCode}`);
      return (await fetch(`${url}/readyz`)).status === 200 ? true : undefined;
    }, 100);
    // The admin is created just after the store is ready. Sign-in locks a username after 5 failures,
    // so try a few times, slowly; a pre-filled store already holds the admin (see queries.ts).
    let answer = '';
    for (let attempt = 0; ; attempt += 1) {
      const res = await fetch(`${url}/api/auth/login`, {
        method: 'POST', headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: 'admin', password: ADMIN_PASSWORD }),
      });
      answer = `${res.status} ${await res.text()}`;
      if (res.status === 200) break;
      if (res.status === 429 || attempt >= 3) throw new Error(`the admin cannot sign in: ${answer}`);
      await sleep(1_000);
    }
  } catch (err) {
    await stop();
    const tail = fs.readFileSync(logFile, 'utf8').split('\n').slice(-20).join('\n');
    throw new Error(`${err instanceof Error ? err.message : String(err)}; log ${logFile}:\n${tail}`, { cause: err });
  }
  return {
    url, pid, dataDir, logFile, stop,
    memory: () => ({ rss: procStatusBytes(pid, 'VmRSS'), peak: procStatusBytes(pid, 'VmHWM') }),
  };
}

/** An HTTP client signed in as admin: the session cookie and the CSRF token, as the UI holds them. */
export class Session {
  readonly url: string;
  cookie = '';
  csrf = '';

  private constructor(url: string) {
    this.url = url;
  }

  static async signIn(url: string): Promise<Session> {
    const s = new Session(url);
    const res = await fetch(`${url}/api/auth/login`, {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password: ADMIN_PASSWORD }),
    });
    const body: unknown = await res.json();
    const cookie = res.headers.get('set-cookie')?.split(';')[0];
    if (res.status !== 200 || !cookie || typeof body !== 'object' || body === null || !('csrfToken' in body) || typeof body.csrfToken !== 'string') {
      throw new Error(`login answered ${res.status}`);
    }
    s.cookie = cookie;
    s.csrf = body.csrfToken;
    return s;
  }

  async get(route: string): Promise<unknown> {
    const res = await fetch(this.url + route, { headers: { cookie: this.cookie } });
    const body: unknown = await res.json();
    if (res.status !== 200) throw new Error(`GET ${route} answered ${res.status}: ${JSON.stringify(body)}`);
    return body;
  }

  async post(route: string, body: unknown): Promise<unknown> {
    const res = await fetch(this.url + route, {
      method: 'POST',
      headers: { cookie: this.cookie, 'x-csrf-token': this.csrf, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    const answer: unknown = await res.json();
    if (res.status >= 300) throw new Error(`POST ${route} answered ${res.status}: ${JSON.stringify(answer)}`);
    return answer;
  }

  /**
   * A socket.io client with this session (or, given one, an API token), resolved once the server has
   * greeted it. Vigil allows 20 live sockets per user or token: more clients need more tokens.
   */
  async socket(token?: string): Promise<VigilSocket> {
    const socket: VigilSocket = token === undefined
      ? io(this.url, { transports: ['websocket'], reconnection: false, extraHeaders: { cookie: this.cookie } })
      : io(this.url, { transports: ['websocket'], reconnection: false, auth: { token } });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no server:hello within 30 s')), 30_000);
      socket.once('server:hello', () => { clearTimeout(timer); resolve(); });
      socket.once('connect_error', (err) => { clearTimeout(timer); reject(err); });
    });
    return socket;
  }
}

/** Waits until /readyz reports every Docker source up. */
export async function dockerSourceUp(url: string, timeoutMs = 20_000): Promise<void> {
  await until('the Docker source up', timeoutMs, async () => {
    const body: unknown = await (await fetch(`${url}/readyz`)).json();
    const sources = typeof body === 'object' && body !== null && 'sources' in body && Array.isArray(body.sources) ? body.sources as Array<{ source?: string; state?: string }> : [];
    const docker = sources.filter((s) => s.source === 'docker');
    return docker.length > 0 && docker.every((s) => s.state === 'up') ? true : undefined;
  }, 200);
  await sleep(200);
}
