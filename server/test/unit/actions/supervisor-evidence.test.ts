// The supervisor heals only once the evidence of what it heals is gathered: a restart replaces the
// dead or unhealthy container's state, health log and logs. It waits a bounded time, so a hung
// inspect never keeps a container down. The Docker side is a stand-in; the real daemon is in
// server/test/integration/docker-evidence.test.ts.
import { expect, test } from 'vitest';
import type { Maintenance } from '../../../src/actions/maintenance.ts';
import type { RestartAction } from '../../../src/actions/restart.ts';
import { EVIDENCE_WAIT_MS, Supervisor } from '../../../src/actions/supervisor.ts';
import { DEFAULT_POLICY } from '../../../src/actions/supervisor-policy.ts';
import { KIND } from '../../../src/domain/index.ts';
import type { Signal } from '../../../src/domain/index.ts';
import type { SignalSink } from '../../../src/ingest/pipeline.ts';
import { createLogger } from '../../../src/logger.ts';
import type { ContainerFacts } from '../../../src/sources/docker/containers.ts';
import { DockerSource } from '../../../src/sources/docker/index.ts';
import { StatusBoard } from '../../../src/status.ts';
import type { Store } from '../../../src/store/types.ts';

const facts: ContainerFacts = {
  container: { id: 'c1', name: 'api-1', host: 'local', service: 'api', image: 'node', state: 'running', health: 'unhealthy', supervised: true, restartCount: 0, restartable: true },
  labels: { 'vigil.supervise': 'true' }, restartPolicy: { name: '', maximumRetryCount: 0 }, hasHealthcheck: true,
};

const unhealthy: Signal = { id: 'sig-unhealthy-1', source: 'docker', host: 'local', at: new Date().toISOString(), kind: KIND.unhealthy, service: 'api', container: 'c1', attributes: {}, raw: {} };

async function until<T>(what: string, check: () => T | undefined): Promise<T> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const value = check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not within 10 s`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

test('the restart of an unhealthy container waits for its evidence, then goes ahead; the wait is bounded', async () => {
  const waits: Array<{ id: string; timeoutMs: number; resolve: () => void }> = [];
  const restarts: string[] = [];
  const docker = {
    inventory: { get: () => facts, all: () => [facts], refresh: () => Promise.resolve(facts) },
    host: () => ({ name: 'local', endpoint: 'local', docker: {}, connected: true }),
    evidenceFor: (id: string, timeoutMs: number) => new Promise<void>((resolve) => { waits.push({ id, timeoutMs, resolve }); }),
  } as unknown as DockerSource;
  const sink: SignalSink = { ingest: (signals) => Promise.resolve(signals) };
  const restartAction = { supervise: (ref: { id: string }) => { restarts.push(ref.id); return Promise.resolve({ ok: true, durationMs: 1 }); } } as unknown as RestartAction;
  const supervisor = new Supervisor({
    docker, restarts: restartAction, sink, maintenance: { isPaused: () => false } as unknown as Maintenance,
    policy: { ...DEFAULT_POLICY, baseBackoffMs: 1 }, logger: createLogger('silent'),
  });
  try {
    supervisor.onSignal(unhealthy);
    const wait = await until('the supervisor asking for the evidence', () => waits[0]);
    expect(wait.id).toBe(unhealthy.id);
    expect(wait.timeoutMs).toBeGreaterThan(0);
    expect(wait.timeoutMs).toBeLessThanOrEqual(2_000);
    expect(EVIDENCE_WAIT_MS).toBe(wait.timeoutMs);
    // Still gathering: many turns of the event loop later, nothing was restarted.
    for (let i = 0; i < 20; i += 1) await new Promise((r) => setImmediate(r));
    expect(restarts).toEqual([]);
    wait.resolve();
    await until('the restart once the evidence is in', () => (restarts.length > 0 ? restarts : undefined));
    expect(restarts).toEqual(['c1']);
  } finally {
    supervisor.close();
  }
});

test('the Docker source\'s wait for evidence ends at its bound when inspect never answers, and at once when none is gathered', async () => {
  const source = new DockerSource({
    config: { dockerHosts: [] }, store: {} as Store, sink: { ingest: (s) => Promise.resolve(s) }, status: new StatusBoard(),
    logger: createLogger('silent'), ready: () => Promise.resolve(), broadcast: { containerUpdate: () => undefined }, tracker: { observe: () => undefined },
  });
  let inspected = 0;
  const hung = { docker: { getContainer: () => ({ inspect: () => { inspected += 1; return new Promise(() => undefined); } }) }, enqueueSignal: () => undefined };
  const die: Signal = { ...unhealthy, id: 'sig-die-1', kind: KIND.die, attributes: { exitCode: 1 } };
  try {
    (source as unknown as { received(w: unknown, s: Signal): Signal }).received(hung, die);
    expect(inspected).toBe(1);
    // Resolves although the inspect hangs for ever (a wait without bound would time the test out).
    await source.evidenceFor(die.id, 50);
    await source.evidenceFor('never-seen', 60_000);
  } finally {
    await source.close();
  }
});
