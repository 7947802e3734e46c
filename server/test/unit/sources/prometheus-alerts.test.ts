// The Prometheus alert path must make the very signals the Alertmanager webhook makes for the same
// alert: checked against one real alert recorded through both (fixtures/prometheus/target-down.json).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Alert, QueryResult } from 'prometheus-query';
import { describe, expect, test } from 'vitest';
import { alertmanagerWebhookSchema, alertmanagerWebhookToSignals, DEFAULT_ALERT_SERVICE_MAPPING } from '../../../src/sources/alertmanager/normalize.ts';
import { alertOf, seriesOf, type PrometheusAlert } from '../../../src/sources/prometheus/client.ts';
import {
  alertEndedSignal, alertFiredSignal, endedAt, firedAt, firingSeriesSelector, planAlerts, type TrackedAlert,
} from '../../../src/sources/prometheus/alerts.ts';

const recorded = JSON.parse(readFileSync(path.join(import.meta.dirname, '../../fixtures/prometheus/target-down.json'), 'utf8'));
const mapping = DEFAULT_ALERT_SERVICE_MAPPING;
const promAlerts: PrometheusAlert[] = recorded.apiV1Alerts.data.alerts.map((a: unknown) => alertOf(Alert.fromJSON(a)));
const samples = seriesOf(QueryResult.fromJSON(recorded.alertsFiringSamples.data)).flatMap((s) => s.samples);
const [webhookFired] = alertmanagerWebhookToSignals(alertmanagerWebhookSchema.parse(recorded.webhookFiring), '127.0.0.1:19093', mapping);
const [webhookEnded] = alertmanagerWebhookToSignals(alertmanagerWebhookSchema.parse(recorded.webhookResolved), '127.0.0.1:19093', mapping);

function trackedFrom(alert: PrometheusAlert & { fingerprint: string }, startsAtMs: number): TrackedAlert {
  return {
    fingerprint: alert.fingerprint, labels: alert.labels, annotations: alert.annotations,
    activeAt: new Date(alert.activeAtMs).toISOString(), startsAt: new Date(startsAtMs).toISOString(),
  };
}

describe('the Prometheus alert path, against the same alert through Alertmanager', () => {
  const plan = planAlerts({}, promAlerts);
  const [fired] = plan.fired;
  if (fired === undefined) throw new Error('fixture has no firing alert');
  const startsAtMs = firedAt(samples, fired.activeAtMs);
  const tracked = trackedFrom(fired, startsAtMs ?? Number.NaN);

  test("a firing alert gets Alertmanager's fingerprint", () => {
    expect(plan.fired).toHaveLength(1);
    expect(fired.fingerprint).toBe(recorded.webhookFiring.alerts[0].fingerprint);
  });

  test("the first firing ALERTS sample is Alertmanager's startsAt (activeAt is when it went pending)", () => {
    expect(new Date(startsAtMs ?? 0).toISOString()).toBe(recorded.webhookFiring.alerts[0].startsAt);
    expect(new Date(fired.activeAtMs).toISOString()).toBe('2026-11-24T18:51:31.632Z');
  });

  test('the fired signal has the webhook signal id, kind, time and service', () => {
    const signal = alertFiredSignal(tracked, '127.0.0.1:19090', mapping, 'http://127.0.0.1:19090/alerts');
    expect(signal.id).toBe(webhookFired?.id);
    expect(signal).toMatchObject({
      source: 'prometheus', kind: 'alert.firing', at: webhookFired?.at, service: 'backend',
      attributes: { alertname: 'TargetDown', severity: 'critical', fingerprint: '075515efe88939e4', pendingAt: '2026-11-24T18:51:31.632Z', firingAt: '2026-11-24T18:51:34.632Z' },
    });
  });

  test("the ended signal has the resolved webhook's id and its endsAt (one evaluation after the last firing sample)", () => {
    const ends = endedAt(samples, Date.parse(tracked.startsAt), Date.parse('2026-11-24T18:55:00Z'));
    expect(new Date(ends ?? 0).toISOString()).toBe(recorded.webhookResolved.alerts[0].endsAt);
    const signal = alertEndedSignal(tracked, new Date(ends ?? 0).toISOString(), '127.0.0.1:19090', mapping, '');
    expect(signal.id).toBe(webhookEnded?.id);
    expect(signal).toMatchObject({ source: 'prometheus', kind: 'alert.resolved', at: webhookEnded?.at, service: 'backend' });
  });
});

describe('planAlerts', () => {
  const firing = (labels: Record<string, string>, activeAt: string, state: 'firing' | 'pending' = 'firing'): PrometheusAlert => ({
    labels, annotations: {}, state, activeAtMs: Date.parse(activeAt), value: 0,
  });
  const a = firing({ alertname: 'BackendDown', job: 'backend' }, '2026-01-01T00:00:00.000Z');
  const [plannedA] = planAlerts({}, [a]).fired;
  if (plannedA === undefined) throw new Error('expected a fired alert');
  const trackedA = trackedFrom(plannedA, Date.parse('2026-01-01T00:00:15.000Z'));

  test('pending alerts are not reported', () => {
    expect(planAlerts({}, [firing({ alertname: 'X' }, '2026-01-01T00:00:00Z', 'pending')])).toEqual({ fired: [], ended: [], unchanged: [] });
  });

  test('still firing → unchanged; gone → ended; fired again (another activeAt) → ended and fired', () => {
    const known = { [trackedA.fingerprint]: trackedA };
    expect(planAlerts(known, [a])).toEqual({ fired: [], ended: [], unchanged: [trackedA] });
    expect(planAlerts(known, [])).toEqual({ fired: [], ended: [trackedA], unchanged: [] });
    const again = planAlerts(known, [firing(a.labels, '2026-01-01T00:05:00.000Z')]);
    expect(again.ended).toEqual([trackedA]);
    expect(again.fired.map((f) => f.fingerprint)).toEqual([trackedA.fingerprint]);
  });

  test('endedAt needs two samples to know the evaluation interval; never later than now', () => {
    expect(endedAt([{ t: 1000, v: 1 }], 0, 5000)).toBeUndefined();
    expect(endedAt([{ t: 1000, v: 1 }, { t: 3000, v: 1 }], 0, 4000)).toBe(4000);
    expect(endedAt([{ t: 1000, v: 1 }, { t: 3000, v: 1 }], 0, 10_000)).toBe(5000);
    // Samples of an earlier firing of the same alert do not count.
    expect(firedAt([{ t: 1000, v: 1 }, { t: 9000, v: 1 }, { t: 10_000, v: 1 }], 5000)).toBe(9000);
  });

  test('the ALERTS selector matches exactly the alert, its values escaped', () => {
    expect(firingSeriesSelector({ job: 'x', alertname: 'Say "hi"\\' })).toBe('ALERTS{alertname="Say \\"hi\\"\\\\",alertstate="firing",job="x"}');
  });
});
