import { describe, expect, it } from 'vitest';
import { containerList, isIncident, isIncidentAnalytics, isIncidentWithTimeline, isRangeAnswer, isStatsResponse, isTimelineEntry } from '../src/lib/wire.ts';
import { container, entry, incident } from './fixtures.ts';

describe('wire shapes', () => {
  it('accepts an incident and refuses a wrong status or a missing field', () => {
    expect(isIncident(incident())).toBe(true);
    expect(isIncident({ ...incident(), status: 'burning' })).toBe(false);
    expect(isIncident({ ...incident(), sources: [1] })).toBe(false);
    const { service: _service, ...noService } = incident();
    expect(isIncident(noService)).toBe(false);
  });
  it('accepts a timeline entry with any data, not an unknown source', () => {
    expect(isTimelineEntry(entry({ data: null }))).toBe(true);
    expect(isTimelineEntry({ ...entry(), source: 'cron' })).toBe(false);
  });
  it('reads the detail answer with its timeline; analytics apart', () => {
    expect(isIncidentWithTimeline({ ...incident(), timeline: [entry()] })).toBe(true);
    expect(isIncidentWithTimeline({ ...incident(), timeline: [{ id: 1 }] })).toBe(false);
    expect(isIncidentAnalytics({ incidentId: 'i', firstFailureAt: 'a', detectedAt: 'b', path: [], timeToDetectMs: 1, timeToAcknowledgeMs: null, timeToMitigateMs: null, timeToResolveMs: null, downtimeMs: 0, down: [] })).toBe(true);
    expect(isIncidentAnalytics({ incidentId: 'i' })).toBe(false);
  });
  it('keeps the containers that have the contract shape', () => {
    expect(containerList([container(), { id: 'x' }])).toHaveLength(1);
    expect(containerList({ items: [container()] })).toHaveLength(1);
    expect(containerList('nope')).toBeNull();
  });
  it('checks stats and query_range answers', () => {
    expect(isStatsResponse({ from: 'a', to: 'b', service: null, services: [{ service: 's', incidents: 1, acknowledged: 0, resolved: 0, mttaMs: null, mttrMs: 5, totalDowntimeMs: 3 }], incidents: [] })).toBe(true);
    expect(isStatsResponse({ from: 'a', to: 'b', services: [{ service: 's' }], incidents: [] })).toBe(false);
    expect(isRangeAnswer({ query: 'up', start: 'a', end: 'b', stepSeconds: 1, series: [{ labels: { job: 'x' }, points: [['t', 1], ['t', null]] }] })).toBe(true);
    expect(isRangeAnswer({ query: 'up', stepSeconds: 1, series: [{ labels: {}, points: [['t', '1']] }] })).toBe(false);
  });
});
