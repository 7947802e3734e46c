// Shared by the docker-*.test.ts suites: test containers on a real daemon (labelled vigil.test=1,
// cleaned up at exit), a Vigil wired to it, polling, and reading incidents and timelines back.
import { randomUUID } from 'node:crypto';
import { io as connect, type Socket } from 'socket.io-client';
import type { EngineOptions } from '../../src/domain/index.ts';
import { BASE_IMAGE } from '../harness/base-image.ts';
import { docker, removeContainer } from '../harness/docker.ts';
import { trackContainer } from '../harness/resources.ts';
import { Client, startVigil, type RunningVigil } from '../harness/vigil.ts';

/** A process that idles, says it is ready, and exits cleanly on SIGTERM (a daemon shutdown is quick). */
export const IDLE = "process.on('SIGTERM',()=>process.exit(0));console.log('ready to serve');console.error('a line on stderr');setInterval(()=>{},1e9)";
export const CRASH = "console.log('starting');console.error('fatal: cannot continue');process.exit(3)";

export interface Entry {
  id: string;
  incidentId: string;
  at: string;
  source: string;
  kind: string;
  message: string;
  actor?: string;
  data: { signals?: Array<{ id: string; kind: string; attributes: Record<string, unknown>; receivedAt?: string }>; [k: string]: unknown };
}

export interface IncidentBody {
  id: string;
  service: string;
  host: string;
  status: string;
  severity: string;
  timeline: Entry[];
}

export const uniqueName = (prefix: string) => `vigil-t-${prefix}-${randomUUID().slice(0, 8)}`;

/** The docker CLI against one endpoint (the default daemon when undefined). */
export function dockerAt(endpoint: string | undefined, args: string[]): Promise<string> {
  return docker(endpoint === undefined ? args : ['-H', endpoint, ...args]);
}

export async function runContainer(options: {
  name: string;
  script: string;
  endpoint?: string;
  labels?: Record<string, string>;
  restart?: string;
  extra?: string[];
}): Promise<string> {
  const labels = { 'vigil.test': '1', ...options.labels };
  const id = await dockerAt(options.endpoint, [
    'run', '-d', '--name', options.name, '--network', 'none',
    ...Object.entries(labels).flatMap(([k, v]) => ['--label', `${k}=${v}`]),
    ...(options.restart ? ['--restart', options.restart] : []),
    ...(options.extra ?? []),
    BASE_IMAGE, 'node', '-e', options.script,
  ]);
  // A private daemon is removed whole with its data root; on the shared one each is removed by id.
  if (options.endpoint === undefined) {
    trackContainer(id);
    created.add(id);
  }
  return id;
}

const created = new Set<string>();

/** Removes what runContainer created on the shared daemon (call in afterAll). */
export async function removeCreated(): Promise<void> {
  await Promise.all([...created].map((id) => removeContainer(id)));
  created.clear();
}

export async function stateOf(id: string, endpoint?: string): Promise<{ status: string; startedAt: string; restartCount: number }> {
  const [status = '', startedAt = '', restartCount = '0'] = (await dockerAt(endpoint, ['inspect', '--format', '{{.State.Status}} {{.State.StartedAt}} {{.RestartCount}}', id])).split(' ');
  return { status, startedAt, restartCount: Number(restartCount) };
}

/** Polls `check` until it returns something other than undefined; fails with the last reason. */
export async function until<T>(what: string, timeoutMs: number, check: () => Promise<T | undefined> | T | undefined, intervalMs = 40): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    let last: unknown = 'not yet';
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms (${last instanceof Error ? last.message : String(last)})`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

export interface DockerVigil {
  vigil: RunningVigil;
  admin: Client;
  socket: Socket;
  /** Every timeline:append and container:update seen on the socket, with when it arrived. */
  appended: Array<Entry & { receivedMs: number }>;
  containerUpdates: Array<{ id: string; host: string; state: string; receivedMs: number }>;
  stop(): Promise<void>;
}

export const ADMIN_PASSWORD = 'docker-suite-admin';

/** A Vigil on these Docker endpoints, with its Docker source up, an admin signed in and a socket listening. */
export async function startDockerVigil(endpoints: string[], env: Record<string, string> = {}, engine?: Partial<EngineOptions>): Promise<DockerVigil> {
  const vigil = await startVigil({
    DOCKER_HOSTS: endpoints.join(','), ADMIN_PASSWORD, PROMETHEUS_POLL_SECONDS: '0', QUIET_PERIOD_SECONDS: '600', ...env,
  }, engine);
  await vigil.app.ready();
  const admin = new Client(vigil.url);
  await admin.login('admin', ADMIN_PASSWORD);
  await until('the Docker source up', 15_000, async () => {
    const ready = await admin.request('GET', '/readyz');
    const docker = ready.body.sources.filter((s: { source: string }) => s.source === 'docker');
    return docker.length === endpoints.length && docker.every((s: { state: string }) => s.state === 'up') ? true : undefined;
  });
  const socket = connect(vigil.url, { transports: ['websocket'], reconnection: false, extraHeaders: { cookie: admin.cookie ?? '' } });
  const appended: DockerVigil['appended'] = [];
  const containerUpdates: DockerVigil['containerUpdates'] = [];
  socket.on('timeline:append', (e) => appended.push({ ...(e as Entry), receivedMs: Date.now() }));
  socket.on('container:update', (c) => containerUpdates.push({ ...c, receivedMs: Date.now() }));
  await new Promise((resolve) => socket.once('server:hello', resolve));
  return {
    vigil, admin, socket, appended, containerUpdates,
    stop: async () => {
      socket.close();
      await vigil.stop();
    },
  };
}

export async function incidentsOf(client: Client, service: string): Promise<IncidentBody[]> {
  const list = (await client.request('GET', `/api/incidents?status=all&service=${encodeURIComponent(service)}&limit=50`)).body.items as IncidentBody[];
  return Promise.all(list.map(async (i) => (await client.request('GET', `/api/incidents/${i.id}`)).body as IncidentBody));
}

/** The one incident of a service, once its timeline has an entry of `kind`. */
export function incidentWith(client: Client, service: string, kind: string, timeoutMs = 10_000): Promise<IncidentBody> {
  return until(`an incident for ${service} with ${kind}`, timeoutMs, async () => {
    const [incident, ...more] = await incidentsOf(client, service);
    if (more.length > 0) throw new Error(`${more.length + 1} incidents for ${service}`);
    return incident?.timeline.some((e) => e.kind === kind) ? incident : undefined;
  }, 100);
}

export async function userClient(vigil: RunningVigil, admin: Client, username: string, role: 'viewer' | 'responder'): Promise<Client> {
  const password = `${username}-password-1`;
  await admin.send('POST', '/api/users', { username, password, role });
  const c = new Client(vigil.url);
  await c.login(username, password);
  return c;
}
