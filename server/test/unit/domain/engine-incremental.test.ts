// The incremental path: decisions as signals arrive, time passing, restarts of Vigil.
import { describe, expect, test } from 'vitest';
import type { IncidentWithTimeline } from '../../../src/contract/index.ts';
import { userCommandSignal } from '../../../src/domain/commands.ts';
import { successorOf, type Decision } from '../../../src/domain/decisions.ts';
import { Engine, project } from '../../../src/domain/engine.ts';
import type { EngineOptions } from '../../../src/domain/options.ts';
import type { Signal } from '../../../src/domain/signal.ts';
import { ENGINE_OPTIONS, byKind, received, recordedDocker, seedOutage } from './sequences.ts';
import { applyDecisions, asProjection, emptyStore, lines } from './store-model.ts';

const OPTIONS: Partial<EngineOptions> = ENGINE_OPTIONS;
const types = (decisions: readonly Decision[]) => decisions.map((d) => d.type);

/** Feeds signals as they arrive, ticking to each one's receivedAt first, the way the pipeline runs. */
function live(signals: readonly Signal[], until: string, options = OPTIONS) {
  const engine = new Engine(options);
  const store = emptyStore();
  const log: Decision[][] = [];
  for (const signal of signals) {
    const ticked = engine.tick(signal.receivedAt ?? signal.at);
    const applied = engine.apply([signal]);
    applyDecisions(store, [...ticked, ...applied]);
    log.push(ticked, applied);
  }
  const last = engine.tick(until);
  applyDecisions(store, last);
  log.push(last);
  return { engine, store, log, lastDecisions: last };
}

const byArrival = (signals: readonly Signal[]) => [...signals].sort((a, b) => ((a.receivedAt ?? a.at) < (b.receivedAt ?? b.at) ? -1 : 1));

describe('live', () => {
  test('the die opens the incident at once; its entry follows when the burst settles', () => {
    const docker = recordedDocker('recorded/seed-backend-killed.json');
    const die = byKind(docker, 'container.die');
    const engine = new Engine(OPTIONS);
    for (const s of docker.filter((x) => x.at < die.at)) engine.apply([s]);
    const opened = engine.apply([die]);
    expect(types(opened)).toEqual(['incident:upsert']);
    expect(opened[0]).toMatchObject({ incident: { status: 'open', openedAt: '2026-11-24T18:37:11.123Z', title: 'backend container died' } });
    expect(engine.nextTickAt()).toBe('2026-11-24T18:37:11.624Z');
    expect(engine.tick('2026-11-24T18:37:11.623Z')).toEqual([]);
    const settled = engine.tick('2026-11-24T18:37:11.624Z');
    expect(settled).toEqual([expect.objectContaining({
      type: 'timeline:append',
      entry: expect.objectContaining({ at: '2026-11-24T18:37:11.123Z', message: 'backend container died — killed (signal 9, exit 137)' }) as unknown,
    })]);
    expect(engine.tick('2026-11-24T18:37:12.000Z')).toEqual([]);
  });

  test('the seed outage as it arrived: the store ends up with what project() derives, nothing removed', () => {
    const signals = seedOutage();
    const until = '2026-11-24T18:45:00.000Z';
    const { store, log } = live(byArrival(signals), until);
    expect(asProjection(store)).toEqual(project(signals, { ...OPTIONS, now: until }));
    expect(log.flat().some((d) => d.type === 'timeline:remove' || d.type === 'incident:remove')).toBe(false);
    const statuses = log.flat().flatMap((d) => (d.type === 'incident:upsert' ? [d.incident.status] : []));
    expect([...new Set(statuses)]).toEqual(['open', 'acknowledged', 'mitigated', 'resolved']);
  });

  test('duplicates change nothing', () => {
    const signals = seedOutage();
    const engine = new Engine(OPTIONS);
    for (const s of signals) engine.apply([s]);
    for (const s of signals) expect(engine.apply([s])).toEqual([]);
    expect(engine.apply(signals)).toEqual([]);
  });

  test('an alert arriving before the Docker event it belongs to: one incident in the end, opened by the die', () => {
    const signals = seedOutage();
    const alertFirst = [
      ...signals.filter((s) => s.kind === 'alert.firing'),
      ...signals.filter((s) => s.kind !== 'alert.firing'),
    ];
    const until = '2026-11-24T18:45:00.000Z';
    const { store, log } = live(alertFirst, until);
    const first = log.flat()[0];
    expect(first).toMatchObject({ type: 'incident:upsert', incident: { title: 'BackendDown: Backend service is down', openedAt: '2026-11-24T18:37:26.100Z' } });
    const alertIncident = first?.type === 'incident:upsert' ? first.incident.id : '';
    const expected = project(signals, { ...OPTIONS, now: until });
    // The old id leads to the incident that took over its time.
    expect(log.flat()).toContainEqual({ type: 'incident:remove', incidentId: alertIncident, replacedBy: expected.incidents[0]?.id });
    expect(asProjection(store)).toEqual(expected);
    expect(expected.incidents.map((i) => i.title)).toEqual(['backend container died']);
  });

  test('a stop arriving after its die was written: the entry is replaced, not duplicated', () => {
    const docker = recordedDocker('events-lifecycle.json');
    const stop = byKind(docker, 'container.stop');
    const rest = docker.filter((s) => s !== stop);
    const until = '2026-11-24T00:41:00.000Z';
    const withTicks = live(rest, '2026-11-24T00:40:39.500Z');
    const late = withTicks.engine.apply([stop]);
    // The stop moves lastEventAt, and the die's entry now carries it.
    expect(types(late)).toEqual(['timeline:remove', 'incident:upsert', 'timeline:append']);
    const appended = late[2];
    expect(appended?.type === 'timeline:append' ? appended.entry.message : '').toBe('probe-ev-life container stopped (signal 9, exit 137)');
    const store = withTicks.store;
    applyDecisions(store, late);
    applyDecisions(store, withTicks.engine.tick(until));
    expect(asProjection(store)).toEqual(project(docker, { ...OPTIONS, now: until }));
  });
});

describe('the quiet period', () => {
  const docker = recordedDocker('recorded/seed-backend-killed.json');
  const kill = byKind(docker, 'container.kill');
  const die = byKind(docker, 'container.die');
  /** The recorded kill and die again, `ms` after the original ones. */
  const againAfter = (ms: number): Signal[] => [kill, die].map((s) => {
    const at = new Date(Date.parse(s.at) + ms).toISOString();
    return received({ ...s, id: `${s.id}-again`, at }, at);
  });
  const healthyAt = Date.parse(byKind(docker, 'container.health_status.healthy', 1).at);
  const deathAfterHealthy = (ms: number) => againAfter(healthyAt + ms - Date.parse(die.at));

  test('a failure inside it re-opens the same incident and marks it flapping', () => {
    const { incidents, timelines } = project([...docker, ...deathAfterHealthy(30_000)], { ...OPTIONS, now: '2026-11-24T18:50:00.000Z' });
    expect(incidents).toHaveLength(1);
    expect(incidents[0]?.status).toBe('open');
    expect(lines(timelines[incidents[0]?.id ?? '']).slice(-2)).toEqual([
      '2026-11-24T18:40:40.423Z docker container.die | backend container died — killed (signal 9, exit 137)',
      '2026-11-24T18:40:40.423Z system incident.flapping | backend failed again 30 s after recovering — re-opened, flapping',
    ]);
  });

  test('a failure after it opens a new incident', () => {
    const { incidents } = project([...docker, ...deathAfterHealthy(60_001)], { ...OPTIONS, now: '2026-11-24T18:50:00.000Z' });
    expect(incidents.map((i) => [i.status, i.openedAt, i.resolvedAt])).toEqual([
      ['resolved', '2026-11-24T18:37:11.123Z', '2026-11-24T18:41:10.423Z'],
      ['open', '2026-11-24T18:41:10.424Z', undefined],
    ]);
  });
});

describe('people', () => {
  const docker = recordedDocker('recorded/oom-killed.json');
  const opened = project(docker, OPTIONS).incidents[0];
  const ref = { id: opened?.id ?? '', service: 'reports', host: 'local' };

  test('resolved by hand with a reason; the next failure is a new incident', () => {
    const resolve = userCommandSignal({ kind: 'user.resolve', incident: ref, actor: 'carol', reason: 'batch job retired' }, '2026-11-24T18:40:00.000Z');
    const { incidents, timelines } = project([...docker, resolve], OPTIONS);
    expect(incidents[0]).toMatchObject({ status: 'resolved', resolvedAt: '2026-11-24T18:40:00.000Z' });
    expect(lines(timelines[ref.id]).at(-1)).toBe('2026-11-24T18:40:00.000Z user user.resolve | resolved by carol: batch job retired [carol]');
  });

  test('a note on an incident this engine no longer holds still reaches its timeline', () => {
    const old = { id: 'inc_resolved_last_week', service: 'reports', host: 'local' };
    const note = userCommandSignal({ kind: 'user.note', incident: old, actor: 'dave', text: 'root cause: cron at 03:00' }, '2026-11-24T18:40:00.000Z');
    const { timelines } = project([note], OPTIONS);
    expect(lines(timelines['inc_resolved_last_week'])).toEqual(['2026-11-24T18:40:00.000Z user user.note | root cause: cron at 03:00 [dave]']);
  });
});

test('after a restart of Vigil: restoreState from the stored incidents and signals, then carry on', () => {
  const signals = seedOutage();
  const arrival = byArrival(signals);
  const cut = arrival.findIndex((s) => s.kind === 'user.restart_requested');
  const before = live(arrival.slice(0, cut), arrival[cut - 1]?.receivedAt ?? '');
  const stored: IncidentWithTimeline[] = [...before.store.incidents.values()].map((incident) => ({
    ...incident, timeline: [...before.store.entries.values()].filter((e) => e.incidentId === incident.id),
  }));
  expect(stored.map((i) => i.status)).toEqual(['acknowledged']);
  const restored = Engine.restore(stored, arrival.slice(0, cut), OPTIONS, arrival[cut - 1]?.receivedAt);
  expect(restored.decisions).toEqual([]);
  expect(restored.unmatched).toEqual([]);
  const store = before.store;
  for (const s of arrival.slice(cut)) applyDecisions(store, restored.engine.apply([s]));
  applyDecisions(store, restored.engine.tick('2026-11-24T18:45:00.000Z'));
  expect(asProjection(store)).toEqual(project(signals, { ...OPTIONS, now: '2026-11-24T18:45:00.000Z' }));
});

test('a quiet service is forgotten after retainMs, keeping what it knows about its containers', () => {
  const docker = recordedDocker('recorded/seed-backend-killed.json');
  const run = live(docker, '2026-11-24T18:55:00.000Z', { ...OPTIONS, retainMs: 10 * 60_000 });
  expect(run.engine.serviceCount).toBe(1);
  const service = run.engine.inspect('backend', 'local');
  expect(service?.signals).toEqual([]);
  expect(service?.machine.closed).toEqual([]);
  expect(Object.values(service?.machine.containers ?? {})).toEqual([{ name: 'rec-backend', running: true, health: 'healthy', hasHealthcheck: true }]);
  // The last tick both ended the quiet period and, 10 minutes on, let the service go.
  expect(run.lastDecisions.map((d) => (d.type === 'incident:upsert' ? d.incident.status : d.type))).toEqual(['resolved', 'timeline:append']);
  // What it kept matters: after a new death and start, the health check must pass before it is mitigated.
  const later = (s: Signal, at: string) => received({ ...s, id: `${s.id}-later`, at }, at);
  const decisions: Decision[] = [];
  for (const [s, at] of [[byKind(docker, 'container.die'), '2026-11-24T19:00:00.000Z'], [byKind(docker, 'container.start', 1), '2026-11-24T19:00:01.000Z']] as const) {
    decisions.push(...run.engine.apply([later(s, at)]));
  }
  decisions.push(...run.engine.tick('2026-11-24T19:00:05.000Z'));
  expect(decisions.flatMap((d) => (d.type === 'incident:upsert' ? [d.incident.status] : [d.type]))).toEqual([
    'open', 'open', 'timeline:append', 'timeline:append',
  ]);
});

test('restored with unapplied signals (a crash between storing them and their decisions): what they undo goes', () => {
  const signals = seedOutage();
  const alerts = signals.filter((s) => s.kind === 'alert.firing');
  const rest = signals.filter((s) => s.kind !== 'alert.firing');
  // The alert arrived first and opened its incident; the Docker signals were stored, then Vigil died.
  const before = live(alerts, alerts[0]?.receivedAt ?? '');
  const stored: IncidentWithTimeline[] = [...before.store.incidents.values()].map((incident) => ({
    ...incident, timeline: [...before.store.entries.values()].filter((e) => e.incidentId === incident.id),
  }));
  const until = '2026-11-24T18:45:00.000Z';
  const expected = project(signals, { ...OPTIONS, now: until });
  expect(stored.map((i) => i.id)).not.toEqual(expected.incidents.map((i) => i.id));

  const kept = Engine.restore(stored, signals, OPTIONS, until);
  expect(kept.unmatched).toEqual(stored.map((i) => i.id));

  const restored = Engine.restore(stored, [...alerts], OPTIONS, until, rest);
  expect(restored.unmatched).toEqual([]);
  expect(restored.decisions).toContainEqual({ type: 'incident:remove', incidentId: stored[0]?.id, replacedBy: expected.incidents[0]?.id });
  const store = before.store;
  applyDecisions(store, restored.decisions);
  expect(asProjection(store)).toEqual(expected);
});

describe('where a removed incident went (successorOf)', () => {
  const incident = (id: string, openedAt: string, resolvedAt?: string) => ({
    id, title: id, service: 's', host: 'h', status: resolvedAt ? 'resolved' as const : 'open' as const, severity: 'warning' as const,
    openedAt, lastEventAt: resolvedAt ?? openedAt, sources: [], ...(resolvedAt ? { resolvedAt } : {}),
  });
  const T = (m: number) => `2026-12-05T10:${String(m).padStart(2, '0')}:00.000Z`;

  test('the first to open among those overlapping its time; none when nothing overlaps', () => {
    const removed = incident('old', T(10), T(20));
    expect(successorOf(removed, [incident('before', T(1), T(5)), incident('b', T(15)), incident('a', T(9), T(12))])).toBe('a');
    expect(successorOf(removed, [incident('later', T(21))])).toBeUndefined();
    expect(successorOf(incident('open', T(10)), [incident('late', T(30))])).toBe('late');
    expect(successorOf(removed, [incident('y', T(12)), incident('x', T(12))])).toBe('x');
  });
});
