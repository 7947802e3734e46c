// The engine and changes (container.change): never an incident on their own, on the timeline of the
// service's active incident, and the suspected change of a failure within the change window.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type Docker from 'dockerode';
import { describe, expect, test } from 'vitest';
import { incidentAnalytics } from '../../../src/domain/analytics.ts';
import { Engine, project } from '../../../src/domain/engine.ts';
import { draftPostmortem } from '../../../src/domain/postmortem/draft.ts';
import { KIND } from '../../../src/domain/kinds.ts';
import type { Signal } from '../../../src/domain/signal.ts';
import { changeSignal, snapshotOf } from '../../../src/sources/docker/changes.ts';
import { dockerEventToSignal } from '../../../src/sources/docker/normalize.ts';
import { ENGINE_OPTIONS, recordedDocker, received } from './sequences.ts';
import { lines } from './store-model.ts';

const fixtures = path.join(import.meta.dirname, '../../fixtures/docker');
const inspect = (name: string) => JSON.parse(readFileSync(path.join(fixtures, name), 'utf8')) as Docker.ContainerInspectInfo;
const v1 = inspect('inspect-change-v1.json');
const v2 = inspect('inspect-change-v2.json');
const plus = (iso: string, ms: number) => new Date(Date.parse(iso) + ms).toISOString();

/** The recorded recreate: v1 created, started, stopped, renamed; v2 created and started. */
const recreate = () => recordedDocker('events-change.json');
const change = (): Signal => {
  const signal = changeSignal({ host: 'local', service: 'shop', labels: v2.Config.Labels }, snapshotOf(v1), snapshotOf(v2));
  if (signal === null) throw new Error('the fixtures make no change');
  return received(signal, plus(signal.at, 300));
};

/** v2's container dying `afterMs` after the change, as Docker reports a crash (exit 3). */
function v2Crash(afterMs: number): Signal {
  const at = BigInt(Date.parse(change().at) + afterMs) * 1_000_000n;
  const event = {
    status: 'die', id: v2.Id, from: 'vigil-chgfx-app:v2', Type: 'container', Action: 'die',
    Actor: { ID: v2.Id, Attributes: { exitCode: '3', image: 'vigil-chgfx-app:v2', name: 'vigil-chgfx-v2', 'vigil.service': 'shop' } },
    scope: 'local', time: Number(at / 1_000_000_000n), timeNano: String(at),
  };
  const signal = dockerEventToSignal(event, 'local');
  if (signal === null) throw new Error('not a signal');
  return received(signal, plus(signal.at, 40));
}

const run = (signals: Signal[], now: string, options: Record<string, unknown> = {}) => project(signals, { ...ENGINE_OPTIONS, now, ...options });

describe('a change', () => {
  test('alone opens no incident', () => {
    const c = change();
    expect(run([c], plus(c.at, 3_600_000)).incidents).toEqual([]);
  });

  test('is on the timeline of the incident active when it is made, and a crash right after names it', () => {
    // The deploy's stop of v1 opens an incident (Vigil did not ask for it); v2 crashes 20 s after it came up.
    const signals = [...recreate(), change(), v2Crash(20_000)];
    const { incidents, timelines } = run(signals, plus(change().at, 60_000));
    expect(incidents).toHaveLength(1);
    const [incident] = incidents;
    expect(incident?.suspectedChange).toMatchObject({
      signalId: change().id, at: change().at, containerId: v2.Id, containerName: 'vigil-chgfx-v2',
      oldImage: 'vigil-chgfx-app:v1', newImage: 'vigil-chgfx-app:v2', changedBy: 'alice', beforeMs: 20_000,
    });
    const text = lines(timelines[incident?.id ?? '']);
    expect(text).toContain(`${change().at} docker container.change | shop changed: vigil-chgfx-app:v1 → vigil-chgfx-app:v2 (by alice); also changed: env APP_VERSION, env NEW_FLAG, env SECRET_TOKEN [alice]`);
    expect(text.filter((l) => l.includes('incident.suspected_change'))).toEqual([
      `${plus(change().at, 20_000)} system incident.suspected_change | suspected change: shop vigil-chgfx-app:v1 → vigil-chgfx-app:v2, 20 s before`,
    ]);
  });

  test('an incident opened within the window after it (the deploy\'s own incident long resolved) names it', () => {
    const signals = [...recreate(), change(), v2Crash(4 * 60_000)];
    const { incidents } = run(signals, plus(change().at, 5 * 60_000));
    expect(incidents).toHaveLength(2);
    expect(incidents[0]?.suspectedChange).toBeUndefined();
    expect(incidents[1]?.suspectedChange).toMatchObject({ signalId: change().id, beforeMs: 4 * 60_000 });
  });

  test('past the window it is not suspected', () => {
    const signals = [change(), v2Crash(31 * 60_000)];
    const { incidents } = run(signals, plus(change().at, 40 * 60_000));
    expect(incidents).toHaveLength(1);
    expect(incidents[0]?.suspectedChange).toBeUndefined();
    const narrow = run([change(), v2Crash(4 * 60_000)], plus(change().at, 10 * 60_000), { changeWindowMs: 60_000 });
    expect(narrow.incidents[0]?.suspectedChange).toBeUndefined();
  });

  test('the live engine says what the batch fold says, and a restore from the store re-derives it unchanged', () => {
    const signals = [...recreate(), change(), v2Crash(4 * 60_000)];
    const now = plus(change().at, 5 * 60_000);
    const engine = new Engine(ENGINE_OPTIONS);
    const decisions = signals.flatMap((s) => [...engine.tick(s.receivedAt ?? s.at), ...engine.apply([s])]);
    decisions.push(...engine.tick(now));
    const upserts = decisions.filter((d) => d.type === 'incident:upsert').map((d) => (d.type === 'incident:upsert' ? d.incident : null));
    const last = upserts.filter((i) => i?.suspectedChange !== undefined).at(-1);
    expect(last?.suspectedChange).toEqual(run(signals, now).incidents[1]?.suspectedChange);
    const { incidents, timelines } = run(signals, now);
    const active = incidents.filter((i) => i.status !== 'resolved').map((i) => ({ ...i, timeline: timelines[i.id] ?? [] }));
    expect(active).toHaveLength(1);
    const restored = Engine.restore(active, signals, ENGINE_OPTIONS, now);
    const id = active[0]?.id;
    expect(restored.decisions.filter((d) => (d.type === 'incident:upsert' && d.incident.id === id) || (d.type === 'timeline:append' && d.entry.incidentId === id))).toEqual([]);
  });

  test('arriving out of order (a change stored after the crash it came before) still names it', () => {
    const signals = [...recreate(), change(), v2Crash(4 * 60_000)];
    const now = plus(change().at, 5 * 60_000);
    const engine = new Engine(ENGINE_OPTIONS);
    // The crash first, the change last: the engine folds the service again in event order.
    const late = [...signals].reverse();
    const decisions = late.flatMap((s) => engine.apply([s]));
    decisions.push(...engine.tick(now));
    const latest = new Map<string, unknown>();
    for (const d of decisions) if (d.type === 'incident:upsert') latest.set(d.incident.id, d.incident);
    for (const d of decisions) if (d.type === 'incident:remove') latest.delete(d.incidentId);
    const byOpening = (list: Array<{ openedAt: string }>) => [...list].sort((a, b) => a.openedAt.localeCompare(b.openedAt));
    expect(byOpening([...latest.values()] as Array<{ openedAt: string }>)).toEqual(run(signals, now).incidents);
    expect(run(signals, now).incidents[1]?.suspectedChange?.signalId).toBe(change().id);
  });

  test('a change of another service is not suspected', () => {
    const other = { ...change(), id: 'chg_other', service: 'billing' };
    const { incidents } = run([other, v2Crash(60_000)], plus(other.at, 5 * 60_000));
    expect(incidents[0]?.suspectedChange).toBeUndefined();
  });

  test('the post-mortem draft names it, and lists it on its timeline', () => {
    const signals = [...recreate(), change(), v2Crash(4 * 60_000)];
    const now = plus(change().at, 5 * 60_000);
    const { incidents, timelines } = run(signals, now);
    const incident = { ...incidents[1]!, timeline: timelines[incidents[1]?.id ?? ''] ?? [] };
    const { markdown } = draftPostmortem({ incident, analytics: incidentAnalytics(incident, now), findings: null });
    expect(markdown).toContain('- Suspected change: shop was changed by alice 4 min 0 s before it broke, vigil-chgfx-app:v1 → vigil-chgfx-app:v2 (also changed: env APP_VERSION, env NEW_FLAG, env SECRET_TOKEN).');
    expect(markdown).toMatch(/\| suspected change: shop vigil-chgfx-app:v1 → vigil-chgfx-app:v2, 4 min before \|/);
  });

  test('its kind is container.change', () => {
    expect(change().kind).toBe(KIND.change);
  });
});
