import { describe, expect, it } from 'vitest';
import {
  elapsedSince, formatDuration, formatLocalTitle, formatUtcDateTime, formatUtcShort, formatUtcTime, laterIso, toDate,
} from '../src/lib/time.ts';

const T = '2026-11-24T03:12:44.123Z';

describe('UTC formatting', () => {
  it('writes the clock in UTC, with ms when asked', () => {
    expect(formatUtcTime(T)).toBe('03:12:44 UTC');
    expect(formatUtcTime(T, { ms: true })).toBe('03:12:44.123 UTC');
    expect(formatUtcTime('2026-01-02T00:00:00.007Z', { ms: true })).toBe('00:00:00.007 UTC');
  });

  it('writes a full sortable stamp', () => {
    expect(formatUtcDateTime(T)).toBe('2026-11-24 03:12:44.123 UTC');
    expect(formatUtcDateTime(T, { ms: false })).toBe('2026-11-24 03:12:44 UTC');
  });

  it('keeps an offset time in UTC', () => {
    expect(formatUtcTime('2026-11-24T04:12:44.123+01:00')).toBe('03:12:44 UTC');
  });

  it('shows only the clock for today (UTC) and the date otherwise', () => {
    const now = new Date('2026-11-24T23:59:00Z');
    expect(formatUtcShort(T, now)).toBe('03:12:44 UTC');
    expect(formatUtcShort('2026-11-23T22:00:00Z', now)).toBe('2026-11-23 22:00:00 UTC');
  });

  it('answers a dash for something that is not a time', () => {
    expect(toDate('yesterday-ish')).toBeNull();
    expect(formatUtcTime('nope')).toBe('—');
    expect(formatUtcDateTime('')).toBe('—');
    expect(formatLocalTitle('nope')).toBe('');
  });
});

describe('local time for the hover title', () => {
  it('names the zone and keeps the milliseconds', () => {
    expect(formatLocalTitle(T, 'Europe/Berlin')).toBe('Local 2026-11-24 04:12:44.123 (Europe/Berlin, GMT+01:00) · 2026-11-24 03:12:44.123 UTC');
  });

  it('crosses the date line correctly', () => {
    expect(formatLocalTitle('2026-11-24T00:00:00.000Z', 'UTC')).toContain('Local 2026-11-24 00:00:00.000 (UTC');
    expect(formatLocalTitle(T, 'America/Los_Angeles')).toContain('Local 2026-11-23 19:12:44.123 (America/Los_Angeles, GMT-08:00)');
  });
});

describe('durations', () => {
  it.each([
    [0, '0 ms'],
    [850, '850 ms'],
    [42_000, '42 s'],
    [134_000, '2 m 14 s'],
    [3_600_000 + 5 * 60_000, '1 h 05 m'],
    [2 * 86_400_000 + 4 * 3_600_000, '2 d 4 h'],
    [-5, '0 ms'],
    [Number.NaN, '—'],
  ])('%d ms reads "%s"', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });

  it('says 0 s rather than ms for a ticking seconds display', () => {
    expect(formatDuration(420, { unit: 's' })).toBe('0 s');
    expect(formatDuration(1_420, { unit: 's' })).toBe('1 s');
  });

  it('measures from a time to now', () => {
    expect(elapsedSince('2026-11-24T03:10:30Z', new Date('2026-11-24T03:12:44Z'))).toBe(134_000);
    expect(elapsedSince('nope')).toBeNaN();
  });
});

describe('laterIso', () => {
  it('keeps the later time and ignores missing or invalid ones', () => {
    expect(laterIso('2026-11-24T03:00:00.000Z', '2026-11-24T03:00:00.001Z')).toBe('2026-11-24T03:00:00.001Z');
    expect(laterIso('2026-11-24T04:00:00Z', '2026-11-24T03:00:00Z')).toBe('2026-11-24T04:00:00Z');
    expect(laterIso(null, T)).toBe(T);
    expect(laterIso(T, undefined)).toBe(T);
    expect(laterIso('garbage', T)).toBe(T);
    expect(laterIso(null, null)).toBeNull();
  });
});
