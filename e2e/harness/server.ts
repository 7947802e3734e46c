// Starts Vigil the way the README does — `npm start` from the repository root (build the UI, then
// run the server) — on a free loopback port with a throwaway data directory, and stops it again.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../../server/test/harness/ports.ts';

export const repoRoot = path.resolve(import.meta.dirname, '..', '..');
export const artifactsDir = path.join(repoRoot, 'test-artifacts', 'e2e');

export interface VigilProcess {
  readonly baseUrl: string;
  readonly port: number;
  readonly adminPassword: string;
  readonly dataDir: string;
  /** Everything the process wrote to stdout and stderr. */
  readonly logFile: string;
  logTail(lines?: number): string;
  /** SIGTERM to the process group, wait for exit; SIGKILL the group if it hangs. Idempotent. */
  stop(): Promise<void>;
}

export interface StartOptions {
  /** Extra or overriding environment for the server. */
  env?: Record<string, string>;
  /** How long the build plus start may take before /readyz must answer 200. */
  readyTimeoutMs?: number;
  /** Names the log file, test-artifacts/e2e/vigil-<name>.log (one per suite, overwritten per run). */
  name?: string;
  /** Restart on the same port with the same data (a "server restart" test); default: fresh ones. */
  port?: number;
  /** A data directory the caller owns (kept at stop); default: a temporary one removed at stop. */
  dataDir?: string;
  adminPassword?: string;
}

function tail(file: string, lines: number): string {
  try {
    return fs.readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
  } catch (err) {
    return `(no log: ${err instanceof Error ? err.message : String(err)})`;
  }
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

function groupAlive(pid: number): boolean {
  try {
    process.kill(-pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Waits until /readyz answers 200: the store is up and first-start setup (the admin, the webhook
 * token, the engine restored) is done. /healthz answers as soon as the server listens, and a
 * sign-in sent then gets 503 store_unavailable on a loaded machine.
 */
async function waitForReady(baseUrl: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer yet';
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`npm start exited (code ${child.exitCode}, signal ${child.signalCode}) before /readyz answered`);
    }
    try {
      const res = await fetch(`${baseUrl}/readyz`, { signal: AbortSignal.timeout(2_000) });
      if (res.status === 200) return;
      last = `/readyz answered ${res.status}: ${(await res.text()).slice(0, 300)}`;
    } catch (err) {
      last = err instanceof Error ? `${err.message}${err.cause instanceof Error ? ` (${err.cause.message})` : ''}` : String(err);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`/readyz did not answer 200 within ${timeoutMs} ms (last: ${last})`);
}

export async function startVigil(opts: StartOptions = {}): Promise<VigilProcess> {
  const port = opts.port ?? await freePort();
  // A loopback port nothing listens on: Prometheus is honestly "down", quickly.
  const closedPort = await freePort();
  const ownsDataDir = opts.dataDir === undefined;
  const dataDir = opts.dataDir ?? await fs.promises.mkdtemp(path.join(os.tmpdir(), 'vigil-e2e-data-'));
  const adminPassword = opts.adminPassword ?? `e2e-${randomBytes(12).toString('base64url')}`;
  await fs.promises.mkdir(artifactsDir, { recursive: true });
  const logFile = path.join(artifactsDir, `vigil-${opts.name ?? port}.log`);
  const log = fs.openSync(logFile, 'w');

  // A person's shell, not the test runner's: vitest sets NODE_ENV=test (which would make the UI
  // build a development bundle) and VITEST* variables.
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (key === 'NODE_ENV' || key.startsWith('VITEST') || key === 'MONGODB_URL') continue;
    env[key] = value;
  }
  Object.assign(env, {
    PORT: String(port),
    HOST: '127.0.0.1',
    DATA_DIR: dataDir,
    ADMIN_PASSWORD: adminPassword,
    PROMETHEUS_URL: `http://127.0.0.1:${closedPort}`,
    // No Docker unless a suite names a daemon: on the shared one this Vigil would see, and its
    // supervisor heal, the containers of every other suite running at the same time.
    DOCKER_HOSTS: 'unix:///nonexistent/vigil-e2e/docker.sock',
    ...opts.env,
  });

  const child = spawn('npm', ['start'], {
    cwd: repoRoot,
    env,
    detached: true, // its own process group: npm → sh → node all stop together
    stdio: ['ignore', log, log],
  });
  fs.closeSync(log);
  const pid = child.pid;
  if (pid === undefined) throw new Error('could not spawn npm start (is npm on PATH?)');

  const baseUrl = `http://127.0.0.1:${port}`;
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      if (groupAlive(pid)) {
        try { process.kill(-pid, 'SIGTERM'); } catch { /* already gone */ }
      }
      const hung = await Promise.race([
        exited(child).then(() => false),
        new Promise<boolean>((r) => setTimeout(() => r(true), 20_000).unref()),
      ]);
      // npm may exit before its child node process: give the group a moment, then force it.
      for (let i = 0; i < 20 && groupAlive(pid) && !hung; i++) await new Promise((r) => setTimeout(r, 100));
      if (groupAlive(pid)) {
        process.stderr.write(`vigil (pid ${pid}) was still running after SIGTERM; killing its process group\n`);
        try { process.kill(-pid, 'SIGKILL'); } catch { /* gone meanwhile */ }
        await exited(child);
      }
      if (ownsDataDir) await fs.promises.rm(dataDir, { recursive: true, force: true });
    })();
    return stopping;
  };

  try {
    await waitForReady(baseUrl, child, opts.readyTimeoutMs ?? 120_000);
  } catch (err) {
    await stop();
    const reason = err instanceof Error ? err.message : String(err);
    const logTail = tail(logFile, 40);
    process.stderr.write(`\n--- vigil log tail (${logFile}) ---\n${logTail}\n---\n`);
    throw new Error(`Vigil did not start: ${reason}\nlog: ${logFile}\n${logTail}`, { cause: err });
  }

  return {
    baseUrl, port, adminPassword, dataDir, logFile, stop,
    logTail: (lines = 40) => tail(logFile, lines),
  };
}
