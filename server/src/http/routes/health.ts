// GET /healthz (liveness), GET /readyz (each source and the store; 503 when the store is down or
// first-start setup — migrations, the first admin, the webhook token — is not finished),
// GET /metrics (Prometheus exposition).
import { Router } from 'express';
import type { ClusterState, ReadyReport, SourceStatus } from '../../contract/index.ts';
import type { Metrics } from '../../metrics.ts';
import type { StatusBoard } from '../../status.ts';
import type { StoreLifecycle } from '../../store/lifecycle.ts';
import { isReplicaOwn } from '../../cluster/membership.ts';

/** The leader's sources with this replica's own connections (Redis) in place of the leader's. */
function withOwn(leader: readonly SourceStatus[], own: readonly SourceStatus[]): SourceStatus[] {
  return [...leader.filter((s) => !isReplicaOwn(s.source)), ...own.filter((s) => isReplicaOwn(s.source))];
}

export function healthRoutes(
  storeLife: StoreLifecycle, board: StatusBoard, metrics: Metrics, cluster: () => ClusterState, started: () => boolean = () => true,
  followerSources: () => Promise<SourceStatus[] | undefined> = () => Promise.resolve(undefined),
): Router {
  const r = Router();

  r.get('/healthz', (_req, res) => {
    res.json({ status: 'ok', uptimeSeconds: Math.round(process.uptime()) });
  });

  r.get('/readyz', async (_req, res) => {
    const store = await storeLife.check();
    metrics.storeUp.set(store.up ? 1 : 0);
    const ready = store.up && started();
    const detail = store.detail ?? (store.up && !ready ? 'first-start setup is not finished' : undefined);
    const state = cluster();
    const sources = state.role === 'follower' ? await followerSources() : undefined;
    const report: ReadyReport = {
      ready,
      store: { kind: storeLife.store.kind, state: store.up ? 'up' : 'down', ...(detail ? { detail } : {}) },
      sources: sources === undefined ? board.list() : withOwn(sources, board.list()),
      cluster: state,
    };
    res.status(ready ? 200 : 503).json(report);
  });

  r.get('/metrics', async (_req, res) => {
    for (const s of board.list()) metrics.sourceUp.set({ source: s.source, host: s.host ?? '' }, s.state === 'up' ? 1 : 0);
    res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });

  return r;
}
