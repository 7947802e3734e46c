import { describe, expect, it } from 'vitest';
import {
  byHost, isRestartable, isSupervisionPaused, restartOutcome, restartRefusal, stateTone, supervisionLabel, type PendingRestart,
} from '../src/lib/containers.ts';
import { container } from './fixtures.ts';

describe('restart refusals', () => {
  it('refuses viewers, in words that name the role', () => {
    expect(restartRefusal(container(), 'viewer')).toBe('Only responders and admins can restart containers; you are signed in as viewer.');
    expect(restartRefusal(container(), 'responder')).toBeNull();
    expect(restartRefusal(container(), 'admin')).toBeNull();
  });
  it('refuses a container labelled vigil.restartable=false', () => {
    expect(isRestartable(container({ restartable: false }))).toBe(false);
    expect(isRestartable(container({ restartable: true }))).toBe(true);
    expect(isRestartable(container())).toBe(true);
    expect(restartRefusal(container({ restartable: false }), 'admin')).toContain('vigil.restartable=false');
  });
});

describe('container words', () => {
  it('reads state and health in the colour language', () => {
    expect(stateTone(container())).toBe('resolved');
    expect(stateTone(container({ health: 'unhealthy' }))).toBe('critical');
    expect(stateTone(container({ state: 'exited' }))).toBe('critical');
    expect(stateTone(container({ state: 'restarting' }))).toBe('warning');
  });
  it('says whether supervision is on or paused', () => {
    expect(supervisionLabel(container())).toBe('not supervised');
    expect(supervisionLabel(container({ supervised: true }))).toBe('supervised');
    expect(supervisionLabel(container({ supervised: true, supervisionPaused: true }))).toBe('paused');
    expect(supervisionLabel(container({ supervised: true, restartable: false }))).toBe('not healed: vigil.restartable=false');
    expect(supervisionLabel(container({ supervised: true, restartable: false, supervisionPaused: true }))).toBe('paused');
    expect(isSupervisionPaused(container({ supervisionPaused: true }))).toBe(true);
  });
  it('groups per host, hosts and names sorted', () => {
    const groups = byHost([container({ id: '1', name: 'b', host: 'h2' }), container({ id: '2', name: 'z', host: 'h1' }), container({ id: '3', name: 'a', host: 'h1' })]);
    expect(groups.map((g) => [g.host, g.containers.map((c) => c.name)])).toEqual([['h1', ['a', 'z']], ['h2', ['b']]]);
  });
});

describe('restart outcome', () => {
  const pending: PendingRestart = {
    containerId: 'c0ffee000000aaaa', actionId: 'act-1', requestedAt: '2026-11-24T18:40:09.000Z',
    startedBefore: '2026-11-24T18:00:00.000Z', phase: 'restarting', message: 'restarting…',
  };
  it('is done only once Docker reports it running with a newer start', () => {
    expect(restartOutcome(pending, container({ state: 'exited' })).phase).toBe('restarting');
    expect(restartOutcome(pending, container()).phase).toBe('restarting'); // the same start as before
    const done = restartOutcome(pending, container({ startedAt: '2026-11-24T18:40:09.400Z', health: 'starting' }));
    expect(done).toMatchObject({ phase: 'done', message: 'running again (starting)' });
  });
  it('leaves a settled outcome alone', () => {
    const failed = { ...pending, phase: 'failed' as const, message: 'refused' };
    expect(restartOutcome(failed, container({ startedAt: '2026-11-24T18:41:00.000Z' }))).toBe(failed);
  });
});
