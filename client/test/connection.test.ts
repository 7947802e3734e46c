import { describe, expect, it } from 'vitest';
import type { SourceStatus } from '@vigil/server/contract';
import { bannerItems, connectionLabel, connectionTone, sourceStateLabel, sourceTitle, sourceTone } from '../src/lib/connection.ts';

describe('connection words', () => {
  it('says Live, Connecting… and Offline since HH:MM:SS UTC', () => {
    expect(connectionLabel('live', '2026-11-24T03:12:44.123Z')).toBe('Live');
    expect(connectionLabel('connecting', '2026-11-24T03:12:44.123Z')).toBe('Connecting…');
    expect(connectionLabel('offline', '2026-11-24T03:12:44.123Z')).toBe('Offline since 03:12:44 UTC');
  });

  it('uses the colour language: green live, red offline, grey unknown', () => {
    expect(connectionTone('live')).toBe('resolved');
    expect(connectionTone('offline')).toBe('critical');
    expect(connectionTone('connecting')).toBe('unknown');
    expect(sourceTone('down')).toBe('critical');
    expect(sourceTone('disabled')).toBe('unknown');
    expect(sourceStateLabel('connecting')).toBe('Checking…');
  });

  it('names a source with its endpoint', () => {
    expect(sourceTitle({ source: 'prometheus', host: 'http://127.0.0.1:9090' })).toBe('Prometheus (http://127.0.0.1:9090)');
    expect(sourceTitle({ source: 'kafka' })).toBe('Kafka');
  });
});

describe('status banner', () => {
  const live = { state: 'live' as const, since: '2026-11-24T03:00:00.000Z' };
  const up: SourceStatus = { source: 'docker', host: 'unix:///var/run/docker.sock', state: 'up', since: '2026-11-24T02:00:00.000Z' };
  const promDown: SourceStatus = { source: 'prometheus', host: 'http://127.0.0.1:9', state: 'down', detail: 'ECONNREFUSED fetch failed', since: '2026-11-24T03:01:00.000Z' };
  const dockerDown: SourceStatus = { ...up, state: 'down', since: '2026-11-24T02:59:00.000Z' };

  it('is empty when everything is up', () => {
    expect(bannerItems(live, [up], { kind: 'embedded', state: 'up', since: live.since })).toEqual([]);
  });

  it('lists the lost connection first, then the store, then down sources oldest first', () => {
    const items = bannerItems({ state: 'offline', since: '2026-11-24T03:05:00.000Z' }, [promDown, up, dockerDown], { kind: 'mongodb', state: 'down', since: '2026-11-24T03:02:00.000Z' });
    expect(items.map((i) => i.key)).toEqual(['connection', 'store', 'source:docker@unix:///var/run/docker.sock', 'source:prometheus@http://127.0.0.1:9']);
    expect(items[3]).toMatchObject({ text: 'Prometheus (http://127.0.0.1:9) unreachable', since: promDown.since, detail: 'ECONNREFUSED fetch failed' });
    expect(items[0]?.since).toBe('2026-11-24T03:05:00.000Z');
  });

  it('does not report a source that is only being checked', () => {
    expect(bannerItems(live, [{ ...up, state: 'connecting' }], null)).toEqual([]);
  });
});
