// Failover (issue 14): two Vigil replicas on one FerretDB; the leader is SIGKILLed, and the time
// until the other replica leads (its /readyz says so) is measured. A fresh replica takes the dead
// one's place before the next round, so every round starts with two. Ten rounds by default.
import { performance } from 'node:perf_hooks';
import { startFerretDb, type FerretDb } from '../../server/test/harness/ferretdb.ts';
import type { ClusterState } from '../../server/src/contract/index.ts';
import { row, summarize, until, type Row } from './stats.ts';
import { startVigil, type VigilProcess } from './vigil.ts';
import { NO_DOCKER } from './fanout.ts';

const FAILOVER_GOAL_MS = 15_000;

async function clusterOf(url: string): Promise<ClusterState | undefined> {
  try {
    const res = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(1_000) });
    return (await res.json() as { cluster?: ClusterState }).cluster;
  } catch {
    return undefined;
  }
}

export async function failoverBench(options: { kills: number; logDir: string }): Promise<Row[]> {
  let ferret: FerretDb | undefined;
  const replicas: Array<VigilProcess & { name: string }> = [];
  let serial = 0;
  const replica = async (mongodbUrl: string): Promise<VigilProcess & { name: string }> => {
    serial += 1;
    const name = `bench-r${serial}`;
    // REPLICA_URL is only used to pass leader-only requests on; none are made here.
    const vigil = await startVigil({ name, logDir: options.logDir, env: { MONGODB_URL: mongodbUrl, REPLICA_NAME: name, DOCKER_HOSTS: NO_DOCKER } });
    return { ...vigil, name };
  };
  try {
    ferret = await startFerretDb();
    const mongodbUrl = `${ferret.url}vigil_failover`;
    replicas.push(await replica(mongodbUrl), await replica(mongodbUrl));
    const samples: number[] = [];
    for (let round = 0; round < options.kills; round += 1) {
      const states = await until('one replica leads', 60_000, async () => {
        const all = await Promise.all(replicas.map((r) => clusterOf(r.url)));
        return all.filter((s) => s?.role === 'leader').length === 1 && all.every((s) => s !== undefined) ? all : undefined;
      }, 50);
      const leaderIndex = states.findIndex((s) => s?.role === 'leader');
      const leader = replicas[leaderIndex];
      const follower = replicas[1 - leaderIndex];
      if (leader === undefined || follower === undefined) throw new Error('expected two replicas');
      const killedAt = performance.now();
      process.kill(leader.pid, 'SIGKILL');
      await until('the other replica leads', 60_000, async () => ((await clusterOf(follower.url))?.role === 'leader' ? true : undefined), 50);
      samples.push(performance.now() - killedAt);
      await leader.stop();
      replicas.splice(leaderIndex, 1);
      replicas.push(await replica(mongodbUrl));
    }
    const s = summarize(samples);
    const note = `${options.kills} leader SIGKILLs, 2 replicas on FerretDB (SQLite), lease 10 s renewed every 2 s, followers look every 1 s`;
    return [
      row('failover', 'leader SIGKILL → another leads p50', s.p50, 'ms', { kind: 'max', value: FAILOVER_GOAL_MS }, note, { failoverMs: samples }),
      row('failover', 'leader SIGKILL → another leads p99', s.p99, 'ms', { kind: 'max', value: FAILOVER_GOAL_MS }, note),
    ];
  } finally {
    for (const r of replicas) await r.stop();
    await ferret?.stop();
  }
}
