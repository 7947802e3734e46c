// A Docker socket proxy for tests: Debian's haproxy on a free loopback port, forwarding to a Docker
// socket only the Engine API calls Vigil makes (docs/security.md): reads of ping, version, info,
// events, the container list, inspect and logs, and POST restart. Anything else is 403 from haproxy
// itself; the daemon never sees it. Production uses tecnativa/docker-socket-proxy the same way.
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { freePort, waitForPort } from './ports.ts';
import { findExecutable, makeTempDir, removeTempDir, startProcess, type TrackedProcess } from './resources.ts';

export interface SocketProxy {
  /** tcp://127.0.0.1:<port>, for DOCKER_HOSTS. */
  endpoint: string;
  /** http://127.0.0.1:<port>, for calling the proxy directly. */
  url: string;
  config: string;
  stop(): Promise<void>;
}

export function haproxyBinary(): string {
  try {
    return findExecutable(['haproxy'], 'HAPROXY_BIN', 'apt-get install haproxy');
  } catch (err) {
    // Debian installs it in /usr/sbin, which a non-login PATH may lack.
    if (!process.env['HAPROXY_BIN'] && existsSync('/usr/sbin/haproxy')) return '/usr/sbin/haproxy';
    throw err;
  }
}

/** An optional API version prefix ("/v1.41"), then the path. */
const api = (p: string) => `^(/v[0-9]+\\.[0-9]+)?${p}$`;
/** A container id or name: no leading dot, so no "..". */
const ID = '[a-zA-Z0-9][a-zA-Z0-9_.-]*';

/** The haproxy configuration: exactly what Vigil uses, nothing more. */
export function proxyConfig(port: number, socketPath: string): string {
  return `global
  maxconn 512

defaults
  mode http
  timeout connect 5s
  timeout client 1h
  timeout server 1h
  timeout tunnel 1h

frontend docker
  bind 127.0.0.1:${port}
  acl read method GET HEAD
  acl post method POST
  acl ping path_reg ${api('/_ping')}
  acl version path_reg ${api('/version')}
  acl info path_reg ${api('/info')}
  acl events path_reg ${api('/events')}
  acl container_list path_reg ${api('/containers/json')}
  acl container_inspect path_reg ${api(`/containers/${ID}/json`)}
  acl container_logs path_reg ${api(`/containers/${ID}/logs`)}
  acl container_restart path_reg ${api(`/containers/${ID}/restart`)}
  acl image_inspect path_reg ${api('/images/[0-9a-f]{64}/json')}
  http-request allow if read ping or read version or read info or read events
  http-request allow if read container_list or read container_inspect or read container_logs or read image_inspect
  http-request allow if post container_restart
  http-request deny deny_status 403
  default_backend dockerd

backend dockerd
  server dockerd ${socketPath}
`;
}

export async function startSocketProxy(options: { socketPath?: string } = {}): Promise<SocketProxy> {
  const binary = haproxyBinary();
  const socketPath = options.socketPath ?? '/var/run/docker.sock';
  const dir = makeTempDir('socket-proxy');
  const port = await freePort();
  const config = proxyConfig(port, socketPath);
  const file = path.join(dir, 'haproxy.cfg');
  writeFileSync(file, config);
  // -db: stay in the foreground, so the test owns the process and its output.
  const proc: TrackedProcess = startProcess(binary, ['-db', '-f', file]);
  try {
    await Promise.race([
      waitForPort(port, 10_000),
      proc.exited.then((how) => { throw new Error(`${how} before listening:\n${proc.output()}`); }),
    ]);
  } catch (err) {
    await proc.stop(1_000);
    await removeTempDir(dir);
    throw err;
  }
  return {
    endpoint: `tcp://127.0.0.1:${port}`,
    url: `http://127.0.0.1:${port}`,
    config,
    stop: async () => {
      await proc.stop(2_000);
      await removeTempDir(dir);
    },
  };
}
