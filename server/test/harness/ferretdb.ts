// Runs a real FerretDB (MongoDB wire protocol on SQLite) for the tests, on a free loopback port
// with its data in a temporary directory that stop() removes.
import { execFile, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { freePort, startOnFreshPorts, waitForPort } from './ports.ts';
import { cachedTool, findExecutable } from './resources.ts';

export interface FerretDb {
  /** `mongodb://127.0.0.1:PORT/`: append a database name per test run. */
  url: string;
  port: number;
  stop(): Promise<void>;
}

/** FERRETDB_BIN, else the build cache, else `ferretdb` on PATH; throws saying where it looked. */
export function ferretDbBinary(): string {
  return findExecutable(['ferretdb'], 'FERRETDB_BIN', 'build it with scripts/install-ferretdb.sh (Go from the module proxy, cached)', cachedTool('ferretdb-bin'));
}

/** The probe for requireComponent: a binary that exists and runs (`--version`). */
export function probeFerretDb(): Promise<string> {
  const binary = ferretDbBinary();
  return new Promise((resolve, reject) => {
    execFile(binary, ['--version'], { timeout: 10_000 }, (err, stdout, stderr) => {
      if (err) {
        const firstLine = `${stderr}`.split('\n').find((line) => line.trim() !== '') ?? err.message;
        reject(new Error(`${binary} --version failed: ${firstLine.trim()}`));
        return;
      }
      if (!/version:\s*v1\./.test(stdout)) {
        reject(new Error(`${binary} is not FerretDB 1.x (--version said: ${stdout.trim().split('\n')[0] ?? ''})`));
        return;
      }
      resolve(binary);
    });
  });
}

/** Resolves when the process is gone, whether it exited or could not be spawned at all. */
function gone(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.once('error', () => resolve());
  });
}

/** Where FerretDB keeps the data: its SQLite files (the tests' default), or a PostgreSQL database. */
export type FerretBackend = { handler: 'sqlite' } | { handler: 'postgresql'; url: string };

async function startOnce(binary: string, dir: string, backend: FerretBackend): Promise<FerretDb> {
  const port = await freePort();
  const child = spawn(binary, [
    ...(backend.handler === 'sqlite'
      ? ['--handler=sqlite', `--sqlite-url=file:${dir}/`]
      : ['--handler=postgresql', `--postgresql-url=${backend.url}`]),
    `--state-dir=${dir}`,
    `--listen-addr=127.0.0.1:${port}`,
    // "-" turns off the HTTP listener for metrics and pprof: nothing here needs it.
    '--debug-addr=-',
    '--telemetry=disable',
    '--log-level=error',
  ], { stdio: ['ignore', 'ignore', 'pipe'] });
  let spawnError: Error | undefined;
  child.on('error', (err) => {
    spawnError = err;
  });
  // A test worker that dies without stop() must not leave FerretDB running.
  const killOnExit = (): void => {
    child.kill('SIGKILL');
  };
  process.once('exit', killOnExit);
  let stderr = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-4_000);
  });
  const early = gone(child).then(() => {
    const why = spawnError ? spawnError.message : `code ${child.exitCode}, signal ${child.signalCode}`;
    throw new Error(`FerretDB exited at start (${why}): ${stderr.trim()}`);
  });
  // Only the race below cares about an early exit; a later one (stop()) must not surface as unhandled.
  early.catch(() => undefined);
  try {
    await Promise.race([waitForPort(port, 20_000), early]);
  } catch (err) {
    child.kill('SIGKILL');
    await gone(child);
    process.removeListener('exit', killOnExit);
    throw err;
  }

  let stopping: Promise<void> | null = null;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const killTimer = setTimeout(() => child.kill('SIGKILL'), 5_000);
        await gone(child);
        clearTimeout(killTimer);
      }
      process.removeListener('exit', killOnExit);
    })();
    return stopping;
  };
  return { url: `mongodb://127.0.0.1:${port}/`, port, stop };
}

export function startFerretDb(binary = ferretDbBinary(), backend: FerretBackend = { handler: 'sqlite' }): Promise<FerretDb> {
  return startOnFreshPorts('vigil-ferretdb-', (dir) => startOnce(binary, dir, backend));
}
