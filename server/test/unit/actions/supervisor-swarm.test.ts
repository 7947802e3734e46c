// The supervisor leaves Swarm's task containers to Swarm: a death of one labelled vigil.supervise=true
// is recorded as left to Swarm's restart policy and never restarted; the same death of a plain
// container is restarted (the control that shows the test can fail).
import { describe, expect, test } from 'vitest';
import { Supervisor } from '../../../src/actions/supervisor.ts';
import type { RestartAction } from '../../../src/actions/restart.ts';
import type { Maintenance } from '../../../src/actions/maintenance.ts';
import { DEFAULT_POLICY } from '../../../src/actions/supervisor-policy.ts';
import type { Signal } from '../../../src/domain/index.ts';
import type { SignalSink } from '../../../src/ingest/pipeline.ts';
import { createLogger } from '../../../src/logger.ts';
import type { ContainerFacts } from '../../../src/sources/docker/containers.ts';
import type { DockerSource } from '../../../src/sources/docker/index.ts';
import { dockerEventToSignal } from '../../../src/sources/docker/normalize.ts';
import { swarmEvents } from '../sources/swarm-fixtures.ts';

const HOST = 'swarm';

function factsOf(die: Signal, swarm: boolean): ContainerFacts {
  const raw = die.raw as { Actor: { Attributes: Record<string, string> } };
  const labels = Object.fromEntries(Object.entries({ ...raw.Actor.Attributes, 'vigil.supervise': 'true' })
    .filter(([k]) => swarm || !k.startsWith('com.docker.swarm.')));
  const name = labels['name'] ?? 'web';
  return {
    container: {
      id: die.container ?? '', name, host: HOST, service: 'web', image: 'node', state: 'exited', supervised: true, restartCount: 0, restartable: true,
      ...(swarm ? { swarm: { service: 'web', taskId: labels['com.docker.swarm.task.id'] ?? '' } } : {}),
    },
    labels, restartPolicy: { name: '', maximumRetryCount: 0 }, hasHealthcheck: false, exitCode: 137,
  };
}

function harness(facts: ContainerFacts) {
  const stored: Signal[] = [];
  const sink: SignalSink = { ingest: (signals) => { stored.push(...signals); return Promise.resolve(signals); } };
  const restarts: string[] = [];
  const docker = { inventory: { get: () => facts, all: () => [facts] }, host: () => undefined } as unknown as DockerSource;
  const restartAction = { supervise: (ref: { id: string }) => { restarts.push(ref.id); return Promise.resolve({ ok: true, durationMs: 1 }); } } as unknown as RestartAction;
  const maintenance = { isPaused: () => false } as unknown as Maintenance;
  const supervisor = new Supervisor({ docker, restarts: restartAction, sink, maintenance, policy: { ...DEFAULT_POLICY, baseBackoffMs: 60_000 }, logger: createLogger('silent') });
  return { supervisor, stored, restarts };
}

/** The recorded death of the task container `docker kill` ended (exit 137), with its Swarm labels. */
function recordedDeath(): Signal {
  const die = swarmEvents().map((e) => dockerEventToSignal(e, HOST)).find((s) => s?.kind === 'container.die' && s.attributes['exitCode'] === 137);
  if (!die) throw new Error('the fixture has no task death');
  return { ...die, attributes: { ...die.attributes, supervised: true, killSignal: '9' } };
}

describe('the supervisor and Swarm tasks', () => {
  test('a Swarm task container that died is left to Swarm, with the reason on the timeline', () => {
    const die = recordedDeath();
    const { supervisor, stored, restarts } = harness(factsOf(die, true));
    supervisor.onSignal(die);
    supervisor.close();
    expect(restarts).toEqual([]);
    expect(stored.map((s) => [s.kind, s.attributes['decision']])).toEqual([['supervisor.decision', 'swarm']]);
    expect(stored[0]?.attributes['message']).toContain("runs a task of Swarm service web, so Swarm's restart policy replaces it");
  });

  test('the task id on the signal alone is enough (a container the inventory lists without its labels)', () => {
    const die = recordedDeath();
    const facts = factsOf(die, false);
    const { supervisor, stored } = harness(facts);
    supervisor.onSignal(die);
    supervisor.close();
    expect(stored.map((s) => s.attributes['decision'])).toEqual(['swarm']);
  });

  test('the same death of a container that is not a Swarm task is restarted', () => {
    const die = recordedDeath();
    const plain = { ...die, attributes: Object.fromEntries(Object.entries(die.attributes).filter(([k]) => k !== 'swarmTaskId')) };
    const { supervisor, stored } = harness(factsOf(die, false));
    supervisor.onSignal(plain);
    supervisor.close();
    expect(stored.map((s) => s.attributes['decision'])).toEqual(['restart']);
  });
});
