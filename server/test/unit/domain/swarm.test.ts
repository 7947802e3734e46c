// The engine on a recorded Swarm service (fixtures/docker/swarm-*.json): a task killed, Swarm
// rescheduling it, then a forced update — what a responder reads on the Swarm service's incident.
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { Engine, project } from '../../../src/domain/engine.ts';
import type { Signal } from '../../../src/domain/signal.ts';
import { swarmSignals } from '../sources/swarm-fixtures.ts';
import { applyDecisions, asProjection, emptyStore, lines } from './store-model.ts';

const HOST = 'swarm';
const run = (signals: Signal[], now: string) => project(signals, { quietPeriodMs: 60_000, now });

const recorded = (taskList: string, untilIso?: string): Signal[] => swarmSignals(taskList, HOST, untilIso);

describe('a Swarm service', () => {
  test('a killed task opens an incident for the Swarm service; the failure and the rescheduling are on it; the new task mitigates', () => {
    const { incidents, timelines } = run(recorded('rescheduled', '2026-12-05T23:59:03.800Z'), '2026-12-05T23:59:04.800Z');
    const web = incidents.filter((i) => i.service === 'web');
    expect(web).toHaveLength(1);
    expect(web[0]).toMatchObject({ title: 'web container died', host: HOST, status: 'mitigated', mitigatedAt: '2026-12-05T23:59:03.703Z' });
    expect(lines(timelines[web[0]?.id ?? ''])).toEqual([
      '2026-12-05T23:59:02.206Z docker container.die | web container died — killed (signal 9, exit 137)',
      '2026-12-05T23:59:02.255Z docker swarm.task_failed | Swarm task web.1 (vrsmqsj6tnz5) failed: task: non-zero exit (137)',
      '2026-12-05T23:59:02.303Z docker swarm.task_rescheduled | Swarm rescheduled web.1: new task scf0b0ab16eu in place of vrsmqsj6tnz5 (that one failed)',
      '2026-12-05T23:59:03.703Z docker container.start | web container created and started',
      '2026-12-05T23:59:03.703Z system incident.mitigated | web recovered: every container running and healthy',
    ]);
  });

  test('a forced update: Swarm stopping the old task is no new failure; the incident is mitigated again once the new task runs', () => {
    const { incidents, timelines } = run(recorded('force-updated', '2026-12-05T23:59:06.000Z'), '2026-12-05T23:59:07.000Z');
    const web = incidents.filter((i) => i.service === 'web');
    expect(web).toHaveLength(1);
    expect(web[0]).toMatchObject({ status: 'mitigated', mitigatedAt: '2026-12-05T23:59:05.713Z' });
    const text = lines(timelines[web[0]?.id ?? '']);
    expect(text.slice(5)).toEqual([
      '2026-12-05T23:59:03.909Z docker swarm.service_updated | Swarm service web updated',
      '2026-12-05T23:59:03.912Z docker swarm.service_updated | Swarm service web: update updating',
      '2026-12-05T23:59:03.917Z docker swarm.task_rescheduled | Swarm rescheduled web.1: new task qnjqgc1f4nsq in place of scf0b0ab16eu (that one was shut down)',
      "2026-12-05T23:59:05.138Z docker container.die | web container stopped for Swarm's update or removal of the service (signal 15, exit 0)",
      '2026-12-05T23:59:05.713Z docker container.start | web container created and started',
      '2026-12-05T23:59:05.713Z system incident.mitigated | web recovered: every container running and healthy',
    ]);
    expect(text.some((l) => l.includes('flapping'))).toBe(false);
  });

  test('a task replaced while it ran opens the same window (a rolling update longer than the first event\'s window)', () => {
    const onlyTasks = recorded('force-updated', '2026-12-05T23:59:06.000Z').filter((s) => s.kind !== 'swarm.service_updated');
    const { incidents, timelines } = run(onlyTasks, '2026-12-05T23:59:07.000Z');
    const web = incidents.find((i) => i.service === 'web');
    expect(lines(timelines[web?.id ?? '']).filter((l) => l.includes('05.138Z'))).toEqual([
      "2026-12-05T23:59:05.138Z docker container.die | web container stopped for Swarm's update or removal of the service (signal 15, exit 0)",
    ]);
  });

  test("without the update's events and its new task the same stop is Swarm's doing no more: the window is what explains it", () => {
    const noUpdate = recorded('force-updated', '2026-12-05T23:59:06.000Z')
      .filter((s) => s.kind !== 'swarm.service_updated' && !(s.kind === 'swarm.task_rescheduled' && s.attributes['replacesState'] === 'shutdown'));
    const { incidents, timelines } = run(noUpdate, '2026-12-05T23:59:07.000Z');
    const web = incidents.find((i) => i.service === 'web');
    expect(lines(timelines[web?.id ?? '']).filter((l) => l.includes('05.138Z'))).toEqual([
      '2026-12-05T23:59:05.138Z docker container.die | web container stopped (signal 15, exit 0)',
    ]);
  });

  test('a task that keeps failing by itself, each failure with its exit code; a rejected task opens its own incident', () => {
    const { incidents, timelines } = run(recorded('crashy'), '2026-12-05T23:59:12.000Z');
    const crashy = incidents.find((i) => i.service === 'crashy');
    const text = lines(timelines[crashy?.id ?? '']);
    expect(text.filter((l) => l.includes('swarm.task_failed'))).toEqual([
      '2026-12-05T23:59:08.196Z docker swarm.task_failed | Swarm task crashy.1 (mbiwmes6j4f0) failed: task: non-zero exit (3)',
      '2026-12-05T23:59:11.475Z docker swarm.task_failed | Swarm task crashy.1 (s7dk4i84pxkc) failed: task: non-zero exit (3)',
    ]);
    const ghost = run(recorded('rejected'), '2026-12-05T23:59:12.000Z').incidents.find((i) => i.service === 'ghost');
    expect(ghost).toMatchObject({ title: 'ghost Swarm task rejected', status: 'open' });
  });

  test('a task that never got a container holds its slot only until Swarm replaces it', () => {
    const ghost = recorded('rejected').filter((s) => s.service === 'ghost');
    const [rescheduled] = ghost.filter((s) => s.kind === 'swarm.task_rescheduled');
    if (rescheduled === undefined) throw new Error('no rescheduled task in the fixture');
    // The recorded pending task, replaced in turn by one whose container starts (made from the recorded ones).
    const next = { ...rescheduled, id: 'sw_next', at: '2026-12-05T23:59:20.000Z', attributes: { ...rescheduled.attributes, taskId: 'next', replacesTask: rescheduled.attributes['taskId'], replacesState: 'rejected' } };
    const start = { ...rescheduled, id: 'dk_start', kind: 'container.start', at: '2026-12-05T23:59:21.000Z', container: 'c-next', attributes: { containerId: 'c-next', swarmTaskId: 'next' } };
    const { incidents } = run([...ghost, next, start], '2026-12-05T23:59:22.000Z');
    expect(incidents.find((i) => i.service === 'ghost')).toMatchObject({ status: 'mitigated', mitigatedAt: '2026-12-05T23:59:21.000Z' });
    expect(run([...ghost, start], '2026-12-05T23:59:22.000Z').incidents.find((i) => i.service === 'ghost')?.status).toBe('open');
  });

  test('removing the service: Swarm stopping its last task is no failure either', () => {
    const { incidents, timelines } = run(recorded('force-updated'), '2026-12-05T23:59:20.000Z');
    const text = lines(timelines[incidents.find((i) => i.service === 'web')?.id ?? '']);
    expect(text.filter((l) => l.includes('13.267Z'))).toEqual([
      "2026-12-05T23:59:13.267Z docker container.die | web container stopped for Swarm's update or removal of the service (signal 15, exit 0)",
    ]);
    expect(text.some((l) => l.includes('flapping'))).toBe(false);
  });

  // Task signals come from polling, seconds after the container events they explain: any arrival
  // order (with duplicates) gives the same incidents and timeline lines. (Not compared: the facts a
  // system entry carries, such as the container snapshot at mitigation. They are not part of the
  // entry's id, so the store keeps those of the first derivation, which can depend on the arrival
  // order when a death that was asked for arrives after the mitigation: an engine-wide property.)
  test('the same incidents and timeline lines for any arrival order', () => {
    const signals = [...recorded('force-updated'), ...recorded('crashy').filter((s) => s.kind.startsWith('swarm.task')), ...recorded('rejected').filter((s) => s.kind.startsWith('swarm.task'))];
    const until = '2026-12-05T23:59:40.000Z';
    const o = { quietPeriodMs: 60_000, retainMs: Number.MAX_SAFE_INTEGER };
    const expected = project(signals, { ...o, now: until });
    const view = (p: typeof expected) => ({ incidents: p.incidents, lines: Object.fromEntries(Object.entries(p.timelines).map(([id, t]) => [id, lines(t)])) });
    fc.assert(fc.property(fc.shuffledSubarray([...signals, ...signals.slice(0, 5)], { minLength: signals.length + 5 }), (order) => {
      const engine = new Engine(o);
      const store = emptyStore();
      for (const signal of order) applyDecisions(store, engine.apply([signal]));
      applyDecisions(store, engine.tick(until));
      expect(view(asProjection(store))).toEqual(view(expected));
    }), { numRuns: 40 });
  });
});
