// @vitest-environment happy-dom
// The replay panel in a real (in-memory) router against a stubbed Vigil, on a recorded Docker
// lifecycle: opens at the URL's instant, ← → on the slider step by event and the URL follows, play
// at 10× moves ten seconds per second and stops on pause or at the window's end, a bad instant
// falls back to live with a note, a failed read still folds the timeline's own signals.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createMemoryHistory, createRouter, type Router } from 'vue-router';
import type { Incident, ReplaySignal } from '@vigil/server/contract';
import ReplayPanel from '../../src/components/incident/replay/ReplayPanel.vue';
import { dockerEventToSignal } from '../../../server/src/sources/docker/normalize.ts';
import { entry, incident } from '../fixtures.ts';
import { serve } from '../fetch-stub.ts';
import { mountIn, settle } from './mount.ts';

const events = JSON.parse(readFileSync(path.resolve(import.meta.dirname, '../../../server/test/fixtures/docker/events-lifecycle.json'), 'utf8')) as unknown[];
const LIFE: ReplaySignal[] = events.map((e) => dockerEventToSignal(e, 'local')).filter((s) => s !== null)
  .map(({ id, source, host, at, kind, service, container, attributes }) => ({ id, source, host, at, kind, attributes, ...(service ? { service } : {}), ...(container ? { container } : {}) }));
const ofKind = (kind: string, nth = 0): ReplaySignal => {
  const s = LIFE.filter((x) => x.kind === kind)[nth];
  if (!s) throw new Error(`no ${kind}`);
  return s;
};
const DIE = ofKind('container.die');
const INCIDENT: Incident = incident({ id: 'inc_1', openedAt: DIE.at, status: 'resolved', resolvedAt: new Date(Date.parse(DIE.at) + 60_000).toISOString() });
const iso = (ms: number): string => new Date(ms).toISOString();

let router: Router;
let calls: ReturnType<typeof serve> = [];
async function open(at: string, answer: () => { status: number; body: unknown } = () => ({ status: 200, body: { signals: LIFE, truncated: false } })) {
  calls = serve((method, path) => (method === 'GET' && path === '/api/incidents/inc_1/replay' ? answer() : undefined));
  router = createRouter({ history: createMemoryHistory(), routes: [{ path: '/incidents/:id', name: 'incident', component: { template: '<div />' } }] });
  await router.push(`/incidents/inc_1?at=${encodeURIComponent(at)}`);
  const wrapper = mountIn(ReplayPanel, {
    props: { incident: INCIDENT, timeline: [entry({ id: 'e-die', at: DIE.at, data: { signals: [DIE] } })] },
    global: { plugins: [router] },
  });
  await settle();
  return wrapper;
}
const panelAt = (w: Awaited<ReturnType<typeof open>>): string | undefined => w.get('[data-testid="replay-panel"]').attributes('data-at');
const urlAt = () => router.currentRoute.value.query['at'];

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date', 'performance'] });
  vi.setSystemTime(new Date(Date.parse(DIE.at) + 3_600_000));
});
afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
});

describe('ReplayPanel', () => {
  it('opens at the URL\'s instant; ← → on the slider step by event and the URL follows', async () => {
    const w = await open(ofKind('container.start').at);
    expect(panelAt(w)).toBe(ofKind('container.start').at);
    expect(w.get('[data-container="probe-ev-life"]').attributes('data-state')).toBe('running');
    const slider = w.get('[data-testid="replay-slider"]');
    expect(slider.attributes('aria-valuetext')).toMatch(/all 1 containers running, no alert firing, incident not opened yet$/);
    await slider.trigger('keydown', { key: 'ArrowRight' });
    expect(panelAt(w)).toBe(ofKind('container.kill').at);
    await slider.trigger('keydown', { key: 'ArrowRight' });
    expect(panelAt(w)).toBe(DIE.at);
    expect(w.get('[data-container="probe-ev-life"]').attributes('data-state')).toBe('dead');
    expect(w.get('[data-testid="replay-status"]').attributes('data-status')).toBe('open');
    await settle();
    expect(urlAt()).toBe(DIE.at);
    await slider.trigger('keydown', { key: 'ArrowLeft' });
    expect(panelAt(w)).toBe(ofKind('container.kill').at);
  });

  it('plays at 10× (ten seconds a second), pauses, and stops at the window\'s end', async () => {
    const from = Date.parse(DIE.at) - 120_000;
    const w = await open(iso(from));
    await w.get('[data-testid="replay-speed-10"]').trigger('click');
    await w.get('[data-testid="replay-play"]').trigger('click');
    expect(w.get('[data-testid="replay-play"]').attributes('aria-pressed')).toBe('true');
    await vi.advanceTimersByTimeAsync(1_000);
    expect(Date.parse(panelAt(w) ?? '')).toBe(from + 10_000);
    // While playing the URL follows a few times a second; a pause writes the very instant.
    expect(Date.parse(String(urlAt()))).toBeGreaterThan(from);
    await w.get('[data-testid="replay-play"]').trigger('click');
    await settle();
    expect(urlAt()).toBe(panelAt(w));
    await vi.advanceTimersByTimeAsync(1_000);
    expect(Date.parse(panelAt(w) ?? '')).toBe(from + 10_000);
    // 60×: from two minutes before the window's end, it stops there.
    const end = Date.parse(INCIDENT.resolvedAt ?? '') + 600_000;
    await router.replace({ query: { at: iso(end - 120_000) } });
    await settle();
    await w.get('[data-testid="replay-speed-60"]').trigger('click');
    await w.get('[data-testid="replay-slider"]').trigger('keydown', { key: ' ' });
    await vi.advanceTimersByTimeAsync(5_000);
    expect(panelAt(w)).toBe(iso(end));
    expect(w.get('[data-testid="replay-play"]').attributes('aria-pressed')).toBe('false');
    await settle();
    expect(urlAt()).toBe(iso(end));
  });

  it('falls back to live with a note on a bad instant, and offers to start at the opening', async () => {
    const w = await open('last tuesday');
    expect(w.get('[data-testid="replay-note"]').text()).toMatch(/"last tuesday" is not a UTC time.*showing the incident live/);
    expect(panelAt(w)).toBe('');
    expect(w.emitted('instant')?.at(-1)).toEqual([null]);
    await w.get('button.primary').trigger('click');
    await settle();
    expect(panelAt(w)).toBe(DIE.at);
    expect(urlAt()).toBe(DIE.at);
  });

  it('reads the route again a few seconds after the timeline grows (the incident goes on)', async () => {
    const w = await open(DIE.at);
    const reads = (): number => calls.filter((c) => c.path === '/api/incidents/inc_1/replay').length;
    expect(reads()).toBe(1);
    await w.setProps({ timeline: [entry({ id: 'e-die', at: DIE.at, data: { signals: [DIE] } }), entry({ id: 'e-start', at: ofKind('container.start', 1).at })] });
    await vi.advanceTimersByTimeAsync(2_000);
    expect(reads()).toBe(1);
    await vi.advanceTimersByTimeAsync(1_500);
    expect(reads()).toBe(2);
  });

  it('says when the service\'s other containers could not be read, and folds the timeline\'s signals', async () => {
    const w = await open(DIE.at, () => ({ status: 503, body: { error: { code: 'store_unavailable', message: 'The store is down.' } } }));
    expect(w.get('[data-testid="replay-error"]').text()).toMatch(/The store is down.*only those the timeline names/);
    expect(w.get('[data-container]').attributes('data-state')).toBe('dead');
  });
});
