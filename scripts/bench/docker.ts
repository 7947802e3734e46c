// `docker kill` → incident on a socket.io client (with Docker's own die event as the floor), and a
// supervised container killed → running again. A real Vigil watches a private dockerd (when root) so
// no other Vigil on the machine heals or reports these containers, and nobody else's containers load it.
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import Docker from 'dockerode';
import { BASE_IMAGE, ensureBaseImage } from '../../server/test/harness/base-image.ts';
import { docker as dockerCli, ensureDockerDaemon } from '../../server/test/harness/docker.ts';
import { startSecondDockerd, type SecondDockerd } from '../../server/test/harness/second-dockerd.ts';
import { row, sleep, summarize, type Row } from './stats.ts';
import { dockerSourceUp, Session, startVigil, type VigilProcess, type VigilSocket } from './vigil.ts';

const IDLE = 'setInterval(()=>{},1e9)';
const DETECTION_GOALS = { p50: 150, p99: 400 };
const HEAL_GOAL_MS = 3_000;

export interface DockerBenchOptions {
  detectionTrials: number;
  healTrials: number;
  logDir: string;
  runDetection: boolean;
  runHeal: boolean;
}

export interface Daemon {
  endpoint: string;
  kind: 'private dockerd' | 'shared dockerd';
  cli(args: string[]): Promise<string>;
  stop(): Promise<void>;
}

export async function daemon(): Promise<Daemon> {
  await ensureDockerDaemon();
  await ensureBaseImage();
  if (process.getuid?.() === 0 && process.env['BENCH_SHARED_DOCKERD'] !== '1') {
    const d2: SecondDockerd = await startSecondDockerd();
    return { endpoint: d2.endpoint, kind: 'private dockerd', cli: (args) => d2.cli(args), stop: () => d2.stop() };
  }
  const endpoint = process.env['DOCKER_HOST'] || 'unix:///var/run/docker.sock';
  const created: string[] = [];
  return {
    endpoint,
    kind: 'shared dockerd',
    cli: async (args) => {
      const out = await dockerCli(args);
      if (args[0] === 'run') created.push(out);
      return out;
    },
    stop: async () => {
      if (created.length > 0) await dockerCli(['rm', '-f', '-v', ...created]).catch(() => undefined);
    },
  };
}

export function dockerodeFor(endpoint: string): Docker {
  if (endpoint.startsWith('unix://')) return new Docker({ socketPath: endpoint.slice('unix://'.length) });
  const u = new URL(endpoint.replace(/^tcp:/, 'http:'));
  return new Docker({ host: u.hostname, port: Number(u.port) });
}

/** Our own view of the daemon's events: when each container's die and start arrived here. */
export class EventClock {
  readonly dies = new Map<string, number>();
  readonly starts = new Map<string, number[]>();
  private stream: NodeJS.ReadableStream | undefined;

  async open(d: Docker): Promise<void> {
    const stream = await d.getEvents({ filters: { type: ['container'], event: ['die', 'start'] } });
    this.stream = stream;
    let buffered = '';
    stream.on('data', (chunk: Buffer) => {
      const now = performance.now();
      buffered += chunk.toString('utf8');
      let nl: number;
      while ((nl = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, nl).trim();
        buffered = buffered.slice(nl + 1);
        if (!line) continue;
        const event = JSON.parse(line) as { Action?: string; Actor?: { ID?: string } };
        const id = event.Actor?.ID;
        if (!id) continue;
        if (event.Action === 'die' && !this.dies.has(id)) this.dies.set(id, now);
        if (event.Action === 'start') this.starts.set(id, [...(this.starts.get(id) ?? []), now]);
      }
    });
    stream.on('error', () => undefined);
  }

  close(): void {
    const s = this.stream as (NodeJS.ReadableStream & { destroy?: () => void }) | undefined;
    s?.destroy?.();
  }
}

async function waitFor<T>(what: string, timeoutMs: number, check: () => T | undefined): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const v = check();
    if (v !== undefined) return v;
    if (performance.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await sleep(2);
  }
}

export async function runIdle(d: Daemon, name: string, labels: Record<string, string>): Promise<string> {
  return d.cli([
    'run', '-d', '--name', name, '--network', 'none',
    ...Object.entries({ 'vigil.test': '1', ...labels }).flatMap(([k, v]) => ['--label', `${k}=${v}`]),
    BASE_IMAGE, 'node', '-e', IDLE,
  ]);
}

export async function dockerBenches(options: DockerBenchOptions): Promise<Row[]> {
  const rows: Row[] = [];
  const d = await daemon();
  let vigil: VigilProcess | undefined;
  let socket: VigilSocket | undefined;
  const clock = new EventClock();
  try {
    // The breaker counts restarts per container; every trial has its own, but be generous anyway.
    vigil = await startVigil({
      name: 'docker', logDir: options.logDir,
      env: { DOCKER_HOSTS: d.endpoint, SUPERVISOR_MAX_RESTARTS: '1000', SUPERVISOR_WINDOW_SECONDS: '60', QUIET_PERIOD_SECONDS: '600' },
    });
    await dockerSourceUp(vigil.url);
    const session = await Session.signIn(vigil.url);
    socket = await session.socket();
    const upserts = new Map<string, number>();
    const inventory = new Set<string>();
    socket.on('incident:upsert', (incident) => {
      if (!upserts.has(incident.service)) upserts.set(incident.service, performance.now());
    });
    socket.on('container:update', (c) => inventory.add(c.id));
    const api = dockerodeFor(d.endpoint);
    await clock.open(api);
    const tag = randomUUID().slice(0, 6);

    if (options.runDetection) {
      const names = Array.from({ length: options.detectionTrials }, (_, i) => `vigil-bench-det-${tag}-${i}`);
      const ids: string[] = [];
      // A few at a time: `docker run` is the slow part and this machine is shared.
      for (let i = 0; i < names.length; i += 4) ids.push(...await Promise.all(names.slice(i, i + 4).map((n) => runIdle(d, n, {}))));
      await waitFor('the test containers in Vigil\'s inventory', 20_000, () => (ids.every((id) => inventory.has(id)) ? true : undefined));
      await sleep(500);
      const floor: number[] = [];
      const detect: number[] = [];
      for (const [i, id] of ids.entries()) {
        const name = names[i] as string;
        const t0 = performance.now();
        await api.getContainer(id).kill();
        const [die, upsert] = await Promise.all([
          waitFor(`die event of ${name}`, 10_000, () => clock.dies.get(id)),
          waitFor(`incident:upsert for ${name}`, 10_000, () => upserts.get(name)),
        ]);
        floor.push(die - t0);
        detect.push(upsert - t0);
        await sleep(250);
      }
      const f = summarize(floor);
      const s = summarize(detect);
      const vigilShare = summarize(detect.map((x, i) => x - (floor[i] as number)));
      const note = `${s.n} trials, ${d.kind}; kill → die event p50 ${f.p50} / p99 ${f.p99} ms (the floor); Vigil's own share p50 ${vigilShare.p50} / p99 ${vigilShare.p99} ms`;
      rows.push(row('detection', 'docker kill → die event (floor) p50', f.p50, 'ms', undefined, `${f.n} trials`));
      rows.push(row('detection', 'docker kill → die event (floor) p99', f.p99, 'ms', undefined, `${f.n} trials`));
      rows.push(row('detection', 'docker kill → incident:upsert p50', s.p50, 'ms', { kind: 'max', value: DETECTION_GOALS.p50 }, note));
      rows.push(row('detection', 'docker kill → incident:upsert p99', s.p99, 'ms', { kind: 'max', value: DETECTION_GOALS.p99 }, note, { floor, detect }));
    }

    if (options.runHeal) {
      const heal: number[] = [];
      for (let i = 0; i < options.healTrials; i += 1) {
        const name = `vigil-bench-heal-${tag}-${i}`;
        const id = await runIdle(d, name, { 'vigil.supervise': 'true' });
        await waitFor(`${name} in Vigil's inventory`, 20_000, () => (inventory.has(id) ? true : undefined));
        await waitFor(`${name} started`, 10_000, () => clock.starts.get(id)?.[0]);
        await sleep(300);
        const startsBefore = clock.starts.get(id)?.length ?? 0;
        const t0 = performance.now();
        await api.getContainer(id).kill();
        const started = await waitFor(`${name} running again`, 15_000, () => clock.starts.get(id)?.[startsBefore]);
        const state = (await api.getContainer(id).inspect()).State;
        if (!state.Running) throw new Error(`${name} started again but is not running (${state.Status})`);
        heal.push(started - t0);
      }
      const h = summarize(heal);
      const note = `${h.n} trials, a fresh supervised container each, ${d.kind}; "running again" = its start event`;
      rows.push(row('heal', 'supervised docker kill → running again p50', h.p50, 'ms', { kind: 'max', value: HEAL_GOAL_MS }, note));
      rows.push(row('heal', 'supervised docker kill → running again p99', h.p99, 'ms', { kind: 'max', value: HEAL_GOAL_MS }, note, { heal }));
    }
  } finally {
    clock.close();
    socket?.close();
    await vigil?.stop();
    await d.stop();
  }
  return rows;
}
