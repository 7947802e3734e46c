// Free loopback ports for the real components the tests start.
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      if (address === null || typeof address === 'string') {
        srv.close();
        reject(new Error('could not read the port of a loopback listener'));
        return;
      }
      srv.close(() => resolve(address.port));
    });
  });
}

/** Resolves once something accepts TCP connections on host:port, or rejects after timeoutMs. */
export async function waitForPort(port: number, timeoutMs = 30_000, host = '127.0.0.1'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const sock = net.connect({ port, host });
      sock.once('connect', () => { sock.destroy(); resolve(true); });
      sock.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`nothing listened on ${host}:${port} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * Starts a server that keeps its files in a fresh temp dir (`prefix`…), removed when it stops. A free
 * port can be taken between probing and the server binding it: then `startOnce` runs again (it picks
 * fresh ports), at most three times.
 */
export async function startOnFreshPorts<T extends { stop(): Promise<void> }>(prefix: string, startOnce: (dir: string) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  const cleanUp = (): void => rmSync(dir, { recursive: true, force: true });
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt += 1) {
    try {
      const server = await startOnce(dir);
      return {
        ...server,
        stop: async () => {
          await server.stop();
          cleanUp();
        },
      };
    } catch (err) {
      lastError = err;
      if (!(err instanceof Error) || !/address already in use/i.test(err.message)) break;
    }
  }
  cleanUp();
  throw lastError;
}
