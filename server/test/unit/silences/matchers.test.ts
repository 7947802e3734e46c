// The pure rules of silencing: matchers from an alert's labels, the comment that names the incident
// (and reading it back), Alertmanager's matching, orphan detection, the firing alerts of a timeline.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import {
  coversExactly, firingAlerts, incidentOfSilence, isOrphaned, matchersFor, silenceComment, silenceMatches, type Matcher,
} from '../../../src/silences/matchers.ts';

const PUBLIC = 'http://localhost:8080';
const fixtures = path.join(import.meta.dirname, '../../fixtures/alertmanager');
const fixture = (name: string): unknown => {
  const file = path.join(fixtures, name);
  return JSON.parse(readFileSync(file, 'utf8'));
};

describe('matchers for an alert', () => {
  test('one exact matcher per label, sorted by name, nothing else', () => {
    expect(matchersFor({ service: 'backend', alertname: 'BackendDown', severity: 'critical' })).toEqual([
      { name: 'alertname', value: 'BackendDown', isRegex: false, isEqual: true },
      { name: 'service', value: 'backend', isRegex: false, isEqual: true },
      { name: 'severity', value: 'critical', isRegex: false, isEqual: true },
    ]);
  });

  test('a value with regex characters stays literal', () => {
    const [m] = matchersFor({ instance: 'backend:3001.*' });
    expect(m).toEqual({ name: 'instance', value: 'backend:3001.*', isRegex: false, isEqual: true });
    expect(silenceMatches([m as Matcher], { instance: 'backend:3001-x' })).toBe(false);
  });

  test('coversExactly: the same set in any order, never a subset, a superset or a regex', () => {
    const labels = { alertname: 'A', service: 'b' };
    expect(coversExactly([...matchersFor(labels)].reverse(), labels)).toBe(true);
    expect(coversExactly(matchersFor({ alertname: 'A' }), labels)).toBe(false);
    expect(coversExactly(matchersFor({ ...labels, x: '1' }), labels)).toBe(false);
    expect(coversExactly([{ name: 'alertname', value: 'A', isRegex: true, isEqual: true }, { name: 'service', value: 'b', isRegex: false, isEqual: true }], labels)).toBe(false);
    expect(coversExactly([{ name: 'alertname', value: 'A', isRegex: false, isEqual: false }, { name: 'service', value: 'b', isRegex: false }], labels)).toBe(false);
  });
});

describe('the comment', () => {
  test('names the incident, its link and who acknowledged', () => {
    expect(silenceComment({ incidentId: 'inc_1', publicUrl: `${PUBLIC}/`, acknowledgedBy: 'alice' }))
      .toBe('Acknowledged in Vigil by alice: incident inc_1 http://localhost:8080/incidents/inc_1');
    expect(silenceComment({ incidentId: 'inc_1', publicUrl: PUBLIC })).toBe('Acknowledged in Vigil: incident inc_1 http://localhost:8080/incidents/inc_1');
  });

  test('reads back the incident of a Vigil silence: Alertmanager 0.25\'s real answer', () => {
    const [silence] = fixture('am-0.25-api-v2-silences-active.json') as Array<{ createdBy: string; comment: string }>;
    expect(incidentOfSilence(silence as { createdBy: string; comment: string }, PUBLIC)).toBe('inc_example');
  });

  test('only this Vigil\'s silences: another author, or a link to another Vigil, is not ours', () => {
    const comment = silenceComment({ incidentId: 'inc_1', publicUrl: PUBLIC });
    expect(incidentOfSilence({ createdBy: 'vigil', comment }, PUBLIC)).toBe('inc_1');
    expect(incidentOfSilence({ createdBy: 'alice', comment }, PUBLIC)).toBeUndefined();
    expect(incidentOfSilence({ createdBy: 'vigil', comment }, 'https://other-vigil.example')).toBeUndefined();
    expect(incidentOfSilence({ createdBy: 'vigil', comment: 'by hand' }, PUBLIC)).toBeUndefined();
  });
});

describe('Alertmanager\'s matching', () => {
  const labels = { alertname: 'BackendDown', service: 'backend', severity: 'critical' };
  test('equal, not equal, regex (anchored), negative regex, absent label = empty string', () => {
    expect(silenceMatches([{ name: 'service', value: 'backend', isRegex: false, isEqual: true }], labels)).toBe(true);
    expect(silenceMatches([{ name: 'service', value: 'backend', isRegex: false, isEqual: false }], labels)).toBe(false);
    expect(silenceMatches([{ name: 'service', value: 'back', isRegex: true, isEqual: true }], labels)).toBe(false);
    expect(silenceMatches([{ name: 'service', value: 'back.*', isRegex: true, isEqual: true }], labels)).toBe(true);
    expect(silenceMatches([{ name: 'severity', value: 'warn.*', isRegex: true, isEqual: false }], labels)).toBe(true);
    expect(silenceMatches([{ name: 'team', value: '', isRegex: false, isEqual: true }, { name: 'service', value: 'backend', isRegex: false }], labels)).toBe(true);
    expect(silenceMatches([{ name: 'team', value: 'ops', isRegex: false, isEqual: true }], labels)).toBe(false);
  });

  test('every matcher must hold; no matcher matches nothing; a pattern JS cannot read matches nothing', () => {
    expect(silenceMatches([
      { name: 'service', value: 'backend', isRegex: false, isEqual: true }, { name: 'alertname', value: 'Other', isRegex: false, isEqual: true },
    ], labels)).toBe(false);
    expect(silenceMatches([], labels)).toBe(false);
    expect(silenceMatches([{ name: 'service', value: '(', isRegex: true, isEqual: true }], labels)).toBe(false);
  });
});

describe('orphans', () => {
  const silence = { state: 'active' as const, matchers: matchersFor({ alertname: 'BackendDown', service: 'backend' }) };
  test('a Vigil silence matching none of the alerts Alertmanager holds is orphaned', () => {
    expect(isOrphaned(silence, [])).toBe(true);
    expect(isOrphaned(silence, [{ alertname: 'BackendDown', service: 'frontend' }])).toBe(true);
    // A label whose value changed makes another alert, which the silence does not cover.
    expect(isOrphaned(silence, [{ alertname: 'BackendDown', service: 'backend-v2' }])).toBe(true);
    // One label more is still matched (Alertmanager matches a subset of labels): silenced, not orphaned.
    expect(isOrphaned(silence, [{ alertname: 'BackendDown', service: 'backend', extra: 'x' }])).toBe(false);
  });

  test('one still held (firing or suppressed, as in the real alert-groups answer) keeps it; an expired silence is never flagged', () => {
    expect(isOrphaned(silence, [{ alertname: 'BackendDown', service: 'backend' }])).toBe(false);
    const groups = fixture('am-0.25-api-v2-alert-groups.json') as Array<{ alerts: Array<{ labels: Record<string, string> }> }>;
    const held = groups.flatMap((g) => g.alerts.map((a) => a.labels));
    const first = held[0] ?? {};
    expect(isOrphaned({ state: 'active', matchers: matchersFor(first) }, held)).toBe(false);
    expect(isOrphaned({ ...silence, state: 'expired' }, [])).toBe(false);
  });
});

describe('the firing alerts of a timeline', () => {
  const entry = (kind: string, fingerprint: string, labels: Record<string, string>) => ({
    kind, data: { signals: [{ attributes: { fingerprint, labels } }] },
  });
  test('firing minus resolved, by fingerprint, in timeline order; other entries ignored', () => {
    const a = { alertname: 'A', service: 's' };
    const b = { alertname: 'B', service: 's' };
    const firing = firingAlerts([
      entry('alert.firing', 'fa', a), entry('alert.firing', 'fb', b), { kind: 'user.acknowledge', data: {} },
      entry('alert.resolved', 'fa', a), { kind: 'alert.firing', data: null },
    ]);
    expect([...firing.entries()]).toEqual([['fb', b]]);
    expect([...firingAlerts([entry('alert.resolved', 'fa', a), entry('alert.firing', 'fa', a)]).keys()]).toEqual(['fa']);
  });
});
