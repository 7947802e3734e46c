// What should be silenced and what the API shows of it, from an incident and Alertmanager's answers:
// no I/O, the reconciling service's decisions in isolation.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import type { Incident } from '../../../src/contract/index.ts';
import { matchersFor, silenceComment, type AmSilence } from '../../../src/silences/matchers.ts';
import { concerns, declined, expiredEarly, incidentSilenceView, liveSilenceOf, wantsSilence } from '../../../src/silences/rules.ts';

const fixture = (name: string) => JSON.parse(readFileSync(path.join(import.meta.dirname, '../../fixtures/alertmanager', name), 'utf8')) as Array<{ endsAt: string; updatedAt: string }>;

const PUBLIC = 'http://vigil:8080';
const H = 3_600_000;
const incident = (over: Partial<Incident> = {}): Incident => ({
  id: 'inc_1', title: 'BackendDown', service: 'backend', host: 'am', status: 'acknowledged', severity: 'critical',
  openedAt: '2026-12-02T03:00:00.000Z', acknowledgedAt: '2026-12-02T03:01:00.000Z', lastEventAt: '2026-12-02T03:01:00.000Z', sources: ['alertmanager'], ...over,
});
const labels = { alertname: 'BackendDown', service: 'backend' };
const at = (ms: number) => new Date(Date.parse('2026-12-02T03:01:00.000Z') + ms).toISOString();
const vigilSilence = (over: Partial<AmSilence> = {}): AmSilence => ({
  id: 's1', state: 'active', matchers: matchersFor(labels), createdBy: 'vigil', comment: silenceComment({ incidentId: 'inc_1', publicUrl: PUBLIC }),
  startsAt: at(0), endsAt: at(4 * H), updatedAt: at(0), ...over,
});

describe('what should be silenced', () => {
  test('acknowledged and not resolved; a mitigated one that was acknowledged too', () => {
    expect(wantsSilence(incident())).toBe(true);
    expect(wantsSilence(incident({ status: 'mitigated' }))).toBe(true);
    expect(wantsSilence(incident({ status: 'open', acknowledgedAt: undefined }))).toBe(false);
    expect(wantsSilence(incident({ status: 'resolved' }))).toBe(false);
  });

  test('a live silence covers the alert; an expired one does not', () => {
    expect(liveSilenceOf([vigilSilence()], labels)?.id).toBe('s1');
    expect(liveSilenceOf([vigilSilence({ state: 'expired' })], labels)).toBeUndefined();
    expect(liveSilenceOf([vigilSilence()], { ...labels, instance: 'x' })).toBeUndefined();
    // About to run out: not counted when asked for one lasting past an instant (Vigil makes the next one then).
    expect(liveSilenceOf([vigilSilence()], labels, Date.parse(at(4 * H - 60_000)))?.id).toBe('s1');
    expect(liveSilenceOf([vigilSilence()], labels, Date.parse(at(4 * H + 1)))).toBeUndefined();
  });

  test('expired early by someone → not made again; ran its full length → made again (Alertmanager 0.25\'s real answers)', () => {
    // DELETE moves endsAt and updatedAt to that instant (the recorded answer after a DELETE)...
    const deleted = vigilSilence({ state: 'expired', endsAt: at(10 * 60_000), updatedAt: at(10 * 60_000) });
    expect(expiredEarly(deleted)).toBe(true);
    expect(declined([deleted], labels)).toBe(true);
    // ...one that ran out keeps the updatedAt of its creation.
    const ranOut = vigilSilence({ state: 'expired', endsAt: at(4 * H), updatedAt: at(0) });
    expect(expiredEarly(ranOut)).toBe(false);
    expect(declined([ranOut], labels)).toBe(false);
    expect(declined([vigilSilence({ state: 'active' })], labels)).toBe(false);
    const [recorded] = fixture('am-0.25-api-v2-silences-expired.json');
    expect(expiredEarly({ state: 'expired', endsAt: recorded?.endsAt ?? '', updatedAt: recorded?.updatedAt ?? '' })).toBe(true);
    const [active] = fixture('am-0.25-api-v2-silences-active.json');
    expect(expiredEarly({ state: 'expired', endsAt: active?.endsAt ?? '', updatedAt: active?.updatedAt ?? '' })).toBe(false);
  });

  test('others\' silences concern the incident when they match a firing alert and did not end before it opened', () => {
    const firing = new Map([['fp', labels]]);
    const theirs = vigilSilence({ createdBy: 'alice', comment: 'maintenance', matchers: [{ name: 'service', value: 'back.*', isRegex: true, isEqual: true }] });
    expect(concerns(theirs, incident(), firing)).toEqual(labels);
    expect(concerns({ ...theirs, endsAt: '2026-12-02T02:00:00.000Z' }, incident(), firing)).toBeUndefined();
    expect(concerns({ ...theirs, matchers: [{ name: 'service', value: 'frontend', isRegex: false, isEqual: true }] }, incident(), firing)).toBeUndefined();
  });
});

describe('the API view', () => {
  const firing = new Map([['fp', labels]]);
  test('Vigil\'s silence with its orphan flag, others\' silences, and one not created yet with why', () => {
    const theirs = vigilSilence({ id: 's2', createdBy: 'alice', comment: 'maintenance', matchers: [{ name: 'service', value: 'backend', isRegex: false, isEqual: true }] });
    const view = incidentSilenceView({
      incident: incident(), firing, publicUrl: PUBLIC,
      alertmanagers: [
        { name: 'http://am-1:9093', reachable: true, silences: [vigilSilence(), theirs], alerts: [] },
        { name: 'http://am-2:9093', reachable: false, error: 'am-2:9093: ECONNREFUSED', silences: [], alerts: [] },
      ],
    });
    expect(view).toEqual([
      expect.objectContaining({ alertmanager: 'http://am-1:9093', state: 'active', id: 's1', vigil: true, orphaned: true, alertname: 'BackendDown' }),
      expect.objectContaining({ alertmanager: 'http://am-1:9093', state: 'active', id: 's2', vigil: false, createdBy: 'alice', comment: 'maintenance', orphaned: false }),
      { alertmanager: 'http://am-2:9093', state: 'pending', createdBy: 'vigil', vigil: true, orphaned: false, alertname: 'BackendDown', error: 'am-2:9093: ECONNREFUSED' },
    ]);
  });

  test('an Alertmanager that holds the alert: not orphaned; one not answering: never flagged on stale data', () => {
    const held = incidentSilenceView({
      incident: incident(), firing, publicUrl: PUBLIC,
      alertmanagers: [{ name: 'am', reachable: true, silences: [vigilSilence()], alerts: [{ ...labels, severity: 'critical' }] }],
    });
    expect(held[0]?.orphaned).toBe(false);
    const stale = incidentSilenceView({
      incident: incident(), firing, publicUrl: PUBLIC,
      alertmanagers: [{ name: 'am', reachable: false, silences: [vigilSilence()], alerts: [] }],
    });
    expect(stale[0]?.orphaned).toBe(false);
  });
});
