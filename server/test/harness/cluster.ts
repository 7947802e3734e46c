// Several real Vigil replicas (each its own process, so it can be SIGKILLed or SIGSTOPped) on one
// MongoDB (FerretDB), with a real HAProxy in front, as docker-compose.ha.yml runs them.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { ClusterState } from '../../src/contract/index.ts';
import { startVigilProcess } from '../integration/fault-support.ts';
import { freePort, waitForPort } from './ports.ts';
import { findExecutable, makeTempDir, removeTempDir, startProcess, type TrackedProcess } from './resources.ts';

export interface Replica {
  name: string;
  url: string;
  proc: TrackedProcess;
  env: Record<string, string>;
}

export function haproxyBinary(): string {
  return findExecutable(['haproxy'], 'HAPROXY_BIN', 'apt-get install haproxy');
}

/** The replica's own view: its /readyz `cluster`, or undefined when it does not answer. */
export async function clusterOf(replica: Replica): Promise<ClusterState | undefined> {
  try {
    const res = await fetch(`${replica.url}/readyz`, { signal: AbortSignal.timeout(2_000) });
    const body = await res.json() as { cluster?: ClusterState };
    return body.cluster;
  } catch {
    return undefined;
  }
}

export async function startReplica(name: string, env: Record<string, string>): Promise<Replica> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const all = { ...env, PORT: String(port), REPLICA_NAME: name, REPLICA_URL: url };
  const { proc } = await startVigilProcess(all);
  return { name, url, proc, env: all };
}

export interface Haproxy {
  url: string;
  stop(): Promise<void>;
}

/** HAProxy round-robin over the replicas, each checked on /readyz every 500 ms (deploy/haproxy/haproxy.cfg does the same). */
export async function startHaproxy(backends: readonly Replica[]): Promise<Haproxy> {
  const dir = makeTempDir('haproxy');
  const port = await freePort();
  const config = [
    'global', '  maxconn 4096',
    'defaults', '  mode http', '  timeout connect 2s', '  timeout client 60s', '  timeout server 60s', '  timeout tunnel 1h',
    'frontend vigil', `  bind 127.0.0.1:${port}`, '  default_backend replicas',
    'backend replicas', '  balance roundrobin', '  option httpchk GET /readyz', '  http-check expect status 200',
    '  default-server inter 500ms fall 2 rise 1',
    ...backends.map((b) => `  server ${b.name} ${new URL(b.url).host} check`),
    '',
  ].join('\n');
  const file = path.join(dir, 'haproxy.cfg');
  writeFileSync(file, config);
  const proc = startProcess(haproxyBinary(), ['-db', '-f', file]);
  const early = proc.exited.then((how) => { throw new Error(`haproxy: ${how}\n${proc.output()}`); });
  early.catch(() => undefined);
  await Promise.race([waitForPort(port, 15_000), early]);
  return {
    url: `http://127.0.0.1:${port}`,
    stop: async () => {
      await proc.stop(5_000);
      await removeTempDir(dir);
    },
  };
}
