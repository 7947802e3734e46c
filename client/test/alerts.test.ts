import { describe, expect, it } from 'vitest';
import { alertQuery, isAlertList, parseAlertSearch, periodSpan } from '../src/lib/alerts.ts';

describe('the alert search box', () => {
  it('splits service, alert name, label pairs and free text', () => {
    expect(parseAlertSearch('  service=api alertname=HighCpu team=core zone=eu disk  full ')).toEqual({
      service: 'api', alertname: 'HighCpu', labels: [['team', 'core'], ['zone', 'eu']], text: 'disk full',
    });
    expect(parseAlertSearch('')).toEqual({ labels: [] });
    // Not a label term: no name, a bad name, or no value.
    expect(parseAlertSearch('=x 1a=b team=')).toEqual({ labels: [], text: '=x 1a=b team=' });
    // A value may hold "=".
    expect(parseAlertSearch('expr=a=b')).toEqual({ labels: [['expr', 'a=b']] });
  });

  it('becomes the API query, labels repeated', () => {
    const q = alertQuery(parseAlertSearch('service=api team=core zone=eu x'), { limit: 50 });
    expect(q).toBe('service=api&label=team%3Dcore&label=zone%3Deu&q=x&limit=50');
  });
});

describe('alert answers and bars', () => {
  it('accepts the API shape and refuses others', () => {
    const item = { fingerprint: 'f', alertname: 'A', labels: {}, firstSeenAt: 'x', lastSeenAt: 'x', firingNow: false, firings: 0, periods: [], morePeriods: 0, incidents: [] };
    expect(isAlertList({ items: [item], nextCursor: null, from: 'a', to: 'b' })).toBe(true);
    expect(isAlertList({ items: [{ ...item, periods: [{}] }], nextCursor: null, from: 'a', to: 'b' })).toBe(false);
    expect(isAlertList({ items: 'x', nextCursor: null, from: 'a', to: 'b' })).toBe(false);
  });

  it('places a period on the window, clipped, never invisible', () => {
    const from = '2026-12-01T00:00:00.000Z';
    const to = '2026-12-02T00:00:00.000Z';
    expect(periodSpan({ startsAt: '2026-12-01T06:00:00.000Z', endsAt: '2026-12-01T12:00:00.000Z' }, from, to)).toEqual({ left: 25, width: 25 });
    expect(periodSpan({ startsAt: '2026-11-30T00:00:00.000Z' }, from, to)).toEqual({ left: 0, width: 100 });
    expect(periodSpan({ startsAt: '2026-12-01T12:00:00.000Z', endsAt: '2026-12-01T12:00:01.000Z' }, from, to).width).toBe(0.4);
  });
});
