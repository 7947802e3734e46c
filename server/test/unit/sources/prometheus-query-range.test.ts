import { describe, expect, test } from 'vitest';
import { READ_BUDGETS } from '../../../src/sources/prometheus/client.ts';
import {
  parseDurationSeconds, parseTimeMs, QUERY_RANGE_LIMITS, queryRangeRequest, queryRangeResponse, queryRangeSchema, rangeBounds,
} from '../../../src/sources/prometheus/query-range.ts';

const problems = (input: Record<string, unknown>) => {
  const r = queryRangeSchema.safeParse(input);
  return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
};
const ok = { query: 'up', start: '2026-11-24T10:00:00Z', end: '2026-11-24T11:00:00Z', step: '15s' };

describe('query_range parameters', () => {
  test('times as RFC 3339 or Unix seconds, steps as durations or seconds, as Prometheus reads them', () => {
    expect(parseTimeMs('2026-11-24T10:00:00.250Z')).toBe(Date.parse('2026-11-24T10:00:00.250Z'));
    expect(parseTimeMs('2026-11-24T11:00:00+01:00')).toBe(Date.parse('2026-11-24T10:00:00Z'));
    expect(parseTimeMs('1795546294.632')).toBe(1795546294632);
    expect(parseTimeMs('yesterday')).toBeUndefined();
    expect(parseTimeMs('2026-11-24')).toBeUndefined();
    expect(parseDurationSeconds('15s')).toBe(15);
    expect(parseDurationSeconds('1m30s')).toBe(90);
    expect(parseDurationSeconds('500ms')).toBe(0.5);
    expect(parseDurationSeconds('2.5')).toBe(2.5);
    expect(parseDurationSeconds('1 minute')).toBeUndefined();
  });

  test('a good query parses to epoch ms and step seconds', () => {
    expect(queryRangeRequest(queryRangeSchema.parse(ok))).toEqual({ kind: 'query', query: 'up', start: Date.parse(ok.start), end: Date.parse(ok.end), step: 15 });
  });

  test('a named chart is built on the server from its template and the service', () => {
    const { query: _q, ...window } = ok;
    const chart = queryRangeRequest(queryRangeSchema.parse({ ...window, chart: 'up', service: 'back"end' }));
    expect(chart).toMatchObject({ kind: 'chart', chart: 'up', service: 'back"end', query: 'up{job="back\\"end"} or up{service="back\\"end"}' });
    expect(problems({ ...window, chart: 'count({__name__=~".+"})', service: 'x' })).toEqual(['chart: expected one of up, app_health, requests, errors']);
    expect(problems({ ...window, chart: 'up' })).toEqual(['service: required with chart']);
    expect(problems({ ...window, service: 'x' })).toEqual(['chart: required: one of up, app_health, requests, errors, with service']);
    expect(problems({ ...window, chart: 'up', service: 'x', query: 'up' })).toEqual(['query: give either chart (with service) or query, not both']);
    expect(problems({ ...window, chart: 'up', service: 'x'.repeat(257) })).toEqual(['service: at most 256 characters']);
  });

  test('the bytes read follow the points asked for, never past the chart budget', () => {
    const q = queryRangeSchema.parse(ok);
    const small = rangeBounds(q); // 241 points
    expect(small.maxSeries).toBe(QUERY_RANGE_LIMITS.maxSeries);
    expect(small.budget.maxBytes).toBe(200 * (241 * 64 + 4096) + 64 * 1024);
    const start = Date.parse(ok.start) / 1000;
    const wide = rangeBounds(queryRangeSchema.parse({ ...ok, start: String(start), end: String(start + 10_999), step: '1s' }));
    expect(wide.budget).toEqual(READ_BUDGETS.chart);
  });

  test('each bad or missing field is named', () => {
    expect(problems({ ...ok, query: ' ' })).toEqual(['query: required']);
    expect(problems({ ...ok, query: undefined })).toEqual(['chart: required: one of up, app_health, requests, errors, with service']);
    expect(problems({ ...ok, start: 'soon' })).toEqual(['start: expected an RFC 3339 time or Unix seconds']);
    expect(problems({ ...ok, step: '0s' })).toEqual(['step: expected a positive duration such as 15s or 1m, or seconds']);
    expect(problems({ ...ok, step: ['15s', '30s'] })).toEqual(['step: expected one value']);
    expect(problems({ ...ok, end: '2026-11-24T09:00:00Z' })).toEqual(['end: must not be before start']);
  });

  test('at most 7 days and 11,000 points per series', () => {
    const start = Date.parse(ok.start) / 1000;
    expect(problems({ ...ok, start: String(start), end: String(start + 7 * 86_400), step: '60s' })).toEqual([]);
    expect(problems({ ...ok, start: String(start), end: String(start + 7 * 86_400 + 1), step: '60s' }))
      .toEqual(['end: the range from start to end may span at most 7 days']);
    const maxSpan = (QUERY_RANGE_LIMITS.maxPoints - 1) * 10;
    expect(problems({ ...ok, start: String(start), end: String(start + maxSpan), step: '10s' })).toEqual([]);
    expect(problems({ ...ok, start: String(start), end: String(start + maxSpan + 10), step: '10s' })[0])
      .toMatch(/^step: gives 11001 points per series; at most 11000 — use a step of at least 11s$/);
  });
});

describe('queryRangeResponse', () => {
  test('ISO times; NaN and infinities, which JSON cannot carry, as null', () => {
    const q = queryRangeRequest(queryRangeSchema.parse(ok));
    const t = Date.parse(ok.start);
    expect(queryRangeResponse(q, [{ labels: { __name__: 'up', job: 'backend' }, samples: [{ t, v: 1 }, { t: t + 15_000, v: Number.NaN }, { t: t + 30_000, v: Number.POSITIVE_INFINITY }] }])).toEqual({
      query: 'up', start: '2026-11-24T10:00:00.000Z', end: '2026-11-24T11:00:00.000Z', stepSeconds: 15,
      series: [{ labels: { __name__: 'up', job: 'backend' }, points: [['2026-11-24T10:00:00.000Z', 1], ['2026-11-24T10:00:15.000Z', null], ['2026-11-24T10:00:30.000Z', null]] }],
    });
  });
});
