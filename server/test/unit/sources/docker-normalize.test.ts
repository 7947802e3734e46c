import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { dockerEventToSignal } from '../../../src/sources/docker/normalize.ts';

const fixtures = path.join(import.meta.dirname, '../../fixtures/docker');
const load = (file: string): unknown => JSON.parse(readFileSync(path.join(fixtures, file), 'utf8'));
const loadArray = (file: string): unknown[] => {
  const value = load(file);
  if (!Array.isArray(value)) throw new Error(`${file} is not an array`);
  return value;
};

describe('dockerEventToSignal', () => {
  test('a Compose container death: kind, service, attributes, time with milliseconds', () => {
    const signal = dockerEventToSignal(load('event-compose-die.json'), 'local');
    expect(signal).toMatchObject({
      source: 'docker',
      host: 'local',
      kind: 'container.die',
      at: '2026-11-24T01:05:23.095Z',
      service: 'crashy',
      container: '5cd60406bab0595ad5cbc942dc542f7fd1d7f513bb9fc7f1c9c6a8c94bd7adde',
      attributes: {
        containerId: '5cd60406bab0595ad5cbc942dc542f7fd1d7f513bb9fc7f1c9c6a8c94bd7adde',
        name: 'probe_crashy_1',
        image: 'nodebase:local',
        project: 'probe',
        exitCode: 3,
        supervised: false,
      },
    });
    expect(signal?.id).toMatch(/^dk_[0-9a-f]{24}$/);
  });

  test('health probes are noise; health changes become container.health_status.*', () => {
    const { events } = load('events-health.json') as { events: unknown[] };
    const signals = events.map((e) => dockerEventToSignal(e, 'local')).filter((s) => s !== null);
    expect(signals.map((s) => s.kind)).toEqual([
      'container.create', 'container.start', 'container.health_status.healthy', 'container.health_status.unhealthy',
    ]);
    expect(signals[3]?.attributes).toMatchObject({ health: 'unhealthy', name: 'probe-hc-exec' });
    expect(signals[3]?.service).toBe('probe-hc-exec');
  });

  test('kill carries the signal, die the exit code, as numbers', () => {
    const signals = loadArray('events-lifecycle.json').map((e) => dockerEventToSignal(e, 'local'));
    expect(signals.map((s) => [s?.kind, s?.attributes['signal'] ?? s?.attributes['exitCode'] ?? null])).toEqual([
      ['container.create', null], ['container.start', null], ['container.kill', 9], ['container.die', 137],
      ['container.start', null], ['container.restart', null], ['container.kill', 15], ['container.kill', 9],
      ['container.die', 137], ['container.stop', null],
    ]);
  });

  test('the same event backfilled twice gets the same id; another host gets another id', () => {
    const { back, back2 } = load('events-backfill.json') as { back: unknown[]; back2: unknown[] };
    const first = back.map((e) => dockerEventToSignal(e, 'local')?.id);
    expect(back2.map((e) => dockerEventToSignal(e, 'local')?.id)).toEqual(first);
    expect(new Set(first).size).toBe(3);
    expect(dockerEventToSignal(back[0], 'tcp://10.0.0.2:2376')?.id).not.toBe(first[0]);
  });

  test('timeNano beyond 2^53: number, exact string and bigint give the same id and millisecond', () => {
    const text = readFileSync(path.join(fixtures, 'recorded/oom-killed.json'), 'utf8');
    const exact = /"timeNano":(\d+)/.exec(text)?.[1];
    expect(exact).toBe('1795545427811897571');
    const event = loadArray('recorded/oom-killed.json')[0] as Record<string, unknown>;
    expect(event['timeNano']).not.toBe(Number.MAX_SAFE_INTEGER); // JSON.parse rounded it
    const fromNumber = dockerEventToSignal(event, 'local');
    const fromString = dockerEventToSignal({ ...event, timeNano: exact }, 'local');
    const fromBigint = dockerEventToSignal({ ...event, timeNano: BigInt(exact ?? '0') }, 'local');
    expect(fromNumber?.at).toBe('2026-11-24T18:37:07.811Z');
    expect(fromString?.at).toBe('2026-11-24T18:37:07.811Z');
    expect(fromBigint?.id).toBe(fromNumber?.id);
    expect(fromString?.attributes['atNanos']).toBe(897571);
    expect(fromBigint?.attributes['atNanos']).toBe(897571);
    expect(fromString?.id).toBe(fromNumber?.id);
  });

  test('the millisecond part never spills into the next second', () => {
    const base = { Type: 'container', Action: 'die', Actor: { ID: 'c1', Attributes: { name: 'x' } }, time: 1795545427 };
    // As JSON.parse reads them: the first rounds up into the next second, the other down to .000.
    const roundedUp = Number('1795545427999999999');
    expect(roundedUp).toBe(1795545428000000000);
    expect(dockerEventToSignal({ ...base, timeNano: roundedUp }, 'h')?.at).toBe('2026-11-24T18:37:07.999Z');
    expect(dockerEventToSignal({ ...base, timeNano: '1795545427999999999' }, 'h')?.at).toBe('2026-11-24T18:37:07.999Z');
    expect(dockerEventToSignal({ ...base, timeNano: Number('1795545427000000001') }, 'h')?.at).toBe('2026-11-24T18:37:07.000Z');
  });

  test('service: vigil.service, else the Compose service, else the container name', () => {
    const event = (attributes: Record<string, string>) => ({
      Type: 'container', Action: 'start', Actor: { ID: 'c1', Attributes: attributes }, time: 1, timeNano: 1_000_000_000,
    });
    expect(dockerEventToSignal(event({ name: 'n', 'com.docker.compose.service': 'svc', 'vigil.service': 'mine' }), 'h')?.service).toBe('mine');
    expect(dockerEventToSignal(event({ name: 'n', 'com.docker.compose.service': 'svc' }), 'h')?.service).toBe('svc');
    expect(dockerEventToSignal(event({ name: 'n', 'vigil.supervise': 'true' }), 'h')).toMatchObject({ service: 'n', attributes: { supervised: true } });
  });

  test('irrelevant or malformed events are null', () => {
    const die = load('event-compose-die.json') as Record<string, unknown>;
    expect(dockerEventToSignal({ ...die, Type: 'network' }, 'local')).toBeNull();
    expect(dockerEventToSignal({ ...die, Action: 'exec_die' }, 'local')).toBeNull();
    expect(dockerEventToSignal({ ...die, Action: 'attach' }, 'local')).toBeNull();
    // Docker 29 dropped the legacy fields; an event with only those is not one Vigil understands.
    expect(dockerEventToSignal({ status: 'die', id: 'abc', from: 'img', time: 1 }, 'local')).toBeNull();
    expect(dockerEventToSignal({ Type: 'container', Action: 'die', Actor: { ID: 'c1' } }, 'local')).toBeNull();
    expect(dockerEventToSignal('die', 'local')).toBeNull();
    expect(dockerEventToSignal(null, 'local')).toBeNull();
  });

  test('the legacy fields are not needed', () => {
    const { status: _s, id: _i, from: _f, ...modern } = load('event-compose-die.json') as Record<string, unknown>;
    expect(dockerEventToSignal(modern, 'local')?.kind).toBe('container.die');
  });
});
