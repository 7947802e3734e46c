// The incidents store under a storm caught up after a reconnect: thousands of live upserts in a row
// (applied in place, not by copying the map each time), the history in order, and past its live cap
// the history read again from the server. How long a storm takes in a browser: e2e/sync-catch-up.test.ts.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createPinia, setActivePinia } from 'pinia';
import { useConnectionStore } from '../src/stores/useConnectionStore.ts';
import { useIncidentsStore } from '../src/stores/useIncidentsStore.ts';
import { incident } from './fixtures.ts';

const json = (body: unknown) => new Response(JSON.stringify(body), { status: 200, headers: { 'content-type': 'application/json' } });

beforeEach(() => setActivePinia(createPinia()));
afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
});

const resolved = (i: number) => incident({
  id: `storm-${i}`, status: 'resolved', openedAt: new Date(Date.UTC(2026, 10, 24) + ((i * 7_919) % 6_000) * 1_000).toISOString(),
  resolvedAt: '2026-11-25T00:00:00.000Z', lastEventAt: '2026-11-25T00:00:00.000Z',
});

describe('incidents store in a storm', () => {
  it('slots live incidents into a finished history in newest-first order, then reads the history again past its cap', async () => {
    const historyReads: string[] = [];
    vi.stubGlobal('fetch', async (path: string) => {
      historyReads.push(path);
      return json({ items: path.includes('cursor=') ? [] : [resolved(1)], nextCursor: null });
    });
    const store = useIncidentsStore();
    const relay = useConnectionStore().relay;
    await store.reloadHistory();
    expect(store.historyDone).toBe(true);
    historyReads.length = 0;

    vi.useFakeTimers();
    for (let i = 0; i < 300; i++) relay.emit('incident:upsert', resolved(i));
    const ids = store.history.map((i) => i.openedAt + i.id);
    expect(ids).toHaveLength(300);
    expect(ids).toEqual([...ids].sort().reverse());

    for (let i = 300; i < 6_000; i++) relay.emit('incident:upsert', resolved(i));
    expect(Object.keys(store.byId)).toHaveLength(6_000);
    expect(store.history).toHaveLength(500);
    expect(historyReads).toEqual([]);

    await vi.advanceTimersByTimeAsync(1_500);
    expect(historyReads).toHaveLength(1);
    expect(historyReads[0]).toMatch(/^\/api\/incidents\?status=/);
    expect(historyReads[0]).not.toContain('cursor=');
  });
});
