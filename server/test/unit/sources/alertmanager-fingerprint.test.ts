import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { alertFingerprint } from '../../../src/sources/alertmanager/fingerprint.ts';

const fixtures = path.join(import.meta.dirname, '../../fixtures');
const load = (file: string): any => JSON.parse(readFileSync(path.join(fixtures, file), 'utf8'));

describe('alertFingerprint (Alertmanager model.LabelSet.Fingerprint)', () => {
  test('matches the fingerprint in the real Alertmanager 0.25 webhooks', () => {
    for (const file of ['alertmanager/am-webhook-firing.json', 'alertmanager/am-webhook-resolved.json', 'prometheus/target-down.json']) {
      const body = load(file);
      for (const alert of body.alerts ?? body.webhookFiring.alerts) {
        expect(alertFingerprint(alert.labels)).toBe(alert.fingerprint);
      }
    }
    expect(alertFingerprint(load('alertmanager/am-webhook-firing.json').alerts[0].labels)).toBe('3fd43b4f2289fa01');
  });

  // Posted to a real Alertmanager 0.25 (POST /api/v2/alerts), fingerprints read back from GET /api/v2/alerts.
  test.each([
    [{ alertname: 'A' }, 'd2c6efc389df0927'],
    [{ alertname: 'Ünïcode', Zeta: '1', _under: 'x', a: 'é🚀', job: 'users-backend' }, '2c93368f9902d6a4'],
    // Alertmanager drops a label with an empty value on receipt.
    [{ alertname: 'Ünïcode', Zeta: '1', _under: 'x', a: 'é🚀', job: 'users-backend', B: '' }, '2c93368f9902d6a4'],
  ])('%j → %s, as Alertmanager computed it', (labels, expected) => {
    expect(alertFingerprint(labels)).toBe(expected);
  });

  test('does not depend on the order the labels come in; does on every name and value', () => {
    const labels = { severity: 'critical', job: 'backend', alertname: 'BackendDown', instance: 'backend:3001' };
    const reversed = Object.fromEntries(Object.entries(labels).reverse());
    expect(alertFingerprint(reversed)).toBe(alertFingerprint(labels));
    expect(alertFingerprint({ ...labels, job: 'frontend' })).not.toBe(alertFingerprint(labels));
    // The separator byte keeps "ab"+"c" apart from "a"+"bc".
    expect(alertFingerprint({ a: 'bc' })).not.toBe(alertFingerprint({ ab: 'c' }));
  });

  test('an empty label set is the FNV-1a offset basis; always 16 hex digits', () => {
    expect(alertFingerprint({})).toBe('cbf29ce484222325');
    expect(alertFingerprint({ alertname: 'x' })).toMatch(/^[0-9a-f]{16}$/);
  });
});
