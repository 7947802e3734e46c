// The embedded store serves one replica (API.md "Several replicas"): a second real Vigil started on
// the DATA_DIR a first one holds exits with code 1 and says who holds it, while the first keeps
// serving; a lock left by a Vigil that died (its pid gone, or taken by another process since) is
// taken over, and logged; a lock from another host sharing the directory counts while its holder
// keeps touching it.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { DataDirInUseError, DataDirLock, LOCK_FILE, lockHolder, type LockHolder } from '../../src/store/sqlite/lock.ts';
import { freePort } from '../harness/ports.ts';
import { makeTempDir, removeTempDir, startProcess, type TrackedProcess } from '../harness/resources.ts';
import { Client } from '../harness/vigil.ts';
import { startVigilProcess } from './fault-support.ts';

const repo = path.resolve(import.meta.dirname, '../../..');
const root = makeTempDir('vigil-data-dir-lock-');
afterAll(() => removeTempDir(root));
const PASSWORD = 'data-dir-lock-admin-password';

/** A pid no process has any more: a child that has exited. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' });
  const pid = child.pid;
  await new Promise((resolve) => child.once('exit', resolve));
  if (pid === undefined) throw new Error('the child got no pid');
  return pid;
}

async function until(what: string, ok: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function writeLock(dir: string, holder: LockHolder, ageMs = 0): void {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const file = path.join(dir, LOCK_FILE);
  fs.writeFileSync(file, `${JSON.stringify(holder)}\n`, { mode: 0o600 });
  if (ageMs > 0) {
    const then = new Date(Date.now() - ageMs);
    fs.utimesSync(file, then, then);
  }
}

/** Runs main.ts on `dir` expecting it to stop before it serves: its exit and what it said. */
async function startExpectingRefusal(dir: string, port: number): Promise<{ how: string; output: string; proc: TrackedProcess }> {
  const proc = startProcess(process.execPath, [path.join(repo, 'server/src/main.ts')], {
    cwd: repo,
    env: { ...process.env, HOST: '127.0.0.1', PORT: String(port), DATA_DIR: dir, LOG_LEVEL: 'warn', PROMETHEUS_POLL_SECONDS: '0', DOCKER_HOSTS: 'unix:///nonexistent/vigil-test/docker.sock', WEBHOOK_TOKEN: 'data-dir-lock-webhook-token-0123456789', ADMIN_PASSWORD: PASSWORD },
  });
  const how = await Promise.race([proc.exited, new Promise<string>((resolve) => setTimeout(() => resolve('still running after 60 s'), 60_000))]);
  if (how === 'still running after 60 s') await proc.stop();
  return { how, output: proc.output(), proc };
}

describe('two Vigils on one DATA_DIR', () => {
  test('the second exits with code 1, naming the first, and the first keeps serving', async () => {
    const dir = path.join(root, 'shared');
    const first = await startVigilProcess({ PORT: String(await freePort()), DATA_DIR: dir, ADMIN_PASSWORD: PASSWORD });
    try {
      const pid = first.proc.child.pid;
      expect(lockHolder(dir)).toMatchObject({ pid, hostname: hostname() });

      const secondPort = await freePort();
      const second = await startExpectingRefusal(dir, secondPort);
      expect(second.how).toBe('node exited with code 1');
      const since = lockHolder(dir)?.startedAt ?? 'no lock';
      expect(second.output).toContain(`vigil: DATA_DIR ${dir} is in use by another Vigil (pid ${pid} on host ${hostname()}, since ${since}). The embedded store serves one replica; for several, use MONGODB_URL (README "Several replicas").`);
      // It stopped before listening.
      await expect(fetch(`http://127.0.0.1:${secondPort}/healthz`)).rejects.toThrow();

      // The first still holds the directory and serves.
      expect(lockHolder(dir)).toMatchObject({ pid });
      const ready = await fetch(`${first.url}/readyz`);
      expect(ready.status).toBe(200);
      expect((await new Client(first.url).login('admin', PASSWORD)).status).toBe(200);
    } finally {
      await first.proc.stop();
    }
    // Stopped cleanly, it let go of the directory; the next Vigil starts.
    expect(fs.existsSync(path.join(dir, LOCK_FILE))).toBe(false);
    const next = await startVigilProcess({ PORT: String(await freePort()), DATA_DIR: dir, ADMIN_PASSWORD: PASSWORD });
    try {
      expect(lockHolder(dir)).toMatchObject({ pid: next.proc.child.pid });
    } finally {
      await next.proc.stop();
    }
  });
});

describe('a lock left behind', () => {
  test('by a process that is gone is taken over by a real Vigil, which says so in its log', async () => {
    const dir = path.join(root, 'stale-pid');
    const gone = await deadPid();
    writeLock(dir, { pid: gone, hostname: hostname(), startedAt: '2026-12-01T00:00:00.000Z' });
    const vigil = await startVigilProcess({ PORT: String(await freePort()), DATA_DIR: dir, ADMIN_PASSWORD: PASSWORD });
    try {
      expect(lockHolder(dir)).toMatchObject({ pid: vigil.proc.child.pid, hostname: hostname() });
      expect(vigil.proc.output()).toContain(`took over the DATA_DIR lock a Vigil left behind (process ${gone} is gone)`);
      expect((await fetch(`${vigil.url}/readyz`)).status).toBe(200);
    } finally {
      await vigil.proc.stop();
    }
  });

  test('whose pid now belongs to another process is taken over; a live holder is not', async () => {
    // This test process is alive on this host: a lock naming it with its real start time holds…
    const started = new Date(Date.now() - process.uptime() * 1000).toISOString();
    const held = path.join(root, 'live-holder');
    writeLock(held, { pid: process.pid, hostname: hostname(), startedAt: started });
    const refused = await startExpectingRefusal(held, await freePort());
    expect(refused.how).toBe('node exited with code 1');
    expect(refused.output).toContain(`is in use by another Vigil (pid ${process.pid} on host ${hostname()}, since ${started})`);

    // …and one naming the same pid with a start a day earlier was left by a process long gone.
    const reused = path.join(root, 'reused-pid');
    const dayBefore = new Date(Date.parse(started) - 86_400_000).toISOString();
    writeLock(reused, { pid: process.pid, hostname: hostname(), startedAt: dayBefore });
    const vigil = await startVigilProcess({ PORT: String(await freePort()), DATA_DIR: reused, ADMIN_PASSWORD: PASSWORD });
    try {
      expect(lockHolder(reused)).toMatchObject({ pid: vigil.proc.child.pid });
      expect(vigil.proc.output()).toContain(`process ${process.pid} is gone`);
    } finally {
      await vigil.proc.stop();
    }
  });

  test('by a process that died but is not yet reaped (a zombie) is taken over', async () => {
    // `sleep 0.3` ends after its shell has become `sleep 30`, which never reaps it: a zombie.
    const parent = spawn('sh', ['-c', 'sleep 0.3 & echo $!; exec sleep 30'], { stdio: ['ignore', 'pipe', 'ignore'] });
    try {
      const zombie = Number(await new Promise<string>((resolve) => parent.stdout.once('data', (d: Buffer) => resolve(d.toString().trim()))));
      const stat = () => fs.readFileSync(`/proc/${zombie}/stat`, 'utf8');
      await until('the child to be a zombie', () => stat().slice(stat().lastIndexOf(')') + 2).startsWith('Z'));
      const dir = path.join(root, 'zombie');
      // Its real start time: only its being a zombie makes the lock stale.
      const fields = stat().slice(stat().lastIndexOf(')') + 2).split(' ');
      const btime = Number(/^btime (\d+)$/m.exec(fs.readFileSync('/proc/stat', 'utf8'))?.[1]);
      const started = new Date(btime * 1000 + Number(fields[19]) * 10).toISOString();
      writeLock(dir, { pid: zombie, hostname: hostname(), startedAt: started });
      const lock = DataDirLock.acquire(dir);
      try {
        expect(lockHolder(dir)).toMatchObject({ pid: process.pid });
      } finally {
        lock.release();
      }
    } finally {
      parent.kill('SIGKILL');
    }
  });

  test('from another host counts while it is fresh, and is taken over once its holder stopped touching it', () => {
    const dir = path.join(root, 'other-host');
    const foreign: LockHolder = { pid: 4242, hostname: 'vigil-elsewhere', startedAt: '2026-12-05T00:00:00.000Z' };
    writeLock(dir, foreign);
    expect(() => DataDirLock.acquire(dir)).toThrow(DataDirInUseError);
    expect(() => DataDirLock.acquire(dir)).toThrow('in use by another Vigil (pid 4242 on host vigil-elsewhere, since 2026-12-05T00:00:00.000Z)');

    writeLock(dir, foreign, 5 * 60_000);
    const lock = DataDirLock.acquire(dir);
    try {
      expect(lockHolder(dir)).toMatchObject({ pid: process.pid, hostname: hostname() });
    } finally {
      lock.release();
    }
    expect(fs.existsSync(path.join(dir, LOCK_FILE))).toBe(false);
  });

  test('that names no holder is left alone while it may be being written, and taken over once old', () => {
    const dir = path.join(root, 'unreadable');
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    const file = path.join(dir, LOCK_FILE);
    fs.writeFileSync(file, '');
    expect(() => DataDirLock.acquire(dir)).toThrow(`its lock file ${file} is being written`);
    const then = new Date(Date.now() - 60_000);
    fs.utimesSync(file, then, then);
    const lock = DataDirLock.acquire(dir);
    lock.release();
    expect(fs.readdirSync(dir)).toEqual([]);
  });
});
