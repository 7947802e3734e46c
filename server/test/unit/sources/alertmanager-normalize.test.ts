import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { alertmanagerWebhookSchema, alertmanagerWebhookToSignals } from '../../../src/sources/alertmanager/normalize.ts';

const fixtures = path.join(import.meta.dirname, '../../fixtures/alertmanager');
const load = (file: string): Record<string, unknown> => JSON.parse(readFileSync(path.join(fixtures, file), 'utf8')) as Record<string, unknown>;
const parse = (body: unknown) => alertmanagerWebhookSchema.parse(body);

describe('alertmanagerWebhookSchema', () => {
  test('accepts the real Alertmanager 0.25 payloads', () => {
    expect(alertmanagerWebhookSchema.safeParse(load('am-webhook-firing.json')).success).toBe(true);
    expect(alertmanagerWebhookSchema.safeParse(load('am-webhook-resolved.json')).success).toBe(true);
  });

  test('keeps fields a newer Alertmanager adds', () => {
    const body = load('am-webhook-firing.json');
    const alerts = body['alerts'] as Array<Record<string, unknown>>;
    const parsed = parse({ ...body, notification_reason: 'repeat', alerts: alerts.map((a) => ({ ...a, extra: 1 })) });
    expect(parsed['notification_reason']).toBe('repeat');
    expect(parsed.alerts[0]?.['extra']).toBe(1);
  });

  test('names the missing or wrong field', () => {
    const body = load('am-webhook-firing.json');
    const alerts = body['alerts'] as Array<Record<string, unknown>>;
    const paths = (value: unknown) => {
      const r = alertmanagerWebhookSchema.safeParse(value);
      return r.success ? [] : r.error.issues.map((i) => i.path.join('.'));
    };
    expect(paths({ ...body, version: '3' })).toEqual(['version']);
    const { fingerprint: _f, ...noFingerprint } = alerts[0] ?? {};
    expect(paths({ ...body, alerts: [noFingerprint] })).toEqual(['alerts.0.fingerprint']);
    expect(paths({ ...body, alerts: [{ ...alerts[0], startsAt: 'yesterday' }] })).toEqual(['alerts.0.startsAt']);
    expect(paths({ ...body, alerts: [{ ...alerts[0], labels: { job: 'x' } }] })).toEqual(['alerts.0.labels']);
  });
});

describe('alertmanagerWebhookToSignals', () => {
  test('firing: at = startsAt, service from job, the alert facts as attributes', () => {
    const [signal] = alertmanagerWebhookToSignals(parse(load('am-webhook-firing.json')), 'alertmanager');
    expect(signal).toMatchObject({
      source: 'alertmanager', host: 'alertmanager', kind: 'alert.firing', at: '2026-11-24T00:58:28.553Z', service: 'x',
      attributes: {
        alertname: 'TargetDown', severity: 'critical', summary: 'Target 127.0.0.1:19100 of job x is down',
        fingerprint: '3fd43b4f2289fa01', startsAt: '2026-11-24T00:58:28.553Z', endsAt: null,
      },
    });
    expect(signal?.id).toMatch(/^am_[0-9a-f]{24}$/);
  });

  test('resolved: at = endsAt, another id than the firing one', () => {
    const [firing] = alertmanagerWebhookToSignals(parse(load('am-webhook-firing.json')), 'alertmanager');
    const [resolved] = alertmanagerWebhookToSignals(parse(load('am-webhook-resolved.json')), 'alertmanager');
    expect(resolved).toMatchObject({ kind: 'alert.resolved', at: '2026-11-24T00:58:30.553Z', attributes: { endsAt: '2026-11-24T00:58:30.553Z' } });
    expect(resolved?.id).not.toBe(firing?.id);
  });

  test('a re-send (retry, repeat_interval, another group member) has the same id', () => {
    const body = load('am-webhook-firing.json');
    const [first] = alertmanagerWebhookToSignals(parse(body), 'alertmanager');
    const [again] = alertmanagerWebhookToSignals(parse({ ...body, groupKey: 'other', receiver: 'other' }), 'alertmanager');
    expect(again?.id).toBe(first?.id);
  });

  test('service mapping: configurable label order and aliases', () => {
    const body = parse(load('am-webhook-firing.json'));
    const mapping = { labels: ['service', 'instance'], aliases: { '127.0.0.1:19100': 'node-exporter' } };
    expect(alertmanagerWebhookToSignals(body, 'am', mapping)[0]?.service).toBe('node-exporter');
    expect(alertmanagerWebhookToSignals(body, 'am', { labels: ['service'], aliases: {} })[0]?.service).toBeUndefined();
  });
});
