// The sentences on the timeline, exactly.
import { describe, expect, test } from 'vitest';
import { supervisorRestartSignal } from '../../../src/domain/commands.ts';
import { project } from '../../../src/domain/engine.ts';
import type { Signal } from '../../../src/domain/signal.ts';
import { formatDuration } from '../../../src/domain/time.ts';
import { deathMessage, prometheusMessage, supervisorMessage } from '../../../src/domain/words.ts';
import { lines } from './store-model.ts';

const backend = { id: 'c0ffee', name: 'users_backend_1', host: 'local', service: 'backend' };

function docker(kind: string, at: string, attributes: Record<string, unknown> = {}): Signal {
  return {
    id: `${kind}-${at}`, source: 'docker', host: 'local', at, kind, service: 'backend', container: backend.id,
    attributes: { containerId: backend.id, name: backend.name, ...attributes }, raw: null,
  };
}

test('durations the way people say them', () => {
  expect([0, 420, 999, 1_000, 1_250, 13_200, 59_999, 60_000, 125_000, 3_599_000, 3_599_700, 3_600_000, 5_400_000].map(formatDuration)).toEqual([
    '0 ms', '420 ms', '999 ms', '1 s', '1.25 s', '13.2 s', '1 min', '1 min', '2 min 5 s', '59 min 59 s', '1 h', '1 h', '1 h 30 min',
  ]);
});

test("the supervisor's decision", () => {
  const signal = supervisorRestartSignal({ container: backend, at: '2026-11-24T10:00:00.000Z', attempt: 2, nextBackoffMs: 1_000, reason: 'died', decisionId: 'd2' });
  expect(supervisorMessage('backend', signal)).toBe('supervisor restarted backend (attempt 2, next back-off 1 s)');
});

describe('a death, from what Docker said', () => {
  const at = '2026-11-24T10:00:00.000Z';
  test.each([
    [[docker('container.kill', at, { signal: 9 }), docker('container.die', at, { exitCode: 137 })], undefined, 'backend container died — killed (signal 9, exit 137)'],
    [[docker('container.kill', at, { signal: 15 }), docker('container.die', at, { exitCode: 0 }), docker('container.stop', at)], undefined, 'backend container stopped (signal 15, exit 0)'],
    [[docker('container.oom', at), docker('container.die', at, { exitCode: 137 })], undefined, 'backend container died — out of memory (OOM killed, exit 137)'],
    [[docker('container.die', at, { exitCode: 3 })], undefined, 'backend container died — crashed (exit 3)'],
    [[docker('container.die', at, { exitCode: 139 })], undefined, 'backend container died — terminated by signal 11 (exit 139)'],
    [[docker('container.die', at, { exitCode: 0 })], undefined, 'backend container exited (exit 0)'],
    [[docker('container.kill', at, { signal: 15 }), docker('container.die', at, { exitCode: 143 })], 'alice', 'backend container stopped for the restart requested by alice (signal 15, exit 143)'],
  ] as const)('%#', (members, by, message) => {
    expect(deathMessage('backend', members, by)).toBe(message);
  });
});

test('Prometheus saying the service is down opens an incident; up again mitigates it', () => {
  const prom = (kind: string, at: string): Signal => ({
    id: `${kind}-${at}`, source: 'prometheus', host: 'prometheus', at, kind, service: 'backend',
    attributes: { instance: 'backend:3001', job: 'backend' }, raw: null,
  });
  expect(prometheusMessage('backend', prom('prometheus.service_down', '2026-11-24T10:00:00.000Z'))).toBe('Prometheus reports backend down (backend:3001)');
  const { incidents, timelines } = project(
    [prom('prometheus.service_down', '2026-11-24T10:00:00.000Z'), prom('prometheus.service_up', '2026-11-24T10:00:20.000Z')],
    { defaultHost: 'local', now: '2026-11-24T10:05:00.000Z' },
  );
  expect(incidents).toEqual([expect.objectContaining({ title: 'Prometheus reports backend down', host: 'local', status: 'resolved', resolvedAt: '2026-11-24T10:01:20.000Z' })]);
  expect(lines(timelines[incidents[0]?.id ?? ''])).toEqual([
    '2026-11-24T10:00:00.000Z prometheus prometheus.service_down | Prometheus reports backend down (backend:3001)',
    '2026-11-24T10:00:20.000Z prometheus prometheus.service_up | Prometheus reports backend up again (backend:3001)',
    '2026-11-24T10:00:20.000Z system incident.mitigated | backend recovered: every container running and healthy',
    '2026-11-24T10:01:20.000Z system incident.resolved | resolved: backend stayed healthy with no alert firing for 1 min',
  ]);
});

test('an alert names its Docker host by label, by service or by default', () => {
  const alert = (labels: Record<string, string>): Signal => ({
    id: JSON.stringify(labels), source: 'alertmanager', host: 'alertmanager', at: '2026-11-24T10:00:00.000Z', kind: 'alert.firing',
    service: 'backend', attributes: { alertname: 'BackendDown', fingerprint: JSON.stringify(labels), labels }, raw: null,
  });
  const hosts = (signal: Signal, options: Parameters<typeof project>[1]) => project([signal], options).incidents.map((i) => i.host);
  expect(hosts(alert({ vigil_host: 'edge-1' }), { defaultHost: 'local' })).toEqual(['edge-1']);
  expect(hosts(alert({}), { serviceHosts: { backend: 'edge-2' }, defaultHost: 'local' })).toEqual(['edge-2']);
  expect(hosts(alert({}), { defaultHost: 'local' })).toEqual(['local']);
  expect(hosts(alert({}), {})).toEqual(['alertmanager']);
});
