// Figures checked against hand-computed ones for recorded sequences.
import { describe, expect, test } from 'vitest';
import type { IncidentWithTimeline } from '../../../src/contract/index.ts';
import { incidentAnalytics, statsResponse } from '../../../src/domain/analytics.ts';
import { project } from '../../../src/domain/engine.ts';
import type { Signal } from '../../../src/domain/signal.ts';
import { ENGINE_OPTIONS, byKind, received, recordedDocker, seedOutage, twoServices } from './sequences.ts';

function stored(signals: Signal[], now: string): IncidentWithTimeline[] {
  const { incidents, timelines } = project(signals, { ...ENGINE_OPTIONS, now });
  return incidents.map((i) => ({ ...i, timeline: timelines[i.id] ?? [] }));
}

/** The recorded kill and die of the seed once more, the die at `dieAt` (a second outage of backend). */
function secondOutage(dieAt: string): Signal[] {
  const docker = recordedDocker('recorded/seed-backend-killed.json');
  const die = byKind(docker, 'container.die');
  const shift = Date.parse(dieAt) - Date.parse(die.at);
  return [byKind(docker, 'container.kill'), die].map((s) => {
    const at = new Date(Date.parse(s.at) + shift).toISOString();
    return received({ ...s, id: `${s.id}-2`, at }, at);
  });
}

describe('the seed outage, hop by hop', () => {
  const [seed] = stored(seedOutage(), '2026-11-24T18:50:00.000Z');
  const a = incidentAnalytics(seed as IncidentWithTimeline, '2026-11-24T18:50:00.000Z');

  test('the detection path', () => {
    // kill 11.088 → die received 11.163 (40 ms after the 11.123 event) → BackendDown pending 26.100 →
    // webhook 41.300 → alice acknowledges 18:38:40.000 → restart 18:40:09.000 → healthy 18:40:10.423 →
    // resolved 60 s after the alert resolved at 18:40:15.100.
    expect(a.path.map((h) => [h.hop, h.at, h.sinceFirstFailureMs, h.sincePreviousMs])).toEqual([
      ['first_failure', '2026-11-24T18:37:11.088Z', 0, 0],
      ['docker_event', '2026-11-24T18:37:11.163Z', 75, 75],
      ['alert_pending', '2026-11-24T18:37:26.100Z', 15_012, 14_937],
      ['alert_firing', '2026-11-24T18:37:26.100Z', 15_012, 0],
      ['webhook_received', '2026-11-24T18:37:41.300Z', 30_212, 15_200],
      ['acknowledged', '2026-11-24T18:38:40.000Z', 88_912, 58_700],
      ['restart', '2026-11-24T18:40:09.000Z', 177_912, 89_000],
      ['healthy', '2026-11-24T18:40:10.423Z', 179_335, 1_423],
      ['resolved', '2026-11-24T18:41:15.100Z', 244_012, 64_677],
    ]);
    expect(a.path[0]?.detail).toBe('backend container died — killed (signal 9, exit 137)');
    expect(a.path[6]?.detail).toBe('restart requested by alice');
  });

  test('times to detect, acknowledge, mitigate, resolve; downtime', () => {
    expect(a).toMatchObject({
      firstFailureAt: '2026-11-24T18:37:11.088Z',
      detectedAt: '2026-11-24T18:37:11.163Z',
      timeToDetectMs: 75, // 11.163 − 11.088
      timeToAcknowledgeMs: 88_837, // 18:38:40.000 − 18:37:11.163
      timeToMitigateMs: 179_335, // 18:40:10.423 − 18:37:11.088
      timeToResolveMs: 244_012, // 18:41:15.100 − 18:37:11.088
      downtimeMs: 179_335,
      down: [{ from: '2026-11-24T18:37:11.088Z', to: '2026-11-24T18:40:10.423Z' }],
      flaps: 0,
    });
  });
});

test('a flapping incident is down twice', () => {
  const [incident] = stored(recordedDocker('events-lifecycle.json'), '2026-11-24T00:41:00.000Z');
  const a = incidentAnalytics(incident as IncidentWithTimeline, '2026-11-24T00:41:00.000Z');
  // kill 36.773 → restarted 37.391; again from the second death 38.524 until now (00:41:00.000).
  expect(a.down).toEqual([
    { from: '2026-11-24T00:40:36.773Z', to: '2026-11-24T00:40:37.391Z' },
    { from: '2026-11-24T00:40:38.524Z', to: '2026-11-24T00:41:00.000Z' },
  ]);
  expect(a.downtimeMs).toBe(618 + 21_476);
  expect(a.flaps).toBe(1);
  expect(a.timeToResolveMs).toBeNull();
});

describe('GET /api/stats over a window', () => {
  const now = '2026-11-24T18:50:00.000Z';
  const incidents = stored([...seedOutage(), ...secondOutage('2026-11-24T18:45:00.000Z'), ...twoServices()], now);

  test('per service: count, MTTA, MTTR, downtime', () => {
    const stats = statsResponse({ incidents, from: '2026-11-24T18:30:00.000Z', to: '2026-11-24T19:00:00.000Z', now });
    expect(stats.services).toEqual([
      // seed: TTA 88 837, TTR 244 012, down 179 335; second: open, down from the kill at 18:44:59.965 until now = 300 035.
      { service: 'backend', incidents: 2, acknowledged: 1, resolved: 1, mttaMs: 88_837, mttrMs: 244_012, totalDowntimeMs: 479_370 },
      // cart: kill 48.001 → healthy 51.364 (3 363), resolved 60 s after CartErrors resolved at 55.000 (66 999).
      { service: 'cart', incidents: 1, acknowledged: 0, resolved: 1, mttaMs: null, mttrMs: 66_999, totalDowntimeMs: 3_363 },
      // payments: kill 48.001 → healthy 51.536 (3 535), resolved 60 s later (63 535).
      { service: 'payments', incidents: 1, acknowledged: 0, resolved: 1, mttaMs: null, mttrMs: 63_535, totalDowntimeMs: 3_535 },
    ]);
    // Detected when the die was stored, 40 ms after the event: cart 48.068 − kill 48.001, payments 48.080 − 48.001.
    expect(stats.incidents.map((i) => [i.service, i.openedAt, i.timeToDetectMs])).toEqual([
      ['cart', '2026-11-24T18:36:48.028Z', 67],
      ['payments', '2026-11-24T18:36:48.040Z', 79],
      ['backend', '2026-11-24T18:37:11.123Z', 75],
      ['backend', '2026-11-24T18:45:00.000Z', 35],
    ]);
  });

  test('one service, downtime clipped to the window', () => {
    const stats = statsResponse({ incidents, service: 'backend', from: '2026-11-24T18:37:00.000Z', to: '2026-11-24T18:47:00.000Z', now });
    expect(stats).toMatchObject({ from: '2026-11-24T18:37:00.000Z', to: '2026-11-24T18:47:00.000Z', service: 'backend' });
    // 179 335 + (18:47:00.000 − 18:44:59.965 = 120 035)
    expect(stats.services).toEqual([
      { service: 'backend', incidents: 2, acknowledged: 1, resolved: 1, mttaMs: 88_837, mttrMs: 244_012, totalDowntimeMs: 299_370 },
    ]);
  });

  test('incidents opened outside the window are not counted', () => {
    const stats = statsResponse({ incidents, from: '2026-11-24T18:40:00.000Z', to: '2026-11-24T19:00:00.000Z', now });
    expect(stats.services.map((s) => [s.service, s.incidents])).toEqual([['backend', 1]]);
  });
});
