// `npm run gameday`: replays the seed outage against a running stack (docker-compose up -d). It
// kills the Compose service `backend` the way the seed did (docker kill), then reports how long Vigil
// took to open the incident, whether an alert landed on it, how long until the container ran again,
// and where the incident is. Settings come from the environment (and .env when there is one).
import { setTimeout as sleep } from 'node:timers/promises';
import type Docker from 'dockerode';
import { loadConfig } from '../server/src/config.ts';
import { dockerClient } from '../server/src/sources/docker/connect.ts';

class GameDayError extends Error {}

interface Settings {
  vigilUrl: string;
  token?: string;
  user: string;
  password?: string;
  service: string;
  project?: string;
  healTimeoutMs: number;
  alertWaitMs: number;
  force: boolean;
}

function settings(env: NodeJS.ProcessEnv): Settings {
  const seconds = (name: string, fallback: number) => {
    const value = Number(env[name] ?? fallback);
    if (!Number.isFinite(value) || value <= 0) throw new GameDayError(`${name} must be a number of seconds, not ${JSON.stringify(env[name])}`);
    return value * 1000;
  };
  return {
    vigilUrl: (env['VIGIL_URL'] ?? 'http://localhost:8080').replace(/\/+$/, ''),
    ...(env['VIGIL_TOKEN'] ? { token: env['VIGIL_TOKEN'] } : {}),
    user: env['VIGIL_USER'] ?? 'admin',
    ...(env['VIGIL_PASSWORD'] || env['ADMIN_PASSWORD'] ? { password: env['VIGIL_PASSWORD'] || env['ADMIN_PASSWORD'] } : {}),
    service: env['GAMEDAY_SERVICE'] ?? 'backend',
    ...(env['COMPOSE_PROJECT_NAME'] ? { project: env['COMPOSE_PROJECT_NAME'] } : {}),
    healTimeoutMs: seconds('GAMEDAY_HEAL_TIMEOUT_SECONDS', 180),
    alertWaitMs: seconds('GAMEDAY_ALERT_WAIT_SECONDS', 40),
    force: env['GAMEDAY_FORCE'] === '1',
  };
}

interface Entry { at: string; kind: string; source: string; message: string; data?: { signals?: Array<{ receivedAt?: string; source?: string }> } }
interface Incident { id: string; title: string; status: string; openedAt: string; timeline?: Entry[] }

/** Vigil's API with a session (VIGIL_USER/VIGIL_PASSWORD, else ADMIN_PASSWORD) or an API token. */
async function connectVigil(s: Settings): Promise<(path: string) => Promise<unknown>> {
  try {
    const res = await fetch(`${s.vigilUrl}/healthz`, { signal: AbortSignal.timeout(3_000) });
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
  } catch (err) {
    throw new GameDayError(`Vigil does not answer at ${s.vigilUrl} (${err instanceof Error ? err.message : String(err)}).\nIs the stack running? Start it with: docker-compose up -d   (or set VIGIL_URL)`);
  }
  const headers: Record<string, string> = {};
  if (s.token) headers['authorization'] = `Bearer ${s.token}`;
  else {
    if (!s.password) throw new GameDayError('Set VIGIL_TOKEN (an API token) or VIGIL_PASSWORD (or ADMIN_PASSWORD, as in .env) so the game day can read incidents.');
    const login = await fetch(`${s.vigilUrl}/api/auth/login`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: s.user, password: s.password }),
    });
    if (login.status !== 200) throw new GameDayError(`Signing in to Vigil as ${s.user} failed (HTTP ${login.status}): check VIGIL_USER / VIGIL_PASSWORD.`);
    headers['cookie'] = (login.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
  }
  return async (path) => {
    const res = await fetch(`${s.vigilUrl}${path}`, { headers, signal: AbortSignal.timeout(5_000) });
    if (!res.ok) throw new GameDayError(`GET ${path} answered HTTP ${res.status}: ${await res.text()}`);
    return res.json();
  };
}

function docker(): Docker {
  // The same endpoint rules as Vigil's own DOCKER_HOST (unix socket, or tcp:// with DOCKER_CERT_PATH).
  const config = loadConfig({ DOCKER_HOST: process.env['DOCKER_HOST'], DOCKER_CERT_PATH: process.env['DOCKER_CERT_PATH'] });
  const [endpoint] = config.dockerHosts;
  if (!endpoint) throw new GameDayError('no Docker endpoint');
  return dockerClient(endpoint, config.dockerCertPath);
}

async function findTarget(d: Docker, s: Settings): Promise<Docker.ContainerInfo> {
  const labels = [`com.docker.compose.service=${s.service}`, ...(s.project ? [`com.docker.compose.project=${s.project}`] : [])];
  let running: Docker.ContainerInfo[];
  try {
    running = await d.listContainers({ filters: JSON.stringify({ label: labels, status: ['running'] }) });
  } catch (err) {
    throw new GameDayError(`Docker cannot be reached (${err instanceof Error ? err.message : String(err)}); set DOCKER_HOST if it is not the local socket.`);
  }
  if (running.length === 0) {
    throw new GameDayError(`No running container of the Compose service "${s.service}"${s.project ? ` in project ${s.project}` : ''}.\nStart the stack first: docker-compose up -d`);
  }
  if (running.length > 1) {
    throw new GameDayError(`${running.length} running containers of "${s.service}" (${running.map((c) => c.Names[0]).join(', ')}): set COMPOSE_PROJECT_NAME to pick one.`);
  }
  return running[0] as Docker.ContainerInfo;
}

async function until<T>(timeoutMs: number, check: () => Promise<T | undefined>): Promise<T | undefined> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined || Date.now() > deadline) return value;
    await sleep(200);
  }
}

const secs = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const receivedMs = (e: Entry) => Date.parse(e.data?.signals?.[0]?.receivedAt ?? e.at);

async function main(): Promise<void> {
  try {
    process.loadEnvFile('.env');
  } catch {
    // No .env: the environment alone.
  }
  const s = settings(process.env);
  const get = await connectVigil(s);
  const d = docker();
  const target = await findTarget(d, s);
  const name = (target.Names[0] ?? target.Id).replace(/^\//, '');
  const active = await get(`/api/incidents?status=active&service=${encodeURIComponent(s.service)}&limit=1`) as { items: Incident[] };
  if (active.items[0] && !s.force) {
    throw new GameDayError(`An incident for ${s.service} is already open (${s.vigilUrl}/incidents/${active.items[0].id}); let it resolve first, or set GAMEDAY_FORCE=1.`);
  }
  if (target.Labels['vigil.supervise'] !== 'true') process.stdout.write(`note: ${name} does not carry vigil.supervise=true; nothing will heal it but you.\n`);

  process.stdout.write(`Game day: docker kill ${name} (${target.Id.slice(0, 12)}), as in the seed outage.\n`);
  const killedAt = Date.now();
  await d.getContainer(target.Id).kill({ signal: 'SIGKILL' });

  const incidentOf = async (): Promise<Incident | undefined> => {
    const list = await get(`/api/incidents?status=all&service=${encodeURIComponent(s.service)}&limit=5`) as { items: Incident[] };
    const opened = list.items.find((i) => Date.parse(i.openedAt) >= killedAt - 5_000 || (s.force && i.status !== 'resolved'));
    return opened && await get(`/api/incidents/${opened.id}`) as Incident;
  };
  const opened = await until(30_000, incidentOf);
  if (!opened) throw new GameDayError(`Vigil opened no incident for ${s.service} within 30 s of the kill: is its Docker source up? See ${s.vigilUrl}/readyz`);
  // The incident opens at the die; the die's own entry follows once Docker's kill → die → stop burst
  // is complete (the supervisor's decision can be on the timeline before it), so wait for it.
  const dockerEntry = (i: Incident | undefined) => i?.timeline?.find((e) => e.source === 'docker');
  const incident = dockerEntry(opened) ? opened : await until(10_000, async () => {
    const now = await incidentOf();
    return dockerEntry(now) ? now : undefined;
  }) ?? opened;
  const detection = dockerEntry(incident) ?? incident.timeline?.[0];

  const healed = await until(s.healTimeoutMs, async () => {
    const info = await d.getContainer(target.Id).inspect().catch(() => undefined);
    return info?.State.Running && Date.parse(info.State.StartedAt) > killedAt ? Date.parse(info.State.StartedAt) : undefined;
  });

  process.stdout.write(`Waiting up to ${secs(s.alertWaitMs)} after the kill for an alert on the incident (BackendDown needs 15 s of up == 0)…\n`);
  const final = await until(Math.max(0, killedAt + s.alertWaitMs - Date.now()), async () => {
    const now = await incidentOf();
    return now?.timeline?.some((e) => e.kind === 'alert.firing') || now?.status === 'resolved' ? now : undefined;
  }) ?? await incidentOf() ?? incident;
  const alert = final.timeline?.find((e) => e.kind === 'alert.firing');
  const promDown = final.timeline?.find((e) => e.kind === 'prometheus.service_down');

  const lines = [
    '',
    `time to detect   ${detection ? `${secs(receivedMs(detection) - killedAt)}   ${detection.message}` : '?'}`,
    promDown ? `  Prometheus     ${secs(receivedMs(promDown) - killedAt)}   ${promDown.message}` : undefined,
    `time to alert    ${alert ? `${secs(receivedMs(alert) - killedAt)}   ${alert.message} (via ${alert.data?.signals?.[0]?.source ?? alert.source})` : `—        no alert fired within ${secs(s.alertWaitMs)}${healed ? ': healed before the alert rule\'s `for` ran out' : ''}`}`,
    `time to heal     ${healed ? `${secs(healed - killedAt)}   ${name} running again` : `—        not running again after ${secs(s.healTimeoutMs)}`}`,
    `incident         ${s.vigilUrl}/incidents/${final.id}   (${final.status}: ${final.title})`,
    '',
    'The seed outage, for comparison: users saw errors after 10 s, Prometheus up == 0 after 30 s, no alert,',
    'healed by hand after almost 3 minutes.',
  ].filter((l) => l !== undefined);
  process.stdout.write(`${lines.join('\n')}\n`);
  if (!healed) process.exitCode = 1;
}

main().catch((err: unknown) => {
  process.stderr.write(`gameday: ${err instanceof GameDayError ? err.message : err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
  process.exit(1);
});
