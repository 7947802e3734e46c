// Several replicas (issue 14, API.md "Several replicas"): two and three real Vigil processes on one
// FerretDB and one redis-server behind a real HAProxy, watching a private dockerd. Exactly one
// leads; followers serve the API and the webhook, and a browser on a follower sees incidents live;
// the leader SIGKILLed during a burst of `docker kill`s → another leads, every death has one
// incident and one restart; the leader SIGSTOPped 20 s → it does nothing as an old leader;
// FerretDB down 10 s → never two leaders.
import { randomBytes } from 'node:crypto';
import { io as connect, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { ClientToServerEvents, ClusterState, ServerToClientEvents } from '../../src/contract/index.ts';
import { describeWith, requireComponent } from '../harness/components.ts';
import { clusterOf, haproxyBinary, startHaproxy, startReplica, type Haproxy, type Replica } from '../harness/cluster.ts';
import { probeFerretDb } from '../harness/ferretdb.ts';
import { probeRedisServer, startRedisServer, type RedisServer } from '../harness/redis.ts';
import { startSecondDockerd, type SecondDockerd } from '../harness/second-dockerd.ts';
import { Client } from '../harness/vigil.ts';
import { IDLE, incidentsOf, runContainer, stateOf, uniqueName, until } from './docker-support.ts';
import { startRestartableFerretDb, WEBHOOK_ROUTE, WEBHOOK_TOKEN, type RestartableFerretDb } from './fault-support.ts';

const ferret = await requireComponent('FerretDB', probeFerretDb);
const haproxy = await requireComponent('HAProxy', () => haproxyBinary());
const redis = await requireComponent('redis-server', probeRedisServer);
const PASSWORD = 'cluster-suite-admin';
/** Generous: the figure (≤ 15 s) is measured by the bench (docs/benchmarks.md, Failover), not asserted here. */
const FAILOVER_WAIT_MS = 60_000;

/** The suite with `count` replicas; a test that needs more than are alive starts fresh ones first. */
function clusterSuite(count: number): void {
  let db: RestartableFerretDb;
  let dockerd: SecondDockerd;
  let lb: Haproxy;
  let fanout: RedisServer;
  const sockets: Array<Socket<ServerToClientEvents, ClientToServerEvents>> = [];
  const replicas: Replica[] = [];
  const tag = randomBytes(3).toString('hex');

  beforeAll(async () => {
    db = await startRestartableFerretDb();
    dockerd = await startSecondDockerd();
    fanout = await startRedisServer();
    const env = {
      MONGODB_URL: `${db.url}vigil_cluster_${tag}`, ADMIN_PASSWORD: PASSWORD, DOCKER_HOSTS: dockerd.endpoint, REDIS_URL: fanout.url,
      QUIET_PERIOD_SECONDS: '3600', LOG_LEVEL: 'warn',
    };
    // One after the other: the first takes the lease, the others find it held.
    for (let i = 1; i <= count; i += 1) replicas.push(await startReplica(`r${i}`, env));
    lb = await startHaproxy(replicas);
  }, 240_000);

  afterAll(async () => {
    for (const socket of sockets) socket.close();
    for (const r of replicas) await r.proc.stop(5_000);
    await fanout?.stop();
    await lb?.stop();
    await dockerd?.stop();
    await db?.stop();
  }, 120_000);

  const alive = () => replicas.filter((r) => r.proc.child.exitCode === null && r.proc.child.signalCode === null);

  /** Back to `count` live replicas (the ones a test killed replaced by fresh ones, outside HAProxy). */
  async function replenish(): Promise<void> {
    while (alive().length < count) replicas.push(await startReplica(`r${replicas.length + 1}`, replicas[0]?.env ?? {}));
  }

  /** The replicas that answer, and the one leader they all name (fails while they disagree or none leads). */
  async function agreedLeader(among = alive()): Promise<{ leader: Replica; states: ClusterState[] } | undefined> {
    const states = await Promise.all(among.map((r) => clusterOf(r)));
    if (states.some((s) => s === undefined)) return undefined;
    const known = states as ClusterState[];
    const leaders = known.filter((s) => s.role === 'leader');
    if (leaders.length !== 1) return undefined;
    const name = leaders[0]?.replica;
    if (!known.every((s) => s.leader === name)) return undefined;
    const leader = among.find((r) => r.name === name);
    return leader ? { leader, states: known } : undefined;
  }

  /** The last lines each replica wrote (its log), for a failure message. */
  function lastLines(among: readonly Replica[], lines = 15): string {
    return among.map((r) => {
      const tail = r.proc.output().split('\n').filter((l) => l.trim() !== '').slice(-lines).map((l) => `    ${l.slice(0, 500)}`);
      const how = r.proc.child.exitCode !== null || r.proc.child.signalCode !== null ? ` (exited: ${r.proc.child.exitCode ?? r.proc.child.signalCode})` : '';
      return `  ${r.name}${how}, last ${tail.length} lines:\n${tail.join('\n')}`;
    }).join('\n');
  }

  /** agreedLeader, waited for; a failure names what each replica said and its last log lines. */
  async function waitForLeader(what: string, timeoutMs: number, among?: () => Replica[]): Promise<{ leader: Replica; states: ClusterState[] }> {
    try {
      return await until(what, timeoutMs, () => agreedLeader(among?.() ?? alive()));
    } catch (err) {
      const pool = among?.() ?? alive();
      const states = await Promise.all(pool.map(async (r) => `${r.name}: ${JSON.stringify(await clusterOf(r)) ?? 'no answer'}`));
      throw new Error(`${err instanceof Error ? err.message : String(err)}\nwhat each replica says now:\n  ${states.join('\n  ')}\n${lastLines(replicas)}`, { cause: err });
    }
  }

  async function signedIn(base: string): Promise<Client> {
    const client = new Client(base);
    expect((await client.login('admin', PASSWORD)).status).toBe(200);
    return client;
  }

  /** A browser's live connection to one replica: the services of every incident:upsert it gets. */
  async function liveOn(replica: Replica): Promise<Set<string>> {
    const client = await signedIn(replica.url);
    const socket: Socket<ServerToClientEvents, ClientToServerEvents> = connect(replica.url, { transports: ['websocket'], extraHeaders: { cookie: client.cookie ?? '' } });
    sockets.push(socket);
    const services = new Set<string>();
    let greeted = false;
    socket.on('server:hello', () => { greeted = true; });
    socket.on('incident:upsert', (incident) => services.add(incident.service));
    await until(`a live connection to ${replica.name}`, 15_000, () => (greeted ? true : undefined));
    return services;
  }

  test('exactly one replica leads and every replica names it; followers take in the webhook and people\'s actions, and ask the leader for containers', async () => {
    const { leader, states } = await waitForLeader('one agreed leader', 30_000);
    expect(states.filter((s) => s.role === 'follower')).toHaveLength(count - 1);
    expect(new Set(states.map((s) => s.term)).size).toBe(1);
    const follower = replicas.find((r) => r !== leader) as Replica;
    const otherFollower = replicas.find((r) => r !== leader && r !== follower) ?? follower;

    const service = `cl-${tag}-alert`;
    const alert = {
      receiver: 'vigil', status: 'firing', version: '4', groupKey: `{}:{service="${service}"}`, truncatedAlerts: 0,
      groupLabels: { service }, commonLabels: { service }, commonAnnotations: {}, externalURL: 'http://alertmanager.cluster:9093',
      alerts: [{
        status: 'firing', labels: { alertname: 'ClusterProbe', service, severity: 'critical' }, annotations: { summary: 'taken in by a follower' },
        startsAt: new Date().toISOString(), endsAt: '0001-01-01T00:00:00Z', generatorURL: 'http://prometheus.invalid/graph', fingerprint: `${tag}0001`,
      }],
    };
    const hook = await fetch(`${follower.url}${WEBHOOK_ROUTE}`, {
      method: 'POST', headers: { authorization: `Bearer ${WEBHOOK_TOKEN}`, 'content-type': 'application/json' }, body: JSON.stringify(alert),
    });
    expect(hook.status).toBe(200);
    const other = await signedIn(otherFollower.url);
    const [incident] = await until('the incident the follower\'s alert opened, seen on the other follower', 20_000, async () => {
      const found = await incidentsOf(other, service);
      return found.length > 0 ? found : undefined;
    });
    expect(incident?.status).toBe('open');

    // An acknowledgement on a follower: the leader's engine applies it, and the answer shows it.
    const onFollower = await signedIn(follower.url);
    const ack = await onFollower.send('POST', `/api/incidents/${incident?.id}/acknowledge`);
    expect(ack.status).toBe(200);
    expect(ack.body.status).toBe('acknowledged');

    // A follower watches nothing itself: its /readyz shows the leader's sources.
    await until('the follower shows the leader\'s Docker source up', 30_000, async () => {
      const ready = await (await fetch(`${follower.url}/readyz`)).json() as { sources: Array<{ source: string; state: string }> };
      const docker = ready.sources.filter((x) => x.source === 'docker').map((x) => x.state);
      return docker.length === 1 && docker[0] === 'up' ? true : undefined;
    });

    // What only the leader holds: passed on by the follower.
    const containers = await onFollower.request('GET', '/api/containers');
    expect(containers.status).toBe(200);
    expect(containers.headers.get('x-vigil-answered-by')).toBe('leader');
    expect(Array.isArray(containers.body)).toBe(true);

    // Through HAProxy, whichever replica answers.
    const viaLb = await signedIn(lb.url);
    for (let i = 0; i < 6; i += 1) expect((await incidentsOf(viaLb, service)).map((x) => x.id)).toEqual([incident?.id]);
  }, 120_000);

  test('the leader SIGKILLed during a burst of docker kills: another leads, each death has one incident and one restart', async () => {
    const { leader } = await waitForLeader('one agreed leader', 30_000);
    const names = Array.from({ length: 8 }, (_, i) => uniqueName(`cl${i}`));
    const ids: string[] = [];
    for (const name of names) ids.push(await runContainer({ name, script: IDLE, endpoint: dockerd.endpoint, labels: { 'vigil.supervise': 'true' } }));
    const viaLb = await signedIn(lb.url);
    await until('the leader knows every container', 30_000, async () => {
      const res = await viaLb.request('GET', '/api/containers');
      const known = new Set((res.body as Array<{ name: string; state: string }>).filter((c) => c.state === 'running').map((c) => c.name));
      return names.every((n) => known.has(n)) ? true : undefined;
    });

    // A browser on a follower: the leaders' broadcasts reach it through Redis, before and after the failover.
    const watched = await liveOn(alive().find((r) => r !== leader) as Replica);
    const startedBefore = await Promise.all(ids.map((id) => stateOf(id, dockerd.endpoint)));
    for (const id of ids.slice(0, 4)) await dockerd.cli(['kill', id]);
    leader.proc.child.kill('SIGKILL');
    await leader.proc.exited;
    for (const id of ids.slice(4)) await dockerd.cli(['kill', id]);

    const survivors = alive();
    const next = await waitForLeader('another replica leads', FAILOVER_WAIT_MS, () => survivors);
    expect(next.leader.name).not.toBe(leader.name);

    // Every container is running again, started after its death.
    const client = await signedIn(next.leader.url);
    await until('the follower\'s browser saw every incident live', 60_000, () => (names.every((n) => watched.has(n)) ? true : undefined));
    await until('every killed container restarted', 90_000, async () => {
      const now = await Promise.all(ids.map((id) => stateOf(id, dockerd.endpoint)));
      return now.every((s, i) => s.status === 'running' && s.startedAt !== startedBefore[i]?.startedAt) ? true : undefined;
    }).catch(async (err: unknown) => {
      const states = await Promise.all(ids.map((id) => stateOf(id, dockerd.endpoint)));
      const story = await Promise.all(names.map(async (n) => {
        const found = await incidentsOf(client, n);
        const kinds = found[0]?.timeline.map((e) => e.kind) ?? [];
        return `${n}: ${found.length} incident(s), timeline ${kinds.join(' → ')}`;
      }));
      throw new Error(`${String(err)}\nstates: ${states.map((s) => s.status).join(', ')}\n${story.join('\n')}\nnew leader ${next.leader.name}:\n${next.leader.proc.output().slice(-3000)}`);
    });
    for (const name of names) {
      const incidents = await until(`the incident of ${name}`, 30_000, async () => {
        const found = await incidentsOf(client, name);
        return found[0]?.timeline.some((e) => e.kind === 'supervisor.restart') ? found : undefined;
      });
      expect(incidents, `${name}: one incident for its one death`).toHaveLength(1);
      const timeline = incidents[0]?.timeline ?? [];
      expect(timeline.filter((e) => e.kind === 'container.die'), `${name}: one death on the timeline`).toHaveLength(1);
      expect(timeline.filter((e) => e.kind === 'supervisor.restart'), `${name}: one restart for its one death`).toHaveLength(1);
    }
    // Docker agrees: no container was restarted twice (a second restart would have started it again later).
    const settled = await Promise.all(ids.map((id) => stateOf(id, dockerd.endpoint)));
    await new Promise((r) => setTimeout(r, 3_000));
    expect(await Promise.all(ids.map((id) => stateOf(id, dockerd.endpoint)))).toEqual(settled);
  }, 240_000);

  test('the leader SIGSTOPped for 20 s and continued: another led meanwhile, and the old one does nothing as leader', async () => {
    await replenish();
    const { leader } = await waitForLeader('one agreed leader', 30_000);
    const stoppedAt = Date.now();
    leader.proc.child.kill('SIGSTOP');
    const others = alive().filter((r) => r !== leader);
    const next = await waitForLeader('another replica leads while the old one is stopped', FAILOVER_WAIT_MS, () => others);

    // A death while the old leader is stopped is the new leader's to heal.
    const name = uniqueName('clstop');
    const id = await runContainer({ name, script: IDLE, endpoint: dockerd.endpoint, labels: { 'vigil.supervise': 'true' } });
    const client = await signedIn(next.leader.url);
    await until('the new leader knows the container', 30_000, async () => {
      const res = await client.request('GET', '/api/containers');
      return (res.body as Array<{ name: string; state: string }>).some((c) => c.name === name && c.state === 'running') ? true : undefined;
    });
    const before = await stateOf(id, dockerd.endpoint);
    await dockerd.cli(['kill', id]);
    await until('the new leader restarted it', 60_000, async () => {
      const s = await stateOf(id, dockerd.endpoint);
      return s.status === 'running' && s.startedAt !== before.startedAt ? true : undefined;
    });

    await new Promise((r) => setTimeout(r, Math.max(0, 20_000 - (Date.now() - stoppedAt))));
    leader.proc.child.kill('SIGCONT');
    // Fail-stop: it finds the lease moved on and ends, having done nothing as leader.
    expect(await leader.proc.exited).toBe('node exited with code 3');
    expect(leader.proc.output()).toMatch(/no longer leads/);
    const [incident] = await incidentsOf(client, name);
    const timeline = incident?.timeline ?? [];
    expect(timeline.filter((e) => e.kind === 'supervisor.restart')).toHaveLength(1);
    expect((await agreedLeader(others))?.leader.name).toBe(next.leader.name);
  }, 180_000);

  test('FerretDB down 10 s: never two leaders, and one leads again once it is back', async () => {
    await replenish();
    await waitForLeader('one agreed leader', 30_000);
    const seen: Array<{ at: number; leaders: string[] }> = [];
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        const states = await Promise.all(alive().map((r) => clusterOf(r)));
        seen.push({ at: Date.now(), leaders: states.filter((s) => s?.role === 'leader').map((s) => s?.replica ?? '') });
        await new Promise((r) => setTimeout(r, 200));
      }
    })();
    await db.stopServer();
    await new Promise((r) => setTimeout(r, 10_000));
    await db.startServer();
    await waitForLeader('one agreed leader after FerretDB is back', FAILOVER_WAIT_MS);
    sampling = false;
    await sampler;
    expect(seen.length).toBeGreaterThan(20);
    expect(seen.filter((s) => s.leaders.length > 1), 'two replicas leading at once').toEqual([]);
  }, 180_000);
}

describeWith(ferret, 'FerretDB', () => describeWith(haproxy, 'HAProxy', () => describeWith(redis, 'redis-server', () => {
  describe('two replicas', () => clusterSuite(2));
  describe('three replicas', () => clusterSuite(3));
})));
