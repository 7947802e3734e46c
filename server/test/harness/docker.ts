// The Docker Engine for integration tests: find (or, as root, start) the daemon, and run the docker CLI.
import { execFile, spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { findExecutable, untrackContainer, untrackImage } from './resources.ts';

const LOCAL_SOCKET = '/var/run/docker.sock';
const DAEMON_START_TIMEOUT_MS = 30_000;

export interface DockerDaemon {
  /** DOCKER_HOST, or unix:// and the local socket. */
  endpoint: string;
  /** The daemon's API version, e.g. "1.41". */
  apiVersion: string;
}

/** GET /version on the endpoint; resolves with the API version, rejects with why not. */
function ping(endpoint: string): Promise<string> {
  let request: https.RequestOptions;
  let agent: typeof http | typeof https = http;
  if (endpoint.startsWith('unix://')) {
    request = { socketPath: endpoint.slice('unix://'.length) };
  } else if (endpoint.startsWith('tcp://')) {
    const u = new URL(endpoint.replace(/^tcp:/, 'http:'));
    request = { host: u.hostname, port: Number(u.port) };
    const certPath = process.env.DOCKER_CERT_PATH;
    if (certPath) {
      agent = https;
      request = {
        ...request,
        ca: readFileSync(path.join(certPath, 'ca.pem')),
        cert: readFileSync(path.join(certPath, 'cert.pem')),
        key: readFileSync(path.join(certPath, 'key.pem')),
      };
    }
  } else {
    return Promise.reject(new Error(`DOCKER_HOST=${endpoint} is neither unix:// nor tcp://`));
  }
  return new Promise((resolve, reject) => {
    const req = agent.get({ ...request, path: '/version', timeout: 3_000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => { body += chunk; });
      res.on('end', () => {
        if (res.statusCode !== 200) {
          reject(new Error(`${endpoint} answered /version with HTTP ${res.statusCode}`));
          return;
        }
        try {
          const parsed: unknown = JSON.parse(body);
          const version = typeof parsed === 'object' && parsed !== null && 'ApiVersion' in parsed ? parsed.ApiVersion : undefined;
          if (typeof version === 'string') resolve(version);
          else reject(new Error(`${endpoint} answered /version without an ApiVersion`));
        } catch {
          reject(new Error(`${endpoint} answered /version with something that is not JSON`));
        }
      });
    });
    req.on('timeout', () => req.destroy(new Error(`${endpoint} did not answer within 3 s`)));
    req.on('error', (err) => reject(new Error(`${endpoint}: ${err.message}`)));
  });
}

/**
 * Resolves once a Docker daemon answers. When none does on the local socket and we are root, starts
 * `dockerd` in the background (left running for later suites, as .ci/run would) and waits for it.
 * Throws with a reason a person can act on otherwise.
 */
export async function ensureDockerDaemon(): Promise<DockerDaemon> {
  const endpoint = process.env.DOCKER_HOST || `unix://${LOCAL_SOCKET}`;
  let firstProblem: string;
  try {
    return { endpoint, apiVersion: await ping(endpoint) };
  } catch (err) {
    firstProblem = err instanceof Error ? err.message : String(err);
  }
  if (endpoint !== `unix://${LOCAL_SOCKET}`) throw new Error(`no Docker daemon answers at DOCKER_HOST (${firstProblem})`);
  if (process.getuid?.() !== 0) throw new Error(`no Docker daemon answers (${firstProblem}) and only root may start dockerd here`);
  const dockerd = findExecutable(['dockerd'], 'DOCKERD_BIN', 'apt-get install docker.io');

  const logFile = path.join(os.tmpdir(), 'vigil-dockerd.log');
  const log = openSync(logFile, 'a');
  // Detached and unreferenced: the daemon outlives this test file; containers of later suites need it.
  const child = spawn(dockerd, [], { detached: true, stdio: ['ignore', log, log] });
  child.unref();
  closeSync(log);
  const deadline = Date.now() + DAEMON_START_TIMEOUT_MS;
  let problem = firstProblem;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) break;
    try {
      return { endpoint, apiVersion: await ping(endpoint) };
    } catch (err) {
      problem = err instanceof Error ? err.message : String(err);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  const tail = readFileSync(logFile, 'utf8').split('\n').slice(-15).join('\n');
  throw new Error(`started dockerd but it did not answer within ${DAEMON_START_TIMEOUT_MS / 1000} s (${problem}); end of ${logFile}:\n${tail}`);
}

export function dockerCli(): string {
  return findExecutable(['docker'], 'DOCKER_BIN', 'apt-get install docker.io');
}

/** Runs the docker CLI; resolves with its trimmed stdout (and stderr after it if asked), rejects with its stderr. */
export function docker(args: string[], options: { env?: NodeJS.ProcessEnv; timeoutMs?: number; withStderr?: boolean } = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(dockerCli(), args, {
      env: options.env ?? process.env,
      timeout: options.timeoutMs ?? 120_000,
      maxBuffer: 32 * 1024 * 1024,
    }, (err, stdout, stderr) => {
      // A failed build names its failing step on stdout, the reason on stderr: keep both.
      if (err) reject(new Error(`docker ${args.join(' ')} failed: ${stderr.trim() || err.message}${stdout ? `\n${stdout.trim().slice(-2_000)}` : ''}`));
      else resolve((options.withStderr ? `${stdout}${stderr}` : stdout).trim());
    });
  });
}

export async function removeContainer(id: string): Promise<void> {
  await docker(['rm', '-f', '-v', id]).catch(() => undefined);
  untrackContainer(id);
}

export async function removeImage(tag: string): Promise<void> {
  await docker(['rmi', '-f', tag]).catch(() => undefined);
  untrackImage(tag);
}

/**
 * Waits for a container's health check to report `healthy`; fails fast on `unhealthy` or a stopped
 * container. `cli` is the docker CLI of the container's daemon (the main one unless given).
 */
export async function waitForHealthy(id: string, timeoutMs = 60_000, cli: (args: string[]) => Promise<string> = (a) => docker(a)): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    last = await cli(['inspect', '--format', '{{.State.Status}} {{if .State.Health}}{{.State.Health.Status}}{{else}}no-healthcheck{{end}}', id]);
    const [state, health] = last.split(' ');
    if (health === 'healthy') return;
    if (health === 'unhealthy' || health === 'no-healthcheck' || state === 'exited' || state === 'dead') break;
    await new Promise((r) => setTimeout(r, 250));
  }
  const logs = await docker(['logs', '--tail', '30', id], { withStderr: true }).catch((err: unknown) => String(err));
  throw new Error(`container ${id.slice(0, 12)} did not become healthy (state and health: ${last}); its last log lines:\n${logs}`);
}
