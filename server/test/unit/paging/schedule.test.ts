// On-call schedules: hand-offs keep their wall-clock time across daylight-saving changes, overrides
// win, the rotation counts backwards before its first hand-off, and the 14-day view adds up.
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import type { Rotation, Schedule } from '../../../src/contract/index.ts';
import { MAX_SHIFTS, ScheduleError, canonicalTimeZone, onCallAt, shifts, wallClockToInstant } from '../../../src/paging/schedule.ts';

function schedule(timeZone: string, rotations: Rotation[], overrides: Schedule['overrides'] = []): Schedule {
  return { id: 'sch_1', name: 'primary', timeZone, rotations, overrides, createdAt: '2026-01-01T00:00:00Z', updatedAt: '2026-01-01T00:00:00Z' };
}

const at = (iso: string) => new Date(iso);
const starts = (list: ReturnType<typeof shifts>) => list.map((s) => s.start);

describe('a daily 09:00 hand-off keeps 09:00 across daylight saving', () => {
  test('Europe/Berlin, spring forward (29 March 2026): 08:00Z while CET, 07:00Z once CEST', () => {
    const s = schedule('Europe/Berlin', [{ users: ['alice', 'bob', 'carol'], handoffAt: '2026-03-26T09:00', shiftHours: 24 }]);
    const view = shifts(s, at('2026-03-26T08:00:00Z'), 5);
    expect(view).toEqual([
      { userId: 'alice', start: '2026-03-26T08:00:00.000Z', end: '2026-03-27T08:00:00.000Z', override: false },
      { userId: 'bob', start: '2026-03-27T08:00:00.000Z', end: '2026-03-28T08:00:00.000Z', override: false },
      // The night the clocks skip an hour: this shift lasts 23 hours.
      { userId: 'carol', start: '2026-03-28T08:00:00.000Z', end: '2026-03-29T07:00:00.000Z', override: false },
      { userId: 'alice', start: '2026-03-29T07:00:00.000Z', end: '2026-03-30T07:00:00.000Z', override: false },
      { userId: 'bob', start: '2026-03-30T07:00:00.000Z', end: '2026-03-31T07:00:00.000Z', override: false },
      // The view is 5 × 24 real hours from 08:00Z; 09:00 CEST is 07:00Z, so one more hand-off fits.
      { userId: 'carol', start: '2026-03-31T07:00:00.000Z', end: '2026-03-31T08:00:00.000Z', override: false },
    ]);
    expect(onCallAt(s, at('2026-03-29T06:59:59Z'))).toEqual(['carol']); // 08:59:59 CEST
    expect(onCallAt(s, at('2026-03-29T07:00:00Z'))).toEqual(['alice']); // 09:00 CEST
  });

  test('Europe/Berlin, fall back (25 October 2026): the shift across it lasts 25 hours', () => {
    const s = schedule('Europe/Berlin', [{ users: ['alice', 'bob'], handoffAt: '2026-10-24T09:00', shiftHours: 24 }]);
    expect(shifts(s, at('2026-10-24T07:00:00Z'), 2)).toEqual([
      { userId: 'alice', start: '2026-10-24T07:00:00.000Z', end: '2026-10-25T08:00:00.000Z', override: false },
      { userId: 'bob', start: '2026-10-25T08:00:00.000Z', end: '2026-10-26T07:00:00.000Z', override: false },
    ]);
    expect(onCallAt(s, at('2026-10-25T07:30:00Z'))).toEqual(['alice']); // 08:30 CET
    expect(onCallAt(s, at('2026-10-25T08:00:00Z'))).toEqual(['bob']);
  });

  test('America/New_York, both changes (8 March and 1 November 2026)', () => {
    const s = schedule('America/New_York', [{ users: ['ann', 'ben'], handoffAt: '2026-03-07T09:00', shiftHours: 24 }]);
    expect(starts(shifts(s, at('2026-03-07T14:00:00Z'), 3))).toEqual(['2026-03-07T14:00:00.000Z', '2026-03-08T13:00:00.000Z', '2026-03-09T13:00:00.000Z', '2026-03-10T13:00:00.000Z']);
    expect(starts(shifts(s, at('2026-10-31T13:00:00Z'), 3))).toEqual(['2026-10-31T13:00:00.000Z', '2026-11-01T14:00:00.000Z', '2026-11-02T14:00:00.000Z']);
    // 239 days after the first hand-off: an odd number, so ben; until 09:00 EST, still ann.
    expect(onCallAt(s, at('2026-11-01T13:59:59Z'))).toEqual(['ann']);
    expect(onCallAt(s, at('2026-11-01T14:00:00Z'))).toEqual(['ben']);
  });

  test('a weekly rotation hands off on the same weekday and hour', () => {
    const s = schedule('Europe/Berlin', [{ users: ['alice', 'bob'], handoffAt: '2026-03-23T10:00', shiftHours: 168 }]);
    expect(shifts(s, at('2026-03-23T09:00:00Z'), 14).map((x) => [x.userId, x.start])).toEqual([
      ['alice', '2026-03-23T09:00:00.000Z'],
      ['bob', '2026-03-30T08:00:00.000Z'],
      // 14 × 24 real hours from 09:00Z: 10:00 CEST (08:00Z) on 6 April is inside.
      ['alice', '2026-04-06T08:00:00.000Z'],
    ]);
  });
});

test('a shift of 12 hours is 12 real hours: across the change its wall-clock hand-off moves', () => {
  const s = schedule('America/New_York', [{ users: ['day', 'night'], handoffAt: '2026-03-07T20:00', shiftHours: 12 }]);
  const view = shifts(s, at('2026-03-08T01:00:00Z'), 2);
  expect(view.map((x) => [x.userId, x.start, x.end])).toEqual([
    ['day', '2026-03-08T01:00:00.000Z', '2026-03-08T13:00:00.000Z'], // 20:00 EST → 09:00 EDT
    ['night', '2026-03-08T13:00:00.000Z', '2026-03-09T01:00:00.000Z'],
    ['day', '2026-03-09T01:00:00.000Z', '2026-03-09T13:00:00.000Z'],
    ['night', '2026-03-09T13:00:00.000Z', '2026-03-10T01:00:00.000Z'],
  ]);
});

test('a hand-off in the skipped hour happens after the gap; one in the repeated hour, the first time', () => {
  const berlin = 'Europe/Berlin';
  expect(new Date(wallClockToInstant(berlin, Date.UTC(2026, 2, 29, 2, 30))).toISOString()).toBe('2026-03-29T01:30:00.000Z'); // 03:30 CEST
  expect(new Date(wallClockToInstant(berlin, Date.UTC(2026, 9, 25, 2, 30))).toISOString()).toBe('2026-10-25T00:30:00.000Z'); // 02:30 CEST
  const s = schedule(berlin, [{ users: ['a', 'b'], handoffAt: '2026-03-28T02:30', shiftHours: 24 }]);
  expect(starts(shifts(s, at('2026-03-28T01:30:00Z'), 3))).toEqual(['2026-03-28T01:30:00.000Z', '2026-03-29T01:30:00.000Z', '2026-03-30T00:30:00.000Z', '2026-03-31T00:30:00.000Z']);
});

test('before the first hand-off the rotation counts backwards', () => {
  const s = schedule('UTC', [{ users: ['a', 'b', 'c'], handoffAt: '2026-12-07T09:00', shiftHours: 24 }]);
  expect(onCallAt(s, at('2026-12-07T09:00:00Z'))).toEqual(['a']);
  expect(onCallAt(s, at('2026-12-07T08:59:59Z'))).toEqual(['c']);
  expect(onCallAt(s, at('2026-12-05T10:00:00Z'))).toEqual(['b']);
  expect(onCallAt(s, at('2026-12-04T10:00:00Z'))).toEqual(['a']);
  expect(shifts(s, at('2026-12-06T00:00:00Z'), 2).map((x) => [x.userId, x.start, x.end])).toEqual([
    ['b', '2026-12-06T00:00:00.000Z', '2026-12-06T09:00:00.000Z'],
    ['c', '2026-12-06T09:00:00.000Z', '2026-12-07T09:00:00.000Z'],
    ['a', '2026-12-07T09:00:00.000Z', '2026-12-08T00:00:00.000Z'],
  ]);
});

describe('overrides', () => {
  const s = schedule('Europe/Berlin', [
    { users: ['alice', 'bob'], handoffAt: '2026-12-07T09:00', shiftHours: 24 },
    { users: ['sre1'], handoffAt: '2026-12-07T09:00', shiftHours: 24 },
  ], [{ userId: 'dave', start: '2026-12-08T12:00:00+01:00', end: '2026-12-08T18:00:00+01:00' }]);

  test('an override covering the instant wins over every rotation', () => {
    expect(onCallAt(s, at('2026-12-08T10:59:59Z'))).toEqual(['bob', 'sre1']);
    expect(onCallAt(s, at('2026-12-08T11:00:00Z'))).toEqual(['dave']);
    expect(onCallAt(s, at('2026-12-08T16:59:59Z'))).toEqual(['dave']);
    expect(onCallAt(s, at('2026-12-08T17:00:00Z'))).toEqual(['bob', 'sre1']);
  });

  test('the view cuts the override out of the rotations\' shifts', () => {
    const view = shifts(s, at('2026-12-08T08:00:00Z'), 1);
    expect(view).toEqual([
      { userId: 'bob', start: '2026-12-08T08:00:00.000Z', end: '2026-12-08T11:00:00.000Z', override: false },
      { userId: 'sre1', start: '2026-12-08T08:00:00.000Z', end: '2026-12-08T11:00:00.000Z', override: false },
      { userId: 'dave', start: '2026-12-08T11:00:00.000Z', end: '2026-12-08T17:00:00.000Z', override: true },
      { userId: 'bob', start: '2026-12-08T17:00:00.000Z', end: '2026-12-09T08:00:00.000Z', override: false },
      { userId: 'sre1', start: '2026-12-08T17:00:00.000Z', end: '2026-12-09T08:00:00.000Z', override: false },
    ]);
  });

  test('two rotations naming the same person: once', () => {
    const both = schedule('UTC', [
      { users: ['alice'], handoffAt: '2026-12-07T09:00', shiftHours: 24 },
      { users: ['alice', 'bob'], handoffAt: '2026-12-07T09:00', shiftHours: 24 },
    ]);
    expect(onCallAt(both, at('2026-12-07T10:00:00Z'))).toEqual(['alice']);
  });

  test('no rotation and no override: nobody', () => {
    expect(onCallAt(schedule('UTC', []), at('2026-12-07T10:00:00Z'))).toEqual([]);
  });
});

test('the 14-day view: back to back, taking turns, 14 days in all', () => {
  const s = schedule('America/New_York', [{ users: ['a', 'b', 'c'], handoffAt: '2026-10-20T09:00', shiftHours: 24 }]);
  const from = at('2026-10-25T12:00:00Z');
  const view = shifts(s, from, 14);
  expect(view).toHaveLength(15); // a partial shift at each end
  expect(view[0]?.start).toBe(from.toISOString());
  expect(view.at(-1)?.end).toBe('2026-11-08T12:00:00.000Z');
  for (let i = 1; i < view.length; i += 1) {
    expect(view[i]?.start).toBe(view[i - 1]?.end);
    expect(view[i]?.userId).not.toBe(view[i - 1]?.userId);
  }
  // Every hand-off inside the view is at 09:00 New York time, EDT or EST.
  const local = new Intl.DateTimeFormat('en-US', { timeZone: 'America/New_York', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
  expect(new Set(view.slice(1).map((x) => local.format(new Date(x.start))))).toEqual(new Set(['09:00']));
});

test('who is on call is who holds the shift in the view, at any instant (property)', () => {
  const s = schedule('Europe/Berlin', [
    { users: ['a', 'b', 'c'], handoffAt: '2026-03-01T09:00', shiftHours: 24 },
    { users: ['x', 'y'], handoffAt: '2026-03-01T20:00', shiftHours: 7 },
  ], [{ userId: 'o', start: '2026-03-29T00:00:00Z', end: '2026-03-29T05:00:00Z' }]);
  const from = at('2026-03-20T00:00:00Z');
  const view = shifts(s, from, 31);
  fc.assert(fc.property(fc.integer({ min: 0, max: 31 * 86_400_000 - 1 }), (offset) => {
    const t = from.getTime() + offset;
    const holding = view.filter((x) => Date.parse(x.start) <= t && t < Date.parse(x.end)).map((x) => x.userId);
    expect(onCallAt(s, new Date(t)).sort()).toEqual([...new Set(holding)].sort());
  }), { numRuns: 300 });
});

describe('bounds and bad input', () => {
  test('an unknown time zone is a ScheduleError naming timeZone', () => {
    const s = schedule('Mars/Olympus_Mons', [{ users: ['a'], handoffAt: '2026-12-07T09:00', shiftHours: 24 }]);
    expect(() => onCallAt(s, at('2026-12-07T10:00:00Z'))).toThrow(ScheduleError);
    try {
      onCallAt(s, at('2026-12-07T10:00:00Z'));
    } catch (err) {
      expect((err as ScheduleError).field).toBe('timeZone');
    }
    expect(() => canonicalTimeZone('+01:00')).toThrow(/IANA/);
    expect(canonicalTimeZone('europe/berlin')).toBe('Europe/Berlin');
  });

  test('a bad hand-off names its rotation', () => {
    const s = schedule('UTC', [{ users: ['a'], handoffAt: '2026-02-30T09:00', shiftHours: 24 }]);
    expect(() => onCallAt(s, at('2026-12-07T10:00:00Z'))).toThrow(expect.objectContaining({ field: 'rotations.0.handoffAt' }));
  });

  test('days: 1 to 31', () => {
    const s = schedule('UTC', []);
    expect(() => shifts(s, at('2026-12-07T10:00:00Z'), 32)).toThrow(expect.objectContaining({ field: 'days' }));
    expect(() => shifts(s, at('2026-12-07T10:00:00Z'), 0)).toThrow(ScheduleError);
    expect(() => shifts(s, new Date(Number.NaN), 1)).toThrow(expect.objectContaining({ field: 'at' }));
  });

  test('at most 2,000 shifts, the earliest', () => {
    const hourly = Array.from({ length: 10 }, (_, i) => ({ users: [`u${i}`, `v${i}`], handoffAt: '2026-12-01T00:00', shiftHours: 1 }));
    const view = shifts(schedule('UTC', hourly), at('2026-12-01T00:00:00Z'), 31);
    expect(view).toHaveLength(MAX_SHIFTS);
    expect(view.at(-1)?.start).toBe('2026-12-09T07:00:00.000Z'); // 200 hours of 10 rotations
  });
});
