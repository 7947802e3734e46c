// Runs Debian's redis-server for the tests that span replicas: on a free loopback port, with no
// persistence (no RDB, no AOF) and its working directory in a temp dir that stop() removes. It can
// be stopped and started again on the same port (a Redis outage and its end).
import { execFile } from 'node:child_process';
import { freePort, startOnFreshPorts, waitForPort } from './ports.ts';
import { findExecutable, startProcess, type TrackedProcess } from './resources.ts';

const INSTALL_HINT = 'apt-get install redis-server';

export interface RedisServer {
  /** `redis://127.0.0.1:PORT` */
  url: string;
  port: number;
  /** Ends the process (SIGTERM, then SIGKILL); the port stays this server's to start again on. */
  kill(): Promise<void>;
  /** Starts it again on the same port, empty, after kill(). */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

/** REDIS_SERVER_BIN, else `redis-server` on PATH (Debian's /usr/bin/redis-server); throws saying how to get it. */
export function redisServerBinary(): string {
  return findExecutable(['redis-server'], 'REDIS_SERVER_BIN', INSTALL_HINT);
}

/** The probe for requireComponent: a binary that exists and says it is Redis 6 or later. */
export function probeRedisServer(): Promise<string> {
  const binary = redisServerBinary();
  return new Promise((resolve, reject) => {
    execFile(binary, ['--version'], { timeout: 10_000 }, (err, stdout) => {
      if (err) {
        reject(new Error(`${binary} --version failed (${err.message.split('\n')[0] ?? ''}): ${INSTALL_HINT}`));
        return;
      }
      const version = /v=(\d+)\./.exec(stdout);
      if (!version || Number(version[1]) < 6) {
        reject(new Error(`${binary} is not Redis 6 or later (it said: ${stdout.trim().split('\n')[0] ?? ''}): ${INSTALL_HINT}`));
        return;
      }
      resolve(binary);
    });
  });
}

function launch(binary: string, dir: string, port: number): TrackedProcess {
  return startProcess(binary, [
    '--port', String(port),
    '--bind', '127.0.0.1',
    '--dir', dir,
    // Nothing kept: no snapshots, no append-only file.
    '--save', '',
    '--appendonly', 'no',
    '--daemonize', 'no',
    '--protected-mode', 'yes',
    '--loglevel', 'warning',
    '--logfile', '',
  ], { cwd: dir });
}

async function started(proc: TrackedProcess, port: number): Promise<void> {
  let exitedHow: string | undefined;
  void proc.exited.then((how) => { exitedHow = how; });
  const early = proc.exited.then((how) => { throw new Error(`redis-server exited at start (${how}): ${proc.output().trim()}`); });
  early.catch(() => undefined);
  try {
    await Promise.race([waitForPort(port, 20_000), early]);
  } catch (err) {
    await proc.stop(2_000);
    // redis-server says "Address already in use" when the free port was taken meanwhile: ports.ts retries.
    throw exitedHow !== undefined && /address already in use/i.test(proc.output()) ? new Error(`address already in use: ${proc.output().trim()}`) : err;
  }
}

async function startOnce(binary: string, dir: string): Promise<RedisServer> {
  const port = await freePort();
  let proc = launch(binary, dir, port);
  await started(proc, port);
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    kill: () => proc.stop(5_000),
    async restart() {
      await proc.stop(5_000);
      proc = launch(binary, dir, port);
      await started(proc, port);
    },
    stop: () => proc.stop(5_000),
  };
}

export function startRedisServer(binary = redisServerBinary()): Promise<RedisServer> {
  return startOnFreshPorts('vigil-redis-', (dir) => startOnce(binary, dir));
}
