// Alertmanager's webhook to the letter (0.25–0.34): the version check, the regex-escaped receiver,
// fields Vigil does not know, and a group cut short by max_alerts completed from API v2's groups —
// all from recorded Alertmanager 0.25 payloads.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { alertGroupsSchema, alertsOfGroup, candidateUrls, mergeAlerts } from '../../../src/sources/alertmanager/groups.ts';
import {
  alertmanagerWebhookSchema, alertmanagerWebhookToSignals, alertSignalId, unescapeReceiver, unsupportedVersion,
} from '../../../src/sources/alertmanager/normalize.ts';

const fixtures = path.join(import.meta.dirname, '../../fixtures/alertmanager');
const load = (file: string): unknown => JSON.parse(readFileSync(path.join(fixtures, file), 'utf8'));
const truncated = alertmanagerWebhookSchema.parse((load('am-0.25-webhook-truncated.json') as { body: unknown }).body);
const groups = alertGroupsSchema.parse(load('am-0.25-api-v2-alert-groups.json'));
/** When the fixtures were recorded: the alerts' endsAt (03:59:43) is still ahead. */
const recorded = new Date('2026-12-02T03:55:00Z');

describe('the payload version', () => {
  test('"4" passes; anything else, or none, is named', () => {
    expect(unsupportedVersion({ version: '4' })).toBeNull();
    expect(unsupportedVersion({ version: '5' })).toBe('"5"');
    expect(unsupportedVersion({ version: 4 })).toBe('4');
    expect(unsupportedVersion({})).toBe('(none)');
    // Not an object: no payload of any version (the schema names what is wrong).
    expect(unsupportedVersion(null)).toBeNull();
    expect(unsupportedVersion([{ version: '4' }])).toBeNull();
  });
});

describe('the receiver', () => {
  test('Go regexp.QuoteMeta escapes are undone; plain names stay as they are', () => {
    expect(unescapeReceiver('vigil\\-webhook')).toBe('vigil-webhook');
    expect(unescapeReceiver('team\\.ops\\ \\(eu\\)')).toBe('team.ops (eu)');
    expect(unescapeReceiver('vigil')).toBe('vigil');
    expect(unescapeReceiver('a\\\\b')).toBe('a\\b');
  });

  test('signals show it unescaped; the raw notification keeps what Alertmanager sent', () => {
    const [signal] = alertmanagerWebhookToSignals({ ...truncated, receiver: 'vigil\\-webhook' }, 'am');
    expect(signal?.attributes['receiver']).toBe('vigil-webhook');
    expect((signal?.raw as { notification: { receiver: string } }).notification.receiver).toBe('vigil\\-webhook');
  });
});

test('notification_reason, routeLabels and any unknown field end up in the raw data', () => {
  const raw = (load('am-0.25-webhook-truncated.json') as { body: Record<string, unknown> }).body;
  const alerts = raw['alerts'] as Array<Record<string, unknown>>;
  const body = alertmanagerWebhookSchema.parse({
    ...raw, notification_reason: 'repeat', routeLabels: { team: 'core' }, somethingNew: [1, 2],
    alerts: alerts.map((a) => ({ ...a, silencedBy: ['x'] })),
  });
  const [signal] = alertmanagerWebhookToSignals(body, 'am');
  const stored = signal?.raw as { alert: Record<string, unknown>; notification: Record<string, unknown> };
  expect(stored.notification).toMatchObject({ notification_reason: 'repeat', routeLabels: { team: 'core' }, somethingNew: [1, 2] });
  expect(stored.alert['silencedBy']).toEqual(['x']);
  expect(stored.notification['alerts']).toBeUndefined();
});

describe('a group cut short by max_alerts', () => {
  test('the recorded group holds all 5 alerts, as firing alerts with the webhook\'s signal ids', () => {
    const alerts = alertsOfGroup(groups, truncated, recorded);
    expect(alerts).toHaveLength(5);
    expect(alerts?.every((a) => a.status === 'firing' && a.endsAt === '0001-01-01T00:00:00Z')).toBe(true);
    const sent = alertmanagerWebhookToSignals(truncated, 'am').map((s) => s.id);
    const fetched = alertmanagerWebhookToSignals({ ...truncated, alerts: alerts ?? [] }, 'am').map((s) => s.id);
    // The two the webhook carried get the same ids from the API ("…43Z" vs "…43.000Z").
    expect(fetched).toEqual(expect.arrayContaining(sent));
    expect(fetched).toContain(alertSignalId('2ccd2cbf89b5da54', '2026-12-02T03:54:43Z', 'firing'));
  });

  test('merged with the webhook: 5 distinct alerts, the webhook\'s own first', () => {
    const merged = mergeAlerts(truncated.alerts, alertsOfGroup(groups, truncated, recorded) ?? []);
    expect(merged.map((a) => a.fingerprint)).toEqual(['459f80c108790610', '63b5ca1fe52e4f0d', '2e30909cd4dc15ca', 'c2438bb561c94ddf', '2ccd2cbf89b5da54']);
    expect(merged[0]).toBe(truncated.alerts[0]);
  });

  test('only the group with these labels for this receiver; an alert past its endsAt is resolved', () => {
    expect(alertsOfGroup(groups, { ...truncated, receiver: 'other' }, recorded)).toBeNull();
    expect(alertsOfGroup(groups, { ...truncated, groupLabels: { service: 'frontend' } }, recorded)).toBeNull();
    expect(alertsOfGroup(groups, { ...truncated, groupLabels: { service: 'backend', x: 'y' } }, recorded)).toBeNull();
    const later = alertsOfGroup(groups, truncated, new Date('2026-12-02T04:00:00Z'));
    expect(later?.every((a) => a.status === 'resolved' && a.endsAt === '2026-12-02T03:59:43.879Z')).toBe(true);
  });

  test('which Alertmanager is asked: the configured one of the payload\'s origin first, else externalURL', () => {
    expect(candidateUrls([], 'http://alertmanager:9093')).toEqual(['http://alertmanager:9093']);
    expect(candidateUrls([], 'not a url')).toEqual([]);
    expect(candidateUrls(['http://a:9093', 'http://u:p@b:9093'], 'http://b:9093/')).toEqual(['http://u:p@b:9093', 'http://a:9093']);
    expect(candidateUrls(['http://a:9093', 'http://b:9093'], 'http://c:9093')).toEqual(['http://a:9093', 'http://b:9093']);
  });
});
