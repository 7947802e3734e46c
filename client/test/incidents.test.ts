import { describe, expect, it } from 'vitest';
import {
  ageText, compareForBoard, EMPTY_FILTER, historyQuery, matchesFilter, newerIncident, presetRange, severityGlyph, statusTone,
} from '../src/lib/incidents.ts';
import { incident } from './fixtures.ts';

describe('the board order', () => {
  it('puts the worst first, then nobody-on-it, then the longest running', () => {
    const list = [
      incident({ id: 'w', severity: 'warning', openedAt: '2026-11-24T18:00:00.000Z' }),
      incident({ id: 'c-ack', severity: 'critical', status: 'acknowledged', openedAt: '2026-11-24T17:00:00.000Z' }),
      incident({ id: 'c-new', severity: 'critical', openedAt: '2026-11-24T18:30:00.000Z' }),
      incident({ id: 'c-old', severity: 'critical', openedAt: '2026-11-24T18:10:00.000Z' }),
    ];
    expect(list.sort(compareForBoard).map((i) => i.id)).toEqual(['c-old', 'c-new', 'c-ack', 'w']);
  });
});

describe('how long', () => {
  const now = new Date('2026-11-24T18:39:25.500Z');
  it('ticks "down 2 m 14 s" while broken', () => {
    expect(ageText(incident(), now)).toBe('down 2 m 14 s');
  });
  it('says when it recovered and how long it lasted', () => {
    expect(ageText(incident({ status: 'mitigated', mitigatedAt: '2026-11-24T18:40:10.423Z' }), now)).toBe('recovered after 2 m 59 s');
    expect(ageText(incident({ status: 'resolved', resolvedAt: '2026-11-24T18:41:15.100Z' }), now)).toBe('lasted 4 m 04 s');
  });
});

describe('colour language', () => {
  it('keeps the severity tone while broken; blue mitigated, green resolved', () => {
    expect(statusTone(incident({ severity: 'warning' }))).toBe('warning');
    expect(statusTone(incident({ status: 'mitigated' }))).toBe('mitigated');
    expect(statusTone(incident({ status: 'resolved' }))).toBe('resolved');
    expect(statusTone(incident({ severity: 'info' }))).toBe('unknown');
  });
  it('never relies on colour alone: each severity has its own glyph', () => {
    expect(new Set(['critical', 'warning', 'info'].map((s) => severityGlyph(s as 'critical'))).size).toBe(3);
  });
});

describe('newer incident', () => {
  it('keeps the later lastEventAt; a tie takes the incoming one', () => {
    const old = incident({ lastEventAt: '2026-11-24T18:40:00.000Z', status: 'mitigated' });
    const stale = incident({ lastEventAt: '2026-11-24T18:39:00.000Z', status: 'open' });
    expect(newerIncident(old, stale)).toBe(old);
    const tie = incident({ lastEventAt: '2026-11-24T18:40:00.000Z', status: 'resolved' });
    expect(newerIncident(old, tie)).toBe(tie);
    expect(newerIncident(undefined, stale)).toBe(stale);
  });
});

describe('history filters', () => {
  const i = incident({ status: 'resolved', title: 'Payments API down', service: 'payments', host: 'edge-1' });
  it('matches status, service, time window and every word of the search', () => {
    expect(matchesFilter(i, EMPTY_FILTER)).toBe(true);
    expect(matchesFilter(i, { ...EMPTY_FILTER, status: 'open' })).toBe(false);
    expect(matchesFilter(incident(), { ...EMPTY_FILTER, status: 'open' })).toBe(true);
    expect(matchesFilter(i, { ...EMPTY_FILTER, service: 'backend' })).toBe(false);
    expect(matchesFilter(i, { ...EMPTY_FILTER, from: '2026-11-24T19:00:00.000Z' })).toBe(false);
    expect(matchesFilter(i, { ...EMPTY_FILTER, to: '2026-11-24T18:37:11.088Z' })).toBe(false);
    expect(matchesFilter(i, { ...EMPTY_FILTER, search: 'api EDGE' })).toBe(true);
    expect(matchesFilter(i, { ...EMPTY_FILTER, search: 'api backend' })).toBe(false);
  });
  it('asks the API for status, service and the cursor', () => {
    expect(historyQuery({ ...EMPTY_FILTER, service: 'a b' }, 50, 'c1')).toBe('/api/incidents?status=resolved&limit=50&service=a+b&cursor=c1');
    expect(historyQuery(EMPTY_FILTER, 50, null)).toBe('/api/incidents?status=resolved&limit=50');
  });
  it('turns a preset into a window ending now', () => {
    const now = new Date('2026-11-24T12:00:00.000Z');
    expect(presetRange('24h', now)).toEqual({ from: '2026-11-23T12:00:00.000Z', to: '' });
    expect(presetRange('all', now)).toEqual({ from: '', to: '' });
  });
});
