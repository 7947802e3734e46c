// A dockerode client for one DOCKER_HOSTS endpoint (unix socket, or TCP with optional TLS and basic auth).
import fs from 'node:fs';
import path from 'node:path';
import Docker from 'dockerode';
import type { DockerEndpoint } from '../../config.ts';

export function dockerClient(endpoint: DockerEndpoint, certPath?: string): Docker {
  if (endpoint.socketPath !== undefined) return new Docker({ socketPath: endpoint.socketPath });
  const tls = certPath !== undefined
    ? {
        ca: fs.readFileSync(path.join(certPath, 'ca.pem')),
        cert: fs.readFileSync(path.join(certPath, 'cert.pem')),
        key: fs.readFileSync(path.join(certPath, 'key.pem')),
      }
    : {};
  // Basic auth for an endpoint behind a web server: a header on every call, never part of a URL Vigil shows.
  const headers = endpoint.auth !== undefined
    ? { headers: { authorization: `Basic ${Buffer.from(`${endpoint.auth.username}:${endpoint.auth.password}`).toString('base64')}` } }
    : {};
  return new Docker({ host: endpoint.host, port: endpoint.port, protocol: endpoint.protocol ?? 'http', ...tls, ...headers });
}
