// One timeline entry (a note posted through the API) fanned out by socket.io to many signed-in
// clients: the time from the POST until each client has the `timeline:append` in hand. On one
// Vigil, and on two replicas sharing Debian's redis-server (REDIS_URL) with the clients spread over
// both: the note is posted to replica A, half the clients hear it through Redis from replica B.
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import { startRedisServer, type RedisServer } from '../../server/test/harness/redis.ts';
import type { ClientsWorkerData, FromClients, ToClients } from './fanout-clients.ts';
import { row, sleep, summarize, until, type Row } from './stats.ts';
import { Session, startVigil, WEBHOOK_TOKEN, type VigilProcess, type VigilSocket } from './vigil.ts';

const FANOUT_GOAL_MS = 250;
/** Nothing listens here: this Vigil must not watch (or heal) the containers of anyone else on the machine. */
export const NO_DOCKER = 'unix:///nonexistent/vigil-bench/docker.sock';
const SOCKETS_PER_TOKEN = 20;

/** Opens an incident through the Alertmanager webhook and returns its id. */
export async function openIncidentByAlert(session: Session, service: string): Promise<string> {
  const startsAt = new Date().toISOString();
  const res = await fetch(`${session.url}/api/webhooks/alertmanager`, {
    method: 'POST',
    headers: { authorization: `Bearer ${WEBHOOK_TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      receiver: 'vigil', status: 'firing', version: '4', groupKey: `{}:{service="${service}"}`, truncatedAlerts: 0,
      externalURL: 'http://alertmanager.bench:9093', groupLabels: { service }, commonLabels: { service }, commonAnnotations: {},
      alerts: [{
        status: 'firing', labels: { alertname: 'BenchDown', service, severity: 'critical' }, annotations: { summary: `${service} is down` },
        startsAt, endsAt: '0001-01-01T00:00:00Z', generatorURL: 'http://prometheus.bench:9090/graph', fingerprint: randomUUID().slice(0, 16),
      }],
    }),
  });
  if (res.status !== 200) throw new Error(`the webhook answered ${res.status}: ${await res.text()}`);
  return until(`an incident for ${service}`, 10_000, async () => {
    const page = await session.get(`/api/incidents?status=all&service=${encodeURIComponent(service)}&limit=1`) as { items: Array<{ id: string }> };
    return page.items[0]?.id;
  }, 50);
}

/** Viewer tokens on `session`'s Vigil, enough for `clients` sockets. */
async function viewerTokens(session: Session, clients: number, label: string): Promise<string[]> {
  const tokens: string[] = [];
  for (let t = 0; t * SOCKETS_PER_TOKEN < clients; t += 1) {
    const created = await session.post('/api/tokens', { name: `bench-${label}-${t}`, role: 'viewer' }) as { token: string };
    tokens.push(created.token);
  }
  return tokens;
}

/** `count` sockets on `session`'s Vigil, 50 handshakes at a time, as browsers reconnecting after a deploy would come in waves. */
async function connectClients(session: Session, count: number, label: string, into: VigilSocket[]): Promise<void> {
  // A thousand browsers are many people: one viewer token per 20 clients (Vigil's limit per user or token).
  const tokens = await viewerTokens(session, count, label);
  for (let i = 0; i < count; i += 50) {
    into.push(...await Promise.all(Array.from({ length: Math.min(50, count - i) }, (_, k) =>
      session.socket(tokens[Math.floor((i + k) / SOCKETS_PER_TOKEN)]))));
  }
}

interface Rounds {
  /** Every client's latency of every counted round, ms. */
  latencies: number[];
  roundMax: number[];
  roundFirst: number[];
}

/** Posts `rounds` + 1 notes through `poster` (the first one warms up and is not counted); each client's time to its `timeline:append`. */
async function noteRounds(poster: Session, incidentId: string, sockets: VigilSocket[], rounds: number): Promise<Rounds> {
  let current: { text: string; times: number[] } | undefined;
  sockets.forEach((socket, index) => {
    socket.on('timeline:append', (entry) => {
      if (current && current.times[index] === undefined && entry.message.includes(current.text)) current.times[index] = performance.now();
    });
  });
  await sleep(500);
  const out: Rounds = { latencies: [], roundMax: [], roundFirst: [] };
  for (let r = 0; r < rounds + 1; r += 1) {
    const round = { text: `fan-out round ${r} ${randomUUID()}`, times: new Array<number>(sockets.length) };
    current = round;
    const t0 = performance.now();
    await poster.post(`/api/incidents/${incidentId}/notes`, { text: round.text });
    await until(`round ${r} at every client`, 20_000, () => (round.times.filter((t) => t !== undefined).length === sockets.length ? true : undefined), 5);
    const ms = round.times.map((t) => t - t0);
    // The first round warms up the code paths (JIT, the serializer); it is not counted.
    if (r > 0) {
      out.latencies.push(...ms);
      out.roundMax.push(Math.max(...ms));
      out.roundFirst.push(Math.min(...ms));
    }
    await sleep(300);
  }
  return out;
}

const rounded = (xs: number[]) => xs.map((x) => Math.round(x * 100) / 100);

export async function fanoutBench(options: { clients: number; rounds: number; logDir: string }): Promise<Row[]> {
  let vigil: VigilProcess | undefined;
  const sockets: VigilSocket[] = [];
  try {
    vigil = await startVigil({ name: 'fanout', logDir: options.logDir, env: { DOCKER_HOSTS: NO_DOCKER } });
    const session = await Session.signIn(vigil.url);
    const incidentId = await openIncidentByAlert(session, 'bench-fanout');
    await connectClients(session, options.clients, 'fanout', sockets);
    const rssConnected = vigil.memory().rss;
    const measured = await noteRounds(session, incidentId, sockets, options.rounds);
    const s = summarize(measured.latencies);
    const note = `${sockets.length} clients × ${options.rounds} notes (POST /api/incidents/:id/notes → timeline:append at each client; includes storing it); first client per round p50 ${summarize(measured.roundFirst).p50} ms, slowest p50 ${summarize(measured.roundMax).p50} ms (the spread is the server writing to every socket and this process reading them, on the same cores); server RSS with the clients connected ${Math.round(rssConnected / 2 ** 20)} MB`;
    return [
      row('fanout', `fan-out to ${sockets.length} clients p50`, s.p50, 'ms', undefined, note),
      row('fanout', `fan-out to ${sockets.length} clients p99`, s.p99, 'ms', { kind: 'max', value: FANOUT_GOAL_MS }, note, { latencyMs: rounded(measured.latencies) }),
    ];
  } finally {
    for (const s of sockets) s.close();
    await vigil?.stop();
  }
}

/** One replica's share of the clients, in a worker thread (fanout-clients.ts). */
class ClientsThread {
  private readonly worker: Worker;
  private readonly waiting = new Map<string, (times: number[]) => void>();
  private failure: Error | undefined;
  /** The first client that lost its connection, if one did. */
  lost: string | undefined;

  private constructor(worker: Worker) {
    this.worker = worker;
  }

  static async start(session: Session, count: number, label: string): Promise<ClientsThread> {
    const tokens = await viewerTokens(session, count, label);
    const worker = new Worker(new URL('./fanout-clients.ts', import.meta.url), {
      workerData: { url: session.url, tokens, perToken: SOCKETS_PER_TOKEN, count } satisfies ClientsWorkerData,
    });
    const thread = new ClientsThread(worker);
    await new Promise<void>((resolve, reject) => {
      worker.on('error', (err: unknown) => {
        thread.failure = err instanceof Error ? err : new Error(String(err));
        reject(thread.failure);
      });
      worker.on('message', (message: FromClients) => {
        if (message.type === 'ready') resolve();
        else if (message.type === 'failed') reject(new Error(`clients of ${session.url}: ${message.error}`));
        else if (message.type === 'lost') thread.lost ??= message.reason;
        else thread.waiting.get(message.text)?.(message.times);
      });
    });
    return thread;
  }

  /** Arms the round (before the note is posted); resolves with each client's wall-clock arrival time. */
  arm(text: string): Promise<number[]> {
    if (this.failure) return Promise.reject(this.failure);
    const arrived = new Promise<number[]>((resolve, reject) => {
      const timer = setTimeout(() => { this.waiting.delete(text); reject(new Error(`round "${text}" not at every client within 20 s${this.lost ? ` (${this.lost})` : ''}`)); }, 20_000);
      this.waiting.set(text, (times) => { clearTimeout(timer); this.waiting.delete(text); resolve(times); });
    });
    this.worker.postMessage({ type: 'round', text } satisfies ToClients);
    return arrived;
  }

  async close(): Promise<void> {
    this.worker.postMessage({ type: 'close' } satisfies ToClients);
    const timer = setTimeout(() => void this.worker.terminate(), 5_000);
    await new Promise<void>((resolve) => this.worker.once('exit', () => resolve()));
    clearTimeout(timer);
  }
}

/**
 * Two Vigil replicas sharing one redis-server, `clients` sockets spread evenly over them, each
 * replica's clients in a worker thread of their own; the note is posted to replica A (which emits
 * it), A's clients get it from A directly, B's through Redis. Each replica has its own embedded
 * store here (the bench measures fan-out only); B holds tokens for its own clients.
 */
export async function fanoutReplicasBench(options: { clients: number; rounds: number; logDir: string }): Promise<Row[]> {
  let redis: RedisServer | undefined;
  const replicas: VigilProcess[] = [];
  const threads: ClientsThread[] = [];
  try {
    redis = await startRedisServer();
    for (const name of ['a', 'b']) {
      replicas.push(await startVigil({
        name: `fanout-replica-${name}`, logDir: options.logDir,
        env: { DOCKER_HOSTS: NO_DOCKER, REDIS_URL: redis.url, REPLICA_NAME: `bench-${name}` },
      }));
    }
    const [a, b] = replicas as [VigilProcess, VigilProcess];
    for (const replica of replicas) {
      await until(`redis up on ${replica.url}`, 20_000, async () => {
        const body = await (await fetch(`${replica.url}/readyz`)).json() as { sources?: Array<{ source: string; state: string }> };
        return body.sources?.some((s) => s.source === 'redis' && s.state === 'up') ? true : undefined;
      }, 100);
    }
    const onA = await Session.signIn(a.url);
    const onB = await Session.signIn(b.url);
    const incidentId = await openIncidentByAlert(onA, 'bench-fanout-replicas');
    const half = Math.floor(options.clients / 2);
    threads.push(await ClientsThread.start(onA, half, 'replica-a'));
    threads.push(await ClientsThread.start(onB, options.clients - half, 'replica-b'));
    const rss = replicas.map((r) => Math.round(r.memory().rss / 2 ** 20));
    await sleep(500);
    const onReplica: [number[], number[]] = [[], []];
    const roundMax: number[] = [];
    for (let r = 0; r < options.rounds + 1; r += 1) {
      const text = `fan-out round ${r} ${randomUUID()}`;
      const arrivals = threads.map((t) => t.arm(text));
      const t0 = performance.timeOrigin + performance.now();
      await onA.post(`/api/incidents/${incidentId}/notes`, { text });
      const [atA, atB] = await Promise.all(arrivals) as [number[], number[]];
      // The first round warms up the code paths (JIT, the serializer); it is not counted.
      if (r > 0) {
        onReplica[0].push(...atA.map((t) => t - t0));
        onReplica[1].push(...atB.map((t) => t - t0));
        roundMax.push(Math.max(...atA, ...atB) - t0);
      }
      await sleep(300);
    }
    const all = summarize([...onReplica[0], ...onReplica[1]]);
    const local = summarize(onReplica[0]);
    const remote = summarize(onReplica[1]);
    const clients = options.clients;
    const note = `${clients} clients (${half} on replica A, ${clients - half} on replica B, each replica's in a worker thread) × ${options.rounds} notes posted to A (POST /api/incidents/:id/notes → timeline:append at each client; includes storing it); clients on A p50 / p99 ${local.p50} / ${local.p99} ms, on B (through redis-server) ${remote.p50} / ${remote.p99} ms; slowest client per round p50 ${summarize(roundMax).p50} ms; separate embedded stores; RSS with the clients connected A ${rss[0]} MB, B ${rss[1]} MB`;
    return [
      row('fanout-replicas', `fan-out to ${clients} clients on 2 replicas (Redis) p50`, all.p50, 'ms', undefined, note),
      row('fanout-replicas', `fan-out to ${clients} clients on 2 replicas (Redis) p99`, all.p99, 'ms', { kind: 'max', value: FANOUT_GOAL_MS }, note, {
        latencyMsReplicaA: rounded(onReplica[0]), latencyMsReplicaB: rounded(onReplica[1]),
      }),
    ];
  } finally {
    for (const thread of threads) await thread.close();
    for (const replica of replicas) await replica.stop();
    await redis?.stop();
  }
}
