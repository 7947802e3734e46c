// A one-node Docker Swarm on a private dockerd (second-dockerd.ts): `docker swarm init` never runs on
// the shared daemon, whose other suites expect a plain engine. Stopping it leaves the swarm and
// removes the `docker_gwbridge` interface Swarm leaves behind (FACTS.md).
import { execFile } from 'node:child_process';
import { BASE_IMAGE } from './base-image.ts';
import { findExecutable } from './resources.ts';
import { startSecondDockerd, type SecondDockerd } from './second-dockerd.ts';

export interface SwarmDockerd extends SecondDockerd {
  /** The node id of the one manager. */
  nodeId: string;
  /** A GET on the daemon's API (unix socket), parsed: what Vigil reads. */
  api(path: string): Promise<unknown>;
}

function deleteLink(name: string): Promise<void> {
  return new Promise((resolve) => {
    execFile(findExecutable(['ip'], 'IP_BIN', 'apt-get install iproute2'), ['link', 'del', name], { timeout: 10_000 }, () => resolve());
  });
}

/** What `ip link show master <bridge>` lists: the interfaces still attached to it. */
function attached(bridge: string): Promise<string> {
  return new Promise((resolve) => {
    execFile(findExecutable(['ip'], 'IP_BIN', 'apt-get install iproute2'), ['-o', 'link', 'show', 'master', bridge], { timeout: 10_000 }, (err, out) => resolve(err ? 'unknown' : out.trim()));
  });
}

export async function startSwarmDockerd(images: string[] = [BASE_IMAGE]): Promise<SwarmDockerd> {
  // A run that was killed leaves its docker_gwbridge behind; nothing else here uses one (no other
  // daemon on this machine is in a swarm), but one with interfaces still attached is left alone.
  if (await attached('docker_gwbridge') === '') await deleteLink('docker_gwbridge');
  const d = await startSecondDockerd(images);
  try {
    await d.cli(['swarm', 'init', '--advertise-addr', '127.0.0.1'], 60_000);
  } catch (err) {
    await d.stop();
    await deleteLink('docker_gwbridge');
    throw new Error(`docker swarm init on a private dockerd failed: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
  const nodeId = await d.cli(['info', '--format', '{{.Swarm.NodeID}}']);
  const socketPath = d.endpoint.slice('unix://'.length);
  return {
    ...d,
    nodeId,
    async api(path: string): Promise<unknown> {
      const res = await fetchUnix(socketPath, path);
      return JSON.parse(res) as unknown;
    },
    async stop() {
      const services = (await d.cli(['service', 'ls', '-q']).catch(() => '')).split('\n').filter((s) => s !== '');
      if (services.length > 0) await d.cli(['service', 'rm', ...services]).catch(() => undefined);
      await d.cli(['swarm', 'leave', '--force'], 60_000).catch(() => undefined);
      await d.stop();
      await deleteLink('docker_gwbridge');
    },
  };
}

async function fetchUnix(socketPath: string, path: string): Promise<string> {
  const http = await import('node:http');
  return new Promise((resolve, reject) => {
    const req = http.get({ socketPath, path, timeout: 10_000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => { body += c; });
      res.on('end', () => (res.statusCode === 200 ? resolve(body) : reject(new Error(`GET ${path}: HTTP ${res.statusCode} ${body}`))));
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${path} timed out`)));
    req.on('error', reject);
  });
}
