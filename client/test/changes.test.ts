import { describe, expect, it } from 'vitest';
import type { SuspectedChange } from '@vigil/server/contract';
import { changeSummary } from '../src/lib/changes.ts';
import { incidentMarkers, shortImage } from '../src/lib/metrics.ts';

const change: SuspectedChange = {
  signalId: 'chg_1', at: '2026-11-24T18:33:11.000Z', containerId: 'abc', oldImage: 'registry.example:5000/team/backend:v1',
  newImage: 'registry.example:5000/team/backend:v2', changed: ['image'], changedBy: 'alice', beforeMs: 240_000,
};

describe('a suspected change', () => {
  it('is a marker on the charts, named by the image it went to', () => {
    const markers = incidentMarkers({ openedAt: '2026-11-24T18:37:11.000Z', suspectedChange: change });
    expect(markers).toContainEqual({ atMs: Date.parse(change.at), label: 'change → backend:v2', tone: 'change' });
    expect(incidentMarkers({ openedAt: '2026-11-24T18:37:11.000Z' }).some((m) => m.tone === 'change')).toBe(false);
  });

  it('shortens image references for a chart label', () => {
    expect(shortImage('backend:v2')).toBe('backend:v2');
    expect(shortImage('sha256:0a1c572c473774935ce731c06dc753b0')).toBe('0a1c572c4737');
    expect(shortImage(undefined)).toBe('?');
  });

  it('reads as old → new, how long before it broke, and by whom', () => {
    expect(changeSummary(change)).toBe('registry.example:5000/team/backend:v1 → registry.example:5000/team/backend:v2, 4 m 00 s before it broke (by alice)');
  });
});
