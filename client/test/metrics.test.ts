import { describe, expect, it } from 'vitest';
import {
  chartPath, chartRequests, downBands, formatValue, incidentMarkers, incidentWindow, stepSeconds, tickLabel, timeTicks, toChartSeries,
} from '../src/lib/metrics.ts';

describe('chart requests', () => {
  it('names up, app_health, requests and 5xx: the page sends no PromQL', () => {
    expect(chartRequests().map((c) => c.chart)).toEqual(['up', 'app_health', 'requests', 'errors']);
  });
  it('builds the query_range path from the chart, the service, RFC 3339 times and a step', () => {
    const path = chartPath('up', 'back"end', { startMs: Date.parse('2026-11-24T18:35:00.000Z'), endMs: Date.parse('2026-11-24T18:45:00.000Z') }, 3);
    expect(path).toBe('/api/metrics/query_range?chart=up&service=back%22end&start=2026-11-24T18%3A35%3A00.000Z&end=2026-11-24T18%3A45%3A00.000Z&step=3s');
    expect(path).not.toContain('query=');
  });
});

describe('the window', () => {
  it('covers the incident plus context, never past now', () => {
    const i = { openedAt: '2026-11-24T18:37:11.163Z', resolvedAt: '2026-11-24T18:41:15.100Z' };
    const w = incidentWindow(i, '2026-11-24T18:37:11.088Z', Date.parse('2026-11-24T19:00:00.000Z'));
    // 4 min 04 s long: a quarter of that (61 s) on each side.
    expect(new Date(w.startMs).toISOString()).toBe('2026-11-24T18:36:10.085Z');
    expect(new Date(w.endMs).toISOString()).toBe('2026-11-24T18:42:16.103Z');
    const open = incidentWindow({ openedAt: '2026-11-24T18:37:11.163Z' }, undefined, Date.parse('2026-11-24T18:38:00.000Z'));
    expect(open.endMs).toBe(Date.parse('2026-11-24T18:38:00.000Z'));
    expect(stepSeconds(w)).toBe(2);
    const short = incidentWindow({ openedAt: '2026-11-24T18:37:11.000Z', resolvedAt: '2026-11-24T18:37:13.000Z' }, undefined, Date.parse('2026-11-24T19:00:00.000Z'));
    expect(short.endMs - short.startMs).toBe(122_000); // at least a minute of context on each side
  });
  it('ticks on round UTC times', () => {
    const ticks = timeTicks(Date.parse('2026-11-24T18:35:11.088Z'), Date.parse('2026-11-24T18:43:15.100Z'));
    // 8 minutes: every 2 minutes.
    expect(ticks.map((t) => tickLabel(t, 8 * 60_000))).toEqual(['18:36:00', '18:38:00', '18:40:00', '18:42:00']);
    expect(tickLabel(Date.parse('2026-11-24T18:36:00.000Z'), 3_600_000)).toBe('18:36');
    expect(timeTicks(5, 5)).toEqual([]);
  });
});

describe('series and marks', () => {
  it('turns an answer into chart points; nulls stay gaps', () => {
    const series = toChartSeries('up', { query: 'up', stepSeconds: 1, series: [{ labels: { instance: 'a' }, points: [['2026-11-24T18:37:00.000Z', 1], ['2026-11-24T18:37:01.000Z', null]] }] });
    expect(series).toEqual([{ label: 'up', points: [{ x: Date.parse('2026-11-24T18:37:00.000Z'), y: 1 }, { x: Date.parse('2026-11-24T18:37:01.000Z'), y: null }] }]);
  });
  it('marks opened, mitigated and resolved; bands the down intervals', () => {
    expect(incidentMarkers({ openedAt: '2026-11-24T18:37:11.163Z', mitigatedAt: '2026-11-24T18:40:10.423Z' }).map((m) => m.label)).toEqual(['opened', 'mitigated']);
    expect(downBands([{ from: '2026-11-24T18:37:11.088Z', to: '2026-11-24T18:40:10.423Z' }, { from: 'x', to: 'y' }])).toEqual([
      { fromMs: Date.parse('2026-11-24T18:37:11.088Z'), toMs: Date.parse('2026-11-24T18:40:10.423Z') },
    ]);
  });
  it('prints values briefly', () => {
    expect(formatValue(0)).toBe('0');
    expect(formatValue(1234.5)).toBe('1235');
    expect(formatValue(0.5)).toBe('0.5');
    expect(formatValue(0.0012)).toBe('0.0012');
  });
});
