import { describe, expect, test } from 'vitest';
import { DEFAULT_ALERT_SERVICE_MAPPING, serviceForLabels } from '../../../src/sources/alertmanager/normalize.ts';
import type { Series } from '../../../src/sources/prometheus/client.ts';
import { healthTransitions, targetHealth, targetKey } from '../../../src/sources/prometheus/health.ts';
import { loadConfig } from '../../../src/config.ts';

const mapping = DEFAULT_ALERT_SERVICE_MAPPING;
const T0 = Date.parse('2026-11-24T10:00:00.000Z');
const backendLabels = { __name__: 'up', job: 'backend', instance: 'backend:3001', service: 'backend' };

/** One series with a sample every 5 s from T0: the values given. */
function series(labels: Record<string, string>, values: number[]): Series {
  return { labels, samples: values.map((v, i) => ({ t: T0 + i * 5000, v })) };
}

describe('targetHealth', () => {
  test('up == 0 is down since the first failed scrape of the current run', () => {
    const health = targetHealth([series(backendLabels, [1, 0, 1, 0, 0])], [], mapping);
    expect(health.get(targetKey('backend', 'backend:3001'))).toMatchObject({
      service: 'backend', instance: 'backend:3001', job: 'backend', down: true, expr: 'up == 0', sinceMs: T0 + 15_000,
    });
  });

  test('app_health == 0 makes a scraped target down; healthy again when both are fine', () => {
    const app = { ...backendLabels, __name__: 'app_health' };
    const unhealthy = targetHealth([series(backendLabels, [1, 1, 1])], [series(app, [1, 0, 0])], mapping);
    expect(unhealthy.get(targetKey('backend', 'backend:3001'))).toMatchObject({ down: true, expr: 'app_health == 0', sinceMs: T0 + 5000 });
    const healthy = targetHealth([series(backendLabels, [0, 1, 1])], [series(app, [1, 1])], mapping);
    expect(healthy.get(targetKey('backend', 'backend:3001'))).toMatchObject({ down: false, sinceMs: T0 + 5000 });
  });

  test('the service comes from the labels: service, else job, else the host part of instance', () => {
    const noService = targetHealth([series({ __name__: 'up', job: 'api', instance: 'api:80' }, [1])], [], mapping);
    expect([...noService.values()].map((h) => h.service)).toEqual(['api']);
    const onlyInstance = targetHealth([series({ __name__: 'up', instance: 'cache:6379' }, [1])], [], mapping);
    expect([...onlyInstance.values()].map((h) => h.service)).toEqual(['cache']);
  });
});

describe('healthTransitions', () => {
  const down = targetHealth([series(backendLabels, [1, 0, 0])], [], mapping);
  const up = targetHealth([series(backendLabels, [0, 1, 1])], [], mapping);

  test('down → a service_down signal with instance, job and expr; then up → service_up', () => {
    const first = healthTransitions({}, down, 'prometheus:9090', T0 + 20_000);
    expect(first.signals).toHaveLength(1);
    expect(first.signals[0]).toMatchObject({
      source: 'prometheus', host: 'prometheus:9090', kind: 'prometheus.service_down', service: 'backend',
      at: new Date(T0 + 5000).toISOString(), attributes: { instance: 'backend:3001', job: 'backend', expr: 'up == 0' },
    });
    const second = healthTransitions(first.known, up, 'prometheus:9090', T0 + 30_000);
    expect(second.signals.map((s) => [s.kind, s.at])).toEqual([['prometheus.service_up', new Date(T0 + 5000).toISOString()]]);
  });

  test('no change, or a first sighting of a healthy target, says nothing', () => {
    expect(healthTransitions({}, up, 'p', T0).signals).toEqual([]);
    const { known } = healthTransitions({}, down, 'p', T0);
    expect(healthTransitions(known, down, 'p', T0 + 5000).signals).toEqual([]);
  });

  test('the same transition seen again (a retried poll) has the same id', () => {
    expect(healthTransitions({}, down, 'p', T0).signals[0]?.id).toBe(healthTransitions({}, down, 'p', T0 + 5000).signals[0]?.id);
  });

  test('a down target no longer scraped counts as up again (its incident can recover)', () => {
    const { known } = healthTransitions({}, down, 'p', T0);
    const gone = healthTransitions(known, new Map(), 'p', T0 + 60_000);
    expect(gone.signals).toMatchObject([{ kind: 'prometheus.service_up', service: 'backend', at: new Date(T0 + 60_000).toISOString() }]);
    expect(gone.known).toEqual({});
  });
});

describe('service mapping from configuration', () => {
  test('defaults fit the sample stack: service, job, container, instance', () => {
    const c = loadConfig({}, '/');
    expect(c.serviceMapping).toEqual({ labels: ['service', 'job', 'container', 'instance'], aliases: {} });
    expect(serviceForLabels({ job: 'backend', instance: 'backend:3001' }, c.serviceMapping)).toBe('backend');
  });

  test('SERVICE_LABELS orders the labels; SERVICE_MAP renames values, instances included', () => {
    const c = loadConfig({ SERVICE_LABELS: 'container, instance', SERVICE_MAP: 'users-api=backend, db:5432=mongo' }, '/');
    expect(c.serviceMapping).toEqual({ labels: ['container', 'instance'], aliases: { 'users-api': 'backend', 'db:5432': 'mongo' } });
    expect(serviceForLabels({ container: 'users-api', job: 'x' }, c.serviceMapping)).toBe('backend');
    expect(serviceForLabels({ instance: 'db:5432' }, c.serviceMapping)).toBe('mongo');
    expect(serviceForLabels({ instance: '[::1]:9100' }, c.serviceMapping)).toBe('::1');
    expect(serviceForLabels({ job: 'x' }, c.serviceMapping)).toBeUndefined();
  });

  test('bad values are refused, naming the variable', () => {
    expect(() => loadConfig({ SERVICE_LABELS: 'job,bad-name' }, '/')).toThrow(/SERVICE_LABELS/);
    expect(() => loadConfig({ SERVICE_MAP: 'a=b=c' }, '/')).toThrow(/SERVICE_MAP/);
    expect(() => loadConfig({ PROMETHEUS_POLL_SECONDS: '0.5' }, '/')).toThrow(/PROMETHEUS_POLL_SECONDS/);
    expect(loadConfig({ PROMETHEUS_POLL_SECONDS: '0' }, '/').prometheusPollMs).toBe(0);
  });
});
