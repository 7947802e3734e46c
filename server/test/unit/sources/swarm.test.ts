// Swarm's events and task lists, recorded on a real one-node Swarm (fixtures/docker/swarm-*.json), as signals.
import { describe, expect, test } from 'vitest';
import { serviceOf } from '../../../src/sources/docker/containers.ts';
import { dockerEventToSignal } from '../../../src/sources/docker/normalize.ts';
import { nodeSignalPerService } from '../../../src/sources/swarm/events.ts';
import { isSwarmManager } from '../../../src/sources/swarm/schemas.ts';
import { servicesByNode, taskSignals } from '../../../src/sources/swarm/tasks.ts';
import { read, services, swarmEvents, tasks } from './swarm-fixtures.ts';

const HOST = 'unix:///run/swarm.sock';

describe('Swarm events on the Docker events stream', () => {
  const signals = swarmEvents().map((e) => dockerEventToSignal(e, HOST)).filter((s) => s !== null);

  test('service create/update/remove become swarm.service_* of that service', () => {
    const web = signals.filter((s) => s.kind.startsWith('swarm.') && s.service === 'web');
    expect(web.map((s) => `${s.kind} ${String(s.attributes['updateState'] ?? '')}`.trim())).toEqual([
      'swarm.service_created', 'swarm.service_updated', 'swarm.service_updated updating', 'swarm.service_updated completed', 'swarm.service_removed',
    ]);
    expect(web[0]).toMatchObject({ source: 'docker', host: HOST, at: '2026-12-05T23:59:01.523Z', attributes: { serviceId: 'pp6x0c318p8qofc2xtp7k6umf' } });
    expect(new Set(signals.map((s) => s.id)).size).toBe(signals.length);
  });

  test('task containers carry the Swarm service as their service, and the task id', () => {
    const die = signals.find((s) => s.kind === 'container.die' && s.attributes['exitCode'] === 137);
    expect(die).toMatchObject({ service: 'web', attributes: { name: 'web.1.vrsmqsj6tnz5tmob7y8fmxp8t', swarmTaskId: 'vrsmqsj6tnz5tmob7y8fmxp8t' } });
    expect(signals.filter((s) => s.kind.startsWith('container.')).every((s) => s.service === 'web' || s.service === 'crashy')).toBe(true);
    // vigil.service still wins; the Swarm service before a Compose one and the container name.
    expect(serviceOf({ 'com.docker.swarm.service.name': 'web', 'com.docker.compose.service': 'x' }, 'web.1.abc')).toBe('web');
    expect(serviceOf({ 'com.docker.swarm.service.name': 'web', 'vigil.service': 'api' }, 'web.1.abc')).toBe('api');
  });

  test("a node's first ready and its availability changes are not signals; down and back up are", () => {
    expect(signals.filter((s) => s.kind.startsWith('swarm.node'))).toEqual([]);
    // The recorded node event with its state changed as Swarm reports a node that stops answering.
    const recorded = swarmEvents().find((e) => e['Type'] === 'node') as { Actor: { ID: string; Attributes: Record<string, string> } };
    const as = (old: string, now: string) => ({ ...recorded, Actor: { ...recorded.Actor, Attributes: { ...recorded.Actor.Attributes, 'state.old': old, 'state.new': now } } });
    const down = dockerEventToSignal(as('ready', 'down'), HOST);
    const up = dockerEventToSignal({ ...as('down', 'ready'), timeNano: '1796515199000000000' }, HOST);
    expect(down).toMatchObject({ kind: 'swarm.node_down', attributes: { node: 'vm', nodeId: 'pymdqqfaq6tgkcruk0m3un8fm', state: 'down' } });
    expect(up?.kind).toBe('swarm.node_up');
    expect(down?.service).toBeUndefined();
    const per = nodeSignalPerService(down!, ['crashy', 'web']);
    expect(per.map((s) => s.service)).toEqual(['crashy', 'web']);
    expect(new Set(per.map((s) => s.id)).size).toBe(2);
  });
});

describe('Swarm task lists', () => {
  const since = 0n;

  test('a killed task: failed with Swarm\'s error, and Swarm\'s new task in its slot', () => {
    const { signals } = taskSignals(HOST, tasks('rescheduled'), services(), since);
    expect(signals.map((s) => s.kind)).toEqual(['swarm.task_failed', 'swarm.task_rescheduled']);
    expect(signals[0]).toMatchObject({
      service: 'web', at: '2026-12-05T23:59:02.255Z',
      attributes: { taskId: 'vrsmqsj6tnz5tmob7y8fmxp8t', slot: 1, state: 'failed', error: 'task: non-zero exit (137)', exitCode: 137, taskContainerId: expect.stringMatching(/^9252f43edf82/) },
    });
    expect(signals[1]).toMatchObject({
      service: 'web', at: '2026-12-05T23:59:02.303Z',
      attributes: { taskId: 'scf0b0ab16eu68ejibhafgbw1', replacesTask: 'vrsmqsj6tnz5tmob7y8fmxp8t', replacesState: 'failed', replacesContainer: expect.stringMatching(/^9252f43edf82/) },
    });
  });

  test('a forced update: the old task is shut down (no failure) and a new task takes the slot', () => {
    const { signals } = taskSignals(HOST, tasks('force-updated'), services(), since);
    expect(signals.map((s) => `${s.kind} ${String(s.attributes['taskId'])}`)).toEqual([
      'swarm.task_failed vrsmqsj6tnz5tmob7y8fmxp8t',
      'swarm.task_rescheduled scf0b0ab16eu68ejibhafgbw1',
      'swarm.task_rescheduled qnjqgc1f4nsqzc64sq1veatdn',
    ]);
    expect(signals[2]?.attributes['replacesState']).toBe('shutdown');
  });

  test('a task that exits non-zero by itself, and an image no node has: rejected', () => {
    const crashy = taskSignals(HOST, tasks('crashy'), services(), since).signals;
    expect(crashy.filter((s) => s.kind === 'swarm.task_failed').map((s) => [s.service, s.attributes['error'], s.attributes['exitCode']])).toEqual([
      ['crashy', 'task: non-zero exit (3)', 3], ['crashy', 'task: non-zero exit (3)', 3],
    ]);
    const ghost = taskSignals(HOST, tasks('rejected'), services(), since).signals;
    expect(ghost[0]).toMatchObject({ kind: 'swarm.task_failed', service: 'ghost', attributes: { state: 'rejected', error: 'No such image: vigil-missing:none' } });
    expect(ghost[0]?.attributes).not.toHaveProperty('exitCode');
    expect(ghost[0]?.attributes).not.toHaveProperty('taskContainerId');
  });

  test('only what happened after the cursor; the same list gives the same ids; the cursor moves to the newest time', () => {
    const all = taskSignals(HOST, tasks('force-updated'), services(), since);
    expect(all.latest).toBe(1796515145713398356n);
    const again = taskSignals(HOST, tasks('force-updated'), services(), since);
    expect(again.signals.map((s) => s.id)).toEqual(all.signals.map((s) => s.id));
    // After the failure was seen: only the update's new task is new.
    const later = taskSignals(HOST, tasks('force-updated'), services(), 1796515143000000000n);
    expect(later.signals.map((s) => s.attributes['taskId'])).toEqual(['qnjqgc1f4nsqzc64sq1veatdn']);
    expect(taskSignals(HOST, tasks('force-updated'), services(), all.latest).signals).toEqual([]);
    // A service that is gone (removed since): its tasks are not signals.
    expect(taskSignals(HOST, tasks('force-updated'), [], since).signals).toEqual([]);
  });

  test('which services run tasks on which node; whether /info is a manager', () => {
    expect(servicesByNode(tasks('force-updated'), services())).toEqual(new Map([['pymdqqfaq6tgkcruk0m3un8fm', ['web']]]));
    expect(isSwarmManager({ Swarm: read('swarm-info.json') })).toBe(true);
    expect(isSwarmManager({ Swarm: { LocalNodeState: 'inactive', ControlAvailable: false } })).toBe(false);
    expect(isSwarmManager({ Swarm: { LocalNodeState: 'active', ControlAvailable: false } })).toBe(false);
    expect(isSwarmManager({})).toBe(false);
  });
});
