// The engine driven by recorded real sequences: what a responder reads on each incident.
import { describe, expect, test } from 'vitest';
import { project } from '../../../src/domain/engine.ts';
import type { Signal } from '../../../src/domain/signal.ts';
import { ENGINE_OPTIONS, alertOnly, byKind, containerRef, crashLoopWithBreaker, recordedDocker, received, seedOutage, supervisorHeal, twoServices } from './sequences.ts';
import { lines } from './store-model.ts';
import { restartRequestedSignal } from '../../../src/domain/commands.ts';

const LATER = '2026-11-25T00:00:00.000Z';
const run = (signals: Signal[], now = LATER) => project(signals, { ...ENGINE_OPTIONS, now });

describe('the seed outage', () => {
  test('one incident from the kill to the quiet period after the alert resolved', () => {
    const { incidents, timelines } = run(seedOutage());
    expect(incidents).toEqual([{
      id: expect.stringMatching(/^inc_/) as unknown as string,
      title: 'backend container died',
      service: 'backend',
      host: 'local',
      status: 'resolved',
      severity: 'critical',
      openedAt: '2026-11-24T18:37:11.123Z',
      acknowledgedAt: '2026-11-24T18:38:40.000Z',
      acknowledgedBy: 'alice',
      mitigatedAt: '2026-11-24T18:40:10.423Z',
      resolvedAt: '2026-11-24T18:41:15.100Z',
      lastEventAt: '2026-11-24T18:41:15.100Z',
      sources: ['alertmanager', 'docker', 'user'],
    }]);
    expect(lines(timelines[incidents[0]?.id ?? ''])).toEqual([
      '2026-11-24T18:37:11.123Z docker container.die | backend container died — killed (signal 9, exit 137)',
      '2026-11-24T18:37:26.100Z alertmanager alert.firing | Alert BackendDown firing: Backend service is down',
      '2026-11-24T18:38:40.000Z user user.acknowledge | acknowledged by alice [alice]',
      '2026-11-24T18:40:09.000Z user user.restart_requested | restart requested by alice [alice]',
      '2026-11-24T18:40:09.354Z docker container.start | backend container started',
      '2026-11-24T18:40:09.420Z user action.restart_result | backend restarted (requested by alice, took 420 ms) [alice]',
      '2026-11-24T18:40:10.423Z docker container.health_status.healthy | backend container is healthy',
      '2026-11-24T18:40:10.423Z system incident.mitigated | backend recovered: every container running and healthy',
      '2026-11-24T18:40:15.100Z alertmanager alert.resolved | Alert BackendDown resolved',
      '2026-11-24T18:41:15.100Z system incident.resolved | resolved: backend stayed healthy with no alert firing for 1 min',
    ]);
  });

  test("kill, the probe failing during it, and die are one entry with Docker's raw events attached", () => {
    const { incidents, timelines } = run(seedOutage());
    const entry = timelines[incidents[0]?.id ?? '']?.[0];
    const data = entry?.data as { signals: Signal[]; container: string };
    expect(data.signals.map((s) => s.kind)).toEqual(['container.kill', 'container.health_status.unhealthy', 'container.die']);
    expect(data.signals.map((s) => (s.raw as { Action: string }).Action)).toEqual(['kill', 'health_status: unhealthy', 'die']);
    expect(data.container).toBe('be361cf5344a135e02d7b42a5d3c36ecf092d4aeec39766e976b3ef9a1ec57a3');
  });

  test('before the quiet period ends it is mitigated, not resolved', () => {
    const { incidents } = run(seedOutage(), '2026-11-24T18:41:15.100Z');
    expect(incidents[0]).toMatchObject({ status: 'mitigated', mitigatedAt: '2026-11-24T18:40:10.423Z' });
    expect(incidents[0]?.resolvedAt).toBeUndefined();
    expect(run(seedOutage(), '2026-11-24T18:41:15.101Z').incidents[0]?.status).toBe('resolved');
  });

  test('the quiet period is configurable', () => {
    const { incidents } = project(seedOutage(), { ...ENGINE_OPTIONS, quietPeriodMs: 5_000, now: LATER });
    expect(incidents[0]?.resolvedAt).toBe('2026-11-24T18:40:20.100Z');
  });
});

test('a supervisor heal: unhealthy, restarted by the supervisor, healthy; the restart is no new failure', () => {
  const { incidents, timelines } = run(supervisorHeal());
  expect(incidents).toHaveLength(1);
  expect(incidents[0]).toMatchObject({
    title: 'api container unhealthy', severity: 'warning', status: 'resolved',
    openedAt: '2026-11-24T18:36:54.980Z', mitigatedAt: '2026-11-24T18:37:02.932Z', resolvedAt: '2026-11-24T18:38:02.932Z',
    sources: ['docker', 'supervisor'],
  });
  expect(lines(timelines[incidents[0]?.id ?? ''])).toEqual([
    '2026-11-24T18:36:54.980Z docker container.health_status.unhealthy | api container became unhealthy (health check failing)',
    '2026-11-24T18:37:00.470Z supervisor supervisor.restart | supervisor restarted api (attempt 1, next back-off 500 ms)',
    "2026-11-24T18:37:01.572Z docker container.die | api container stopped for the supervisor's restart (signal 9, exit 137)",
    '2026-11-24T18:37:01.862Z docker container.start | api container restarted',
    '2026-11-24T18:37:01.870Z supervisor action.restart_result | api restarted (by the supervisor, took 1.4 s)',
    '2026-11-24T18:37:02.932Z docker container.health_status.healthy | api container is healthy',
    '2026-11-24T18:37:02.932Z system incident.mitigated | api recovered: every container running and healthy',
    '2026-11-24T18:38:02.932Z system incident.resolved | resolved: api stayed healthy with no alert firing for 1 min',
  ]);
  const die = timelines[incidents[0]?.id ?? '']?.[2]?.data as { signals: Signal[]; requestedBy: string };
  expect(die.requestedBy).toBe('supervisor');
  expect(die.signals.map((s) => `${s.kind}:${String(s.attributes['signal'] ?? s.attributes['exitCode'] ?? '')}`))
    .toEqual(['container.kill:15', 'container.kill:9', 'container.die:137', 'container.stop:']);
});

test('a restart requested by a person while nothing is wrong opens no incident', () => {
  const docker = recordedDocker('recorded/unhealthy-then-restarted.json')
    .filter((s) => s.at >= '2026-11-24T18:37:00.000Z' && !s.kind.startsWith('container.health_status'));
  const api = containerRef(byKind(docker, 'container.die'));
  const request = received(restartRequestedSignal({ container: api, actor: 'bob', actionId: 'a-9', at: '2026-11-24T18:37:00.400Z' }), '2026-11-24T18:37:00.401Z');
  expect(docker.map((s) => s.kind)).toEqual(['container.kill', 'container.kill', 'container.die', 'container.stop', 'container.start', 'container.restart']);
  expect(run([request, ...docker]).incidents).toEqual([]);
  // Without the request the same events are a death.
  expect(run(docker).incidents.map((i) => i.title)).toEqual(['api container died']);
});

test('a flapping container (the shared lifecycle recording): the second death re-opens the same incident', () => {
  const { incidents, timelines } = run(recordedDocker('events-lifecycle.json'));
  expect(incidents).toHaveLength(1);
  expect(incidents[0]).toMatchObject({ status: 'open', severity: 'warning', openedAt: '2026-11-24T00:40:36.834Z' });
  expect(incidents[0]?.mitigatedAt).toBeUndefined();
  expect(lines(timelines[incidents[0]?.id ?? ''])).toEqual([
    '2026-11-24T00:40:36.834Z docker container.die | probe-ev-life container died — killed (signal 9, exit 137)',
    '2026-11-24T00:40:37.391Z docker container.start | probe-ev-life container restarted',
    '2026-11-24T00:40:37.391Z system incident.mitigated | probe-ev-life recovered: every container running and healthy',
    '2026-11-24T00:40:38.524Z docker container.die | probe-ev-life container stopped (signal 9, exit 137)',
    '2026-11-24T00:40:38.524Z system incident.flapping | probe-ev-life failed again 1.13 s after recovering — re-opened, flapping',
  ]);
});

test('a crash loop: every death on one incident, critical from the third, the breaker on record', () => {
  const { incidents, timelines } = run(crashLoopWithBreaker());
  expect(incidents).toHaveLength(1);
  expect(incidents[0]).toMatchObject({ title: 'worker container died', severity: 'critical', status: 'open' });
  const timeline = lines(timelines[incidents[0]?.id ?? '']);
  expect(timeline.filter((l) => l.includes('container.die'))).toHaveLength(5);
  expect(timeline.filter((l) => l.includes('incident.flapping'))).toHaveLength(4);
  expect(timeline).toContain('2026-11-24T18:37:05.269Z system incident.crash_loop | worker is crash-looping: 3 deaths in 1.42 s — severity raised to critical');
  expect(timeline.at(-1)).toBe('2026-11-24T18:37:07.700Z supervisor supervisor.breaker_open | supervisor stopped restarting worker: 4 restarts in 1 min (restart-loop breaker open)');
});

test('an OOM kill opens a critical incident in one entry', () => {
  const { incidents, timelines } = run(recordedDocker('recorded/oom-killed.json'));
  expect(incidents).toEqual([expect.objectContaining({
    title: 'reports container ran out of memory', severity: 'critical', status: 'open', openedAt: '2026-11-24T18:37:08.534Z',
  })]);
  expect(lines(timelines[incidents[0]?.id ?? ''])).toEqual([
    '2026-11-24T18:37:08.560Z docker container.die | reports container died — out of memory (OOM killed, exit 137)',
  ]);
});

test('an alert with no container event: opened by the alert, mitigated when it resolves', () => {
  const { incidents, timelines } = run(alertOnly());
  expect(incidents).toEqual([expect.objectContaining({
    title: 'TargetDown: Target 127.0.0.1:19100 of job x is down', service: 'x', host: 'local', severity: 'critical',
    status: 'resolved', openedAt: '2026-11-24T00:58:28.553Z', mitigatedAt: '2026-11-24T00:58:30.553Z',
    resolvedAt: '2026-11-24T00:59:30.553Z', sources: ['alertmanager'],
  })]);
  expect(lines(timelines[incidents[0]?.id ?? ''])).toEqual([
    '2026-11-24T00:58:28.553Z alertmanager alert.firing | Alert TargetDown firing: Target 127.0.0.1:19100 of job x is down',
    '2026-11-24T00:58:30.553Z alertmanager alert.resolved | Alert TargetDown resolved',
    '2026-11-24T00:58:30.553Z system incident.mitigated | x recovered: every alert resolved',
    '2026-11-24T00:59:30.553Z system incident.resolved | resolved: x stayed healthy with no alert firing for 1 min',
  ]);
});

test('an alert re-sent by Alertmanager adds nothing', () => {
  const signals = alertOnly();
  const resent = signals.map((s) => ({ ...s, receivedAt: '2026-11-24T01:10:00.000Z' }));
  expect(run([...signals, ...resent])).toEqual(run(signals));
});

test('two services failing at once: two incidents, each with its own timeline; the alert joins its service only', () => {
  const { incidents, timelines } = run(twoServices());
  expect(incidents.map((i) => [i.service, i.severity, i.openedAt, i.resolvedAt])).toEqual([
    ['cart', 'warning', '2026-11-24T18:36:48.028Z', '2026-11-24T18:37:55.000Z'],
    ['payments', 'warning', '2026-11-24T18:36:48.040Z', '2026-11-24T18:37:51.536Z'],
  ]);
  expect(lines(timelines[incidents[0]?.id ?? ''])).toEqual([
    '2026-11-24T18:36:48.028Z docker container.die | cart container died — killed (signal 9, exit 137)',
    '2026-11-24T18:36:49.000Z alertmanager alert.firing | Alert CartErrors firing: cart answers 5xx',
    '2026-11-24T18:36:50.296Z docker container.start | cart container started',
    '2026-11-24T18:36:51.364Z docker container.health_status.healthy | cart container is healthy',
    '2026-11-24T18:36:51.364Z system incident.mitigated | cart recovered: every container running and healthy',
    '2026-11-24T18:36:55.000Z alertmanager alert.resolved | Alert CartErrors resolved',
    '2026-11-24T18:37:55.000Z system incident.resolved | resolved: cart stayed healthy with no alert firing for 1 min',
  ]);
  expect(lines(timelines[incidents[1]?.id ?? ''])).toEqual([
    '2026-11-24T18:36:48.040Z docker container.die | payments container died — killed (signal 9, exit 137)',
    '2026-11-24T18:36:50.466Z docker container.start | payments container started',
    '2026-11-24T18:36:51.536Z docker container.health_status.healthy | payments container is healthy',
    '2026-11-24T18:36:51.536Z system incident.mitigated | payments recovered: every container running and healthy',
    '2026-11-24T18:37:51.536Z system incident.resolved | resolved: payments stayed healthy with no alert firing for 1 min',
  ]);
});

test('the same service on two Docker hosts: two incidents', () => {
  const here = recordedDocker('recorded/oom-killed.json');
  const there = here.map((s) => ({ ...s, id: `${s.id}-b`, host: 'tcp://10.0.0.2:2376' }));
  expect(run([...here, ...there]).incidents.map((i) => `${i.service}@${i.host}`))
    .toEqual(['reports@local', 'reports@tcp://10.0.0.2:2376']);
});
