// deploy/haproxy/haproxy.cfg as HAProxy runs it, in front of two real Vigil processes: the shipped
// file with only its listening address and its two server addresses moved to loopback ports. It
// spreads new visitors over both replicas, keeps one browser on one replica by its cookie (socket.io's
// long-polling session lives in one process: another replica answers "Session ID unknown"), and
// moves that browser to the other replica once its own fails the /readyz check.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { describeWith, requireComponent } from '../harness/components.ts';
import { freePort, waitForPort } from '../harness/ports.ts';
import { findExecutable, makeTempDir, removeTempDir, startProcess, type TrackedProcess } from '../harness/resources.ts';
import { startVigilProcess } from './fault-support.ts';

const repo = path.resolve(import.meta.dirname, '../../..');
const haproxy = await requireComponent('haproxy', () => findExecutable(['haproxy'], 'HAPROXY_BIN', 'apt-get install haproxy'));

/** The shipped config, listening on `port` and sending to the given loopback ports; the rest untouched. */
function onLoopback(port: number, replicas: Record<string, number>): string {
  const shipped = readFileSync(path.join(repo, 'deploy/haproxy/haproxy.cfg'), 'utf8');
  let binds = 0;
  let servers = 0;
  const text = shipped
    .replace(/^(\s+)bind :8080$/m, (_m, indent: string) => { binds += 1; return `${indent}bind 127.0.0.1:${port}`; })
    .replace(/^(\s+server (vigil-\d) )\2:8080( .*)$/gm, (_m, head: string, name: string, tail: string) => {
      servers += 1;
      return `${head}127.0.0.1:${replicas[name]}${tail}`;
    });
  // The file changed shape: this test must change with it rather than test something else.
  if (binds !== 1 || servers !== Object.keys(replicas).length) throw new Error(`expected 1 bind and ${Object.keys(replicas).length} servers in haproxy.cfg, found ${binds} and ${servers}`);
  return text;
}

async function replicaBehind(url: string, cookie?: string): Promise<{ replica: string; setCookie: string | null }> {
  const res = await fetch(`${url}/readyz`, { headers: cookie ? { cookie } : {}, signal: AbortSignal.timeout(5_000) });
  const body = await res.json() as { cluster?: { replica?: unknown } };
  return { replica: String(body.cluster?.replica), setCookie: res.headers.get('set-cookie') };
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const got = await probe();
      if (got !== undefined) return got;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${what} did not happen within ${timeoutMs} ms${last ? ` (last: ${String(last)})` : ''}`);
}

describeWith(haproxy, 'deploy/haproxy/haproxy.cfg in front of two Vigils', (binary) => {
  const replicas: Record<string, { proc: TrackedProcess; url: string; port: number; dir: string }> = {};
  let proxy: TrackedProcess;
  let url: string;
  let dir: string;

  beforeAll(async () => {
    for (const name of ['vigil-1', 'vigil-2']) {
      const port = await freePort();
      const dataDir = makeTempDir(`haproxy-${name}-`);
      const started = await startVigilProcess({ PORT: String(port), DATA_DIR: dataDir, REPLICA_NAME: name, ADMIN_PASSWORD: 'haproxy-config-admin-password' });
      replicas[name] = { ...started, port, dir: dataDir };
    }
    dir = makeTempDir('haproxy-shipped-');
    const port = await freePort();
    const file = path.join(dir, 'haproxy.cfg');
    writeFileSync(file, onLoopback(port, Object.fromEntries(Object.entries(replicas).map(([name, r]) => [name, r.port]))));
    proxy = startProcess(binary, ['-db', '-f', file]);
    const early = proxy.exited.then((how) => { throw new Error(`haproxy: ${how}\n${proxy.output()}`); });
    early.catch(() => undefined);
    await Promise.race([waitForPort(port, 15_000), early]);
    url = `http://127.0.0.1:${port}`;
    // Both replicas in the rotation: each has answered its health checks.
    await until('both replicas answering through HAProxy', async () => {
      const seen = new Set<string>();
      for (let i = 0; i < 6; i++) seen.add((await replicaBehind(url)).replica);
      return seen.size === 2 ? seen : undefined;
    });
  }, 120_000);

  afterAll(async () => {
    await proxy?.stop(5_000);
    for (const r of Object.values(replicas)) {
      await r.proc.stop();
      await removeTempDir(r.dir);
    }
    if (dir) await removeTempDir(dir);
  });

  test('spreads new visitors round robin, and keeps a visitor with its cookie on one replica', async () => {
    const first = await replicaBehind(url);
    const second = await replicaBehind(url);
    expect(new Set([first.replica, second.replica])).toEqual(new Set(['vigil-1', 'vigil-2']));

    expect(first.setCookie).toMatch(new RegExp(`^VIGIL_REPLICA=${first.replica};.*HttpOnly`, 'i'));
    const cookie = (first.setCookie ?? '').split(';')[0];
    for (let i = 0; i < 8; i++) expect((await replicaBehind(url, cookie)).replica).toBe(first.replica);
  });

  test("a socket.io long-polling session stays on the replica that opened it", async () => {
    // The Engine.IO handshake opens a session in one process; every later request names its sid.
    const open = await fetch(`${url}/socket.io/?EIO=4&transport=polling`);
    expect(open.status).toBe(200);
    const cookie = (open.headers.get('set-cookie') ?? '').split(';')[0];
    expect(cookie).toMatch(/^VIGIL_REPLICA=vigil-[12]$/);
    const sid = /"sid":"([^"]+)"/.exec(await open.text())?.[1];
    expect(sid).toBeDefined();
    const post = (withCookie: boolean) => fetch(`${url}/socket.io/?EIO=4&transport=polling&sid=${sid}`, {
      method: 'POST', body: '6', headers: { 'content-type': 'text/plain;charset=UTF-8', ...(withCookie ? { cookie } : {}) },
    }).then(async (res) => `${res.status} ${await res.text()}`);

    // With the cookie every request reaches the session's replica ("6" is Engine.IO's noop).
    for (let i = 0; i < 6; i++) expect(await post(true)).toBe('200 ok');
    // Without it, round robin sends some of them to the other replica, which has no such session:
    // what the cookie is there for.
    const without = await Promise.all([post(false), post(false), post(false), post(false)]);
    expect(without.some((a) => a.startsWith('400') && a.includes('Session ID unknown'))).toBe(true);
  });

  test('moves a visitor to the other replica once its own fails the /readyz check', async () => {
    const { replica, setCookie } = await replicaBehind(url);
    const cookie = (setCookie ?? '').split(';')[0];
    const other = replica === 'vigil-1' ? 'vigil-2' : 'vigil-1';
    const pinned = replicas[replica];
    if (!pinned) throw new Error(`no replica ${replica}`);
    await pinned.proc.stop();
    const moved = await until('the request to reach the other replica', async () => {
      const res = await replicaBehind(url, cookie);
      return res.replica === other ? res : undefined;
    });
    expect(moved.setCookie).toMatch(new RegExp(`^VIGIL_REPLICA=${other};`));
  });
});
