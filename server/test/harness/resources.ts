// Everything the test harness starts (processes, temp dirs, containers, images) is recorded here,
// so a test that crashes before its stop() still leaves nothing behind when the worker exits.
import { execFileSync, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { accessSync, constants, mkdtempSync, rmSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

const children = new Set<ChildProcess>();
const tempDirs = new Set<string>();
const containers = new Set<string>();
const images = new Set<string>();

// 'exit' handlers must be synchronous: signals and execFileSync, nothing awaited.
process.once('exit', () => {
  for (const child of children) child.kill('SIGKILL');
  if (containers.size > 0) dockerQuietly(['rm', '-f', '-v', ...containers]);
  if (images.size > 0) dockerQuietly(['rmi', '-f', ...images]);
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});

function dockerQuietly(args: string[]): void {
  try {
    execFileSync('docker', args, { stdio: 'ignore', timeout: 30_000 });
  } catch {
    // Best effort at exit: the daemon may already be gone.
  }
}

export function trackContainer(id: string): void { containers.add(id); }
export function untrackContainer(id: string): void { containers.delete(id); }
export function trackImage(tag: string): void { images.add(tag); }
export function untrackImage(tag: string): void { images.delete(tag); }

export function makeTempDir(prefix: string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), `vigil-${prefix}-`));
  tempDirs.add(dir);
  return dir;
}

export async function removeTempDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
  tempDirs.delete(dir);
}

/** Where scripts/install-*.sh build a tool (`~/.cache/vigil/<file>`, or under VIGIL_CACHE_DIR / XDG_CACHE_HOME). */
export function cachedTool(file: string): string {
  const cacheDir = process.env.VIGIL_CACHE_DIR || path.join(process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'vigil');
  return path.join(cacheDir, file);
}

/**
 * The path of an executable: `envVar` when set, else `cached` (a tool built into the cache) when
 * given and there, else the first of `names` on PATH; throws saying how to get it.
 */
export function findExecutable(names: string[], envVar: string, installHint: string, cached?: string): string {
  const fromEnv = process.env[envVar];
  const candidates = fromEnv
    ? [fromEnv]
    : [...(cached ? [cached] : []), ...(process.env.PATH ?? '').split(path.delimiter).filter(Boolean).flatMap((dir) => names.map((n) => path.join(dir, n)))];
  for (const candidate of candidates) {
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not this one
    }
  }
  throw new Error(fromEnv
    ? `${envVar}=${fromEnv} is not an executable file (${installHint})`
    : `${names.join(' or ')} not found${cached ? ` at ${cached} nor` : ''} on PATH (${installHint}, or set ${envVar})`);
}

export interface TrackedProcess {
  readonly child: ChildProcess;
  /** Resolves when the process has exited, with a line saying how. */
  readonly exited: Promise<string>;
  /** The last few kilobytes of its stdout and stderr, for error messages. */
  output(): string;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves once the process is gone. */
  stop(graceMs?: number): Promise<void>;
}

const OUTPUT_KEEP = 8_192;

export function startProcess(command: string, args: string[], options: { env?: NodeJS.ProcessEnv; cwd?: string } = {}): TrackedProcess {
  const child = spawn(command, args, { cwd: options.cwd, env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  let tail = '';
  const keep = (chunk: Buffer) => {
    tail = (tail + chunk.toString('utf8')).slice(-OUTPUT_KEEP);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<string>((resolve) => {
    child.once('error', (err) => {
      children.delete(child);
      resolve(`${path.basename(command)} could not start: ${err.message}`);
    });
    child.once('exit', (code, signal) => {
      children.delete(child);
      resolve(`${path.basename(command)} exited with ${signal ?? `code ${code}`}`);
    });
  });
  const isRunning = () => child.exitCode === null && child.signalCode === null && children.has(child);
  return {
    child,
    exited,
    output: () => tail,
    async stop(graceMs = 10_000) {
      if (!isRunning()) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}

/**
 * Polls `url` until it answers 2xx. Rejects early, with the process's last output, if `proc` exits
 * first, and after `timeoutMs` otherwise.
 */
export async function waitForHttp(url: string, proc: TrackedProcess, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exitedHow: string | undefined;
  void proc.exited.then((how) => { exitedHow = how; });
  let lastProblem = 'no answer yet';
  while (Date.now() < deadline) {
    if (exitedHow !== undefined) throw new Error(`${exitedHow} before ${url} answered:\n${proc.output()}`);
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2_000) });
      if (res.ok) return;
      lastProblem = `HTTP ${res.status}`;
    } catch (err) {
      lastProblem = err instanceof Error ? err.message : String(err);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} did not answer 2xx within ${timeoutMs} ms (${lastProblem}):\n${proc.output()}`);
}

/**
 * Starts `command` in `dir` and waits until `readyUrl` answers 2xx. The returned stop() ends it and
 * deletes `dir`; a start that fails does both before it rejects.
 */
export async function startUntilReady(command: string, args: string[], dir: string, readyUrl: string): Promise<() => Promise<void>> {
  const proc = startProcess(command, args, { cwd: dir });
  const stop = async () => {
    await proc.stop();
    await removeTempDir(dir);
  };
  try {
    await waitForHttp(readyUrl, proc);
  } catch (err) {
    await stop();
    throw err;
  }
  return stop;
}
