// The replay fold on recorded reality: Docker event streams captured on this machine and
// Alertmanager 0.25 webhooks, normalized by the server's own sources, folded at instants.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { ReplaySignal, TimelineEntry } from '@vigil/server/contract';
import { dockerEventToSignal } from '../../server/src/sources/docker/normalize.ts';
import { alertmanagerWebhookSchema, alertmanagerWebhookToSignals } from '../../server/src/sources/alertmanager/normalize.ts';
import { restartRequestedSignal, supervisorRestartSignal } from '../../server/src/domain/commands.ts';
import { entrySignals, eventInstants, incidentAt, mergeSignals, parseInstant, replayAt, replayWindow, stepEvent } from '../src/lib/replay.ts';
import { entry, incident } from './fixtures.ts';

const FIXTURES = new URL('../../server/test/fixtures/', import.meta.url);
const json = (path: string): unknown => JSON.parse(readFileSync(new URL(path, FIXTURES), 'utf8'));

function toReplay(s: { id: string; source: string; host: string; at: string; kind: string; service?: string; container?: string; attributes: Record<string, unknown> }): ReplaySignal {
  const { id, source, host, at, kind, service, container, attributes } = s;
  return { id, source, host, at, kind, attributes, ...(service ? { service } : {}), ...(container ? { container } : {}) };
}

function dockerSignals(path: string): ReplaySignal[] {
  const body = json(path);
  const events = Array.isArray(body) ? body : (body as { events: unknown[] }).events;
  return events.map((e) => dockerEventToSignal(e, 'local')).filter((s) => s !== null).map(toReplay);
}

function webhook(path: string): ReplaySignal[] {
  return alertmanagerWebhookToSignals(alertmanagerWebhookSchema.parse(json(path)), 'alertmanager').map(toReplay);
}

const ms = (iso: string): number => Date.parse(iso);
const at = (list: readonly ReplaySignal[], kind: string, nth = 0): number => {
  const found = list.filter((s) => s.kind === kind)[nth];
  if (!found) throw new Error(`no ${kind} #${nth} in the fixture`);
  return ms(found.at);
};
const open = incident({ openedAt: '2020-01-01T00:00:00.000Z' });

describe('replay fold on a recorded lifecycle (create, start, kill, die, start, restart, kill, kill, die, stop)', () => {
  const life = dockerSignals('docker/events-lifecycle.json');
  const stateAt = (t: number) => replayAt(open, [], life, t).containers;

  it('has no container before the first event, running after the start', () => {
    expect(stateAt(at(life, 'container.create') - 1)).toEqual([]);
    const [c] = stateAt(at(life, 'container.start'));
    expect(c).toMatchObject({ name: 'probe-ev-life', host: 'local', state: 'running', words: 'running', tone: 'resolved' });
    expect(c?.since).toBe(new Date(at(life, 'container.start')).toISOString());
  });

  it('is still running between the kill and the die, dead with exit code and signal after the die', () => {
    expect(stateAt(at(life, 'container.kill') + 0.5)[0]?.state).toBe('running');
    const dead = stateAt(at(life, 'container.die'))[0];
    expect(dead).toMatchObject({ state: 'dead', words: 'dead (exit 137, signal 9)', tone: 'critical' });
  });

  it('runs again after the second start, and stays dead since the die when a stop follows it', () => {
    expect(stateAt(at(life, 'container.start', 1))[0]).toMatchObject({ state: 'running', words: 'running' });
    const last = stateAt(at(life, 'container.stop') + 1)[0];
    expect(last?.state).toBe('dead');
    expect(last?.since).toBe(new Date(at(life, 'container.die', 1)).toISOString());
  });

  it('folds the same whatever order the signals arrive in', () => {
    const shuffled = [...life].reverse();
    for (const s of life) expect(replayAt(open, [], shuffled, ms(s.at)).containers).toEqual(stateAt(ms(s.at)));
  });

  it('says "restarting" between the die and the start of a restart someone asked for', () => {
    const c = { id: life[0]?.container ?? '', name: 'probe-ev-life', host: 'local', service: 'probe-ev-life' };
    const asked = toReplay(restartRequestedSignal({ container: c, actor: 'alice', actionId: 'a1', at: new Date(at(life, 'container.kill') - 5).toISOString() }));
    const withAsk = [...life, asked];
    const between = replayAt(open, [], withAsk, at(life, 'container.die') + 1).containers[0];
    expect(between).toMatchObject({ state: 'restarting', words: 'restarting (asked by alice)', tone: 'warning' });
    expect(replayAt(open, [], withAsk, at(life, 'container.start', 1)).containers[0]?.state).toBe('running');
    // Without the ask the same instant reads dead: a kill is not a restart.
    expect(stateAt(at(life, 'container.die') + 1)[0]?.state).toBe('dead');
    const sup = toReplay(supervisorRestartSignal({ container: c, at: new Date(at(life, 'container.die') + 2).toISOString(), attempt: 1, nextBackoffMs: 1000, reason: 'died', decisionId: 'd1' }));
    expect(replayAt(open, [], [...life, sup], at(life, 'container.die') + 3).containers[0]?.words).toBe('restarting (asked by supervisor)');
  });
});

describe('replay fold: health and a second container', () => {
  it('reads healthy, then unhealthy (in words) from the recorded health stream', () => {
    const health = dockerSignals('docker/events-health.json');
    expect(replayAt(open, [], health, at(health, 'container.health_status.healthy')).containers[0]).toMatchObject({ health: 'healthy', words: 'running, healthy' });
    const bad = replayAt(open, [], health, at(health, 'container.health_status.unhealthy')).containers[0];
    expect(bad).toMatchObject({ state: 'running', health: 'unhealthy', tone: 'critical' });
    expect(bad?.words).toMatch(/^unhealthy/);
    expect(bad?.since).toBe(new Date(at(health, 'container.health_status.unhealthy')).toISOString());
  });

  it('keeps two containers apart: one dead while the other still runs, both back after their starts', () => {
    const two = dockerSignals('docker/recorded/two-services-killed.json');
    const firstDie = at(two, 'container.die');
    const mid = replayAt(open, [], two, firstDie).containers;
    expect(mid.map((c) => [c.name, c.state])).toEqual([['rec-cart', 'dead'], ['rec-payments', 'running']]);
    const after = replayAt(open, [], two, at(two, 'container.start', 3)).containers;
    expect(after.map((c) => [c.name, c.state, c.health])).toEqual([['rec-cart', 'running', 'starting'], ['rec-payments', 'running', 'starting']]);
  });
});

describe('replay fold: alerts and the incident', () => {
  const firing = webhook('alertmanager/am-webhook-firing.json');
  const resolved = webhook('alertmanager/am-webhook-resolved.json');
  const all = [...resolved, ...firing];

  it('fires from startsAt until the resolved webhook\'s endsAt', () => {
    expect(replayAt(open, [], all, at(all, 'alert.firing') - 1).alerts).toEqual([]);
    expect(replayAt(open, [], all, at(all, 'alert.firing')).alerts.map((a) => a.name)).toEqual(['TargetDown']);
    expect(replayAt(open, [], all, at(all, 'alert.resolved') - 1).alerts).toHaveLength(1);
    expect(replayAt(open, [], all, at(all, 'alert.resolved')).alerts).toEqual([]);
  });

  it('says who had acknowledged, and whether mitigated or resolved, at each instant', () => {
    const inc = incident({ openedAt: '2026-11-24T18:37:11.088Z' });
    const timeline: TimelineEntry[] = [
      entry({ id: 'r', at: '2026-11-24T18:45:00.000Z', source: 'system', kind: 'incident.resolved' }),
      entry({ id: 'a', at: '2026-11-24T18:38:00.000Z', source: 'user', kind: 'user.acknowledge', actor: 'alice' }),
      entry({ id: 'm', at: '2026-11-24T18:40:00.000Z', source: 'system', kind: 'incident.mitigated' }),
      entry({ id: 'f', at: '2026-11-24T18:41:00.000Z', source: 'system', kind: 'incident.flapping' }),
    ];
    const statusAt = (iso: string) => incidentAt(inc, timeline, ms(iso));
    expect(statusAt('2026-11-24T18:37:00.000Z')).toEqual({ status: null });
    expect(statusAt('2026-11-24T18:37:30.000Z')).toEqual({ status: 'open' });
    expect(statusAt('2026-11-24T18:38:00.000Z')).toEqual({ status: 'acknowledged', acknowledgedBy: 'alice', acknowledgedAt: '2026-11-24T18:38:00.000Z' });
    expect(statusAt('2026-11-24T18:40:30.000Z').status).toBe('mitigated');
    expect(statusAt('2026-11-24T18:41:30.000Z').status).toBe('acknowledged');
    expect(statusAt('2026-11-24T18:46:00.000Z')).toMatchObject({ status: 'resolved', acknowledgedBy: 'alice' });
    expect(replayAt(inc, timeline, [], ms('2026-11-24T18:40:30.000Z')).entriesSoFar).toBe(2);
  });
});

describe('replay inputs', () => {
  it('reads the timeline\'s signals defensively and merges them with the route\'s once each', () => {
    const life = dockerSignals('docker/events-lifecycle.json');
    const withSignals = entry({ data: { signals: [life[3], { id: 'x' }, 'junk', { ...life[2], at: 'not a time' }] } });
    expect(entrySignals(withSignals).map((s) => s.id)).toEqual([life[3]?.id]);
    expect(entrySignals(entry({ data: null }))).toEqual([]);
    const merged = mergeSignals([withSignals], life);
    expect(merged).toHaveLength(life.length);
    expect(merged.map((s) => s.at)).toEqual([...life].map((s) => s.at).sort((a, b) => ms(a) - ms(b)));
  });

  it('steps to the previous and next event inside the window', () => {
    const w = { startMs: 100, endMs: 1_000 };
    const instants = eventInstants([entry({ at: new Date(500).toISOString() })], [toReplay({ id: 's', source: 'docker', host: 'h', at: new Date(300).toISOString(), kind: 'container.die', attributes: {} }),
      toReplay({ id: 'o', source: 'docker', host: 'h', at: new Date(5_000).toISOString(), kind: 'container.die', attributes: {} })], w);
    expect(instants).toEqual([300, 500]);
    expect(stepEvent(instants, 300, 1)).toBe(500);
    expect(stepEvent(instants, 400, -1)).toBe(300);
    expect(stepEvent(instants, 300, -1)).toBeNull();
    expect(stepEvent(instants, 500, 1)).toBeNull();
  });

  it('parses the URL\'s instant: absent is live, bad is live with a note, outside the window is clamped', () => {
    const inc = incident({ openedAt: '2026-12-06T07:00:00.000Z', resolvedAt: '2026-12-06T07:05:00.000Z' });
    const w = replayWindow(inc, Date.now());
    expect(w).toEqual({ startMs: ms('2026-12-06T06:50:00.000Z'), endMs: ms('2026-12-06T07:15:00.000Z') });
    expect(parseInstant(undefined, w)).toEqual({ kind: 'live' });
    expect(parseInstant('', w)).toEqual({ kind: 'live' });
    expect(parseInstant('2026-12-06T07:01:02.345Z', w)).toEqual({ kind: 'at', ms: ms('2026-12-06T07:01:02.345Z') });
    expect(parseInstant(['2026-12-06T07:01:02Z', 'x'], w)).toEqual({ kind: 'at', ms: ms('2026-12-06T07:01:02Z') });
    for (const bad of ['yesterday', '2026-13-45T99:00:00Z', '1733468400000', '2026-12-06T07:01:02+01:00', { a: 1 }, 'x'.repeat(5_000)]) {
      const parsed = parseInstant(bad, w);
      expect(parsed.kind).toBe('invalid');
      if (parsed.kind === 'invalid') expect(parsed.note).toMatch(/showing the incident live/);
    }
    expect(parseInstant('2026-12-06T06:00:00.000Z', w)).toMatchObject({ kind: 'at', ms: w.startMs, note: expect.stringMatching(/before/) });
    expect(parseInstant('2026-12-07T00:00:00.000Z', w)).toMatchObject({ kind: 'at', ms: w.endMs, note: expect.stringMatching(/after/) });
  });
});

describe('replay in words', () => {
  it('says where the instant is relative to the opening, and what was wrong then', async () => {
    const { relativeWords, instantWords } = await import('../src/lib/replay-words.ts');
    const opened = '2026-12-06T07:00:00.000Z';
    expect(relativeWords(ms(opened), opened)).toBe('as the incident opened');
    expect(relativeWords(ms(opened) + 71, opened)).toBe('71 ms after the incident opened');
    expect(relativeWords(ms(opened) - 134_000, opened)).toBe('2 min 14 s before the incident opened');
    const life = dockerSignals('docker/events-lifecycle.json');
    const inc = incident({ openedAt: new Date(at(life, 'container.die')).toISOString() });
    const words = instantWords(replayAt(inc, [], life, at(life, 'container.die')), inc.openedAt);
    expect(words).toMatch(/UTC, as the incident opened: 1 of 1 containers not running or unhealthy, no alert firing, incident open$/);
  });
});

describe('replay shows what Vigil knew then', () => {
  it('counts a signal stored late (a late webhook, a backfill) from when it was stored, with its own time as "since"', () => {
    const [firing] = webhook('alertmanager/am-webhook-firing.json');
    if (!firing) throw new Error('no alert in the fixture');
    const late = { ...firing, receivedAt: new Date(ms(firing.at) + 30_000).toISOString() };
    expect(replayAt(open, [], [late], ms(firing.at) + 29_999).alerts).toEqual([]);
    expect(replayAt(open, [], [late], ms(firing.at) + 30_000).alerts.map((a) => a.since)).toEqual([firing.at]);
    const life = dockerSignals('docker/events-lifecycle.json');
    const dieAt = at(life, 'container.die');
    const backfilled = life.map((s) => ({ ...s, receivedAt: new Date(dieAt + 60_000).toISOString() }));
    expect(replayAt(open, [], backfilled, dieAt).containers).toEqual([]);
    expect(replayAt(open, [], backfilled, dieAt + 60_000).containers[0]?.state).toBe('dead');
  });

  it('shows a timeline entry, and steps to it, once its signals were known', () => {
    const life = dockerSignals('docker/events-lifecycle.json');
    const die = life.find((s) => s.kind === 'container.die');
    if (!die) throw new Error('no die');
    const storedAt = new Date(ms(die.at) + 5_000).toISOString();
    const e = entry({ id: 'd', at: die.at, data: { signals: [{ ...die, receivedAt: storedAt }] } });
    const inc = incident({ openedAt: die.at });
    expect(replayAt(inc, [e], [], ms(die.at) + 4_999).entriesSoFar).toBe(0);
    expect(replayAt(inc, [e], [], ms(storedAt)).entriesSoFar).toBe(1);
    expect(eventInstants([e], [], { startMs: 0, endMs: Number.MAX_SAFE_INTEGER })).toEqual([ms(storedAt)]);
  });
});
