// The live stores against a stubbed fetch and the real relay: snapshot, then deltas.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createPinia, setActivePinia } from 'pinia';
import { useConnectionStore } from '../src/stores/useConnectionStore.ts';
import { useIncidentsStore } from '../src/stores/useIncidentsStore.ts';
import { useIncidentDetailStore } from '../src/stores/useIncidentDetailStore.ts';
import { useContainersStore } from '../src/stores/useContainersStore.ts';
import { container, entry, incident } from './fixtures.ts';
import { serve } from './fetch-stub.ts';

beforeEach(() => setActivePinia(createPinia()));
afterEach(() => vi.unstubAllGlobals());

describe('incidents store', () => {
  it('takes the open snapshot, then live upserts and removals', async () => {
    serve((m, p) => (p.startsWith('/api/incidents?status=open') ? { status: 200, body: { items: [incident({ id: 'a' })], nextCursor: null } } : undefined));
    const store = useIncidentsStore();
    const relay = useConnectionStore().relay;
    await store.loadOpen();
    expect(store.open.map((i) => i.id)).toEqual(['a']);

    relay.emit('incident:upsert', incident({ id: 'b', severity: 'warning', lastEventAt: '2026-11-24T18:38:00.000Z' }));
    expect(store.open.map((i) => i.id)).toEqual(['a', 'b']);
    relay.emit('incident:upsert', incident({ id: 'a', status: 'resolved', resolvedAt: '2026-11-24T18:41:00.000Z', lastEventAt: '2026-11-24T18:41:00.000Z' }));
    expect(store.open.map((i) => i.id)).toEqual(['b']);
    relay.emit('incident:upsert', { id: 'junk' } as never);
    relay.emit('incident:remove', { id: 'b' });
    expect(store.open).toEqual([]);
  });

  it('pages the history by cursor and slots a newly resolved incident in', async () => {
    const calls = serve((m, p) => {
      if (!p.startsWith('/api/incidents?status=resolved')) return undefined;
      return p.includes('cursor=c2')
        ? { status: 200, body: { items: [incident({ id: 'old', status: 'resolved', openedAt: '2026-11-20T00:00:00.000Z' })], nextCursor: null } }
        : { status: 200, body: { items: [incident({ id: 'new', status: 'resolved', openedAt: '2026-11-24T10:00:00.000Z' })], nextCursor: 'c2' } };
    });
    const store = useIncidentsStore();
    await store.setFilter({ service: '', status: 'resolved', from: '', to: '', search: 'container' });
    // One page matched only one item: the store read on until a page's worth or the end.
    expect(store.history.map((i) => i.id)).toEqual(['new', 'old']);
    expect(store.historyDone).toBe(true);
    expect(calls.filter((c) => c.path.includes('cursor=c2'))).toHaveLength(1);

    useConnectionStore().relay.emit('incident:upsert', incident({ id: 'live', status: 'resolved', openedAt: '2026-11-24T12:00:00.000Z', lastEventAt: '2026-11-24T12:05:00.000Z' }));
    expect(store.history.map((i) => i.id)).toEqual(['live', 'new', 'old']);
  });

  it('forgets everything at sign-out', async () => {
    const store = useIncidentsStore();
    useConnectionStore().relay.emit('incident:upsert', incident());
    expect(store.open).toHaveLength(1);
    useConnectionStore().relay.emit('connection:reset');
    expect(store.open).toHaveLength(0);
  });
});

describe('incident detail store', () => {
  it('loads the timeline, then appends live entries of the incidents it holds', async () => {
    serve((m, p) => (p === '/api/incidents/inc_1' ? { status: 200, body: { ...incident(), timeline: [entry()], analytics: { nope: true } } } : undefined));
    const store = useIncidentDetailStore();
    await store.load('inc_1');
    expect(store.details['inc_1']?.timeline.map((e) => e.id)).toEqual(['e1']);
    expect(store.details['inc_1']?.analytics).toBeNull(); // a shape it does not know is left out, not trusted
    const relay = useConnectionStore().relay;
    relay.emit('timeline:append', entry({ id: 'e2', at: '2026-11-24T18:38:00.000Z', message: 'acknowledged by alice', source: 'user' }));
    relay.emit('timeline:append', entry({ id: 'x', incidentId: 'other' }));
    expect(store.details['inc_1']?.timeline.map((e) => e.id)).toEqual(['e1', 'e2']);
    expect(store.details['other']).toBeUndefined();
    relay.emit('timeline:remove', { id: 'e1', incidentId: 'inc_1' });
    expect(store.details['inc_1']?.timeline.map((e) => e.id)).toEqual(['e2']);
    expect(useIncidentsStore().byId['inc_1']?.title).toBe('backend container died');
  });

  it('says when there is no such incident', async () => {
    serve(() => undefined);
    const store = useIncidentDetailStore();
    await store.load('nope');
    expect(store.details['nope']).toMatchObject({ missing: true, movedTo: null, error: 'No route GET /api/incidents/nope.' });
  });

  it('knows where a merged incident went: from the 404 incident_merged, and from a live removal', async () => {
    serve((m, p) => {
      if (p === '/api/incidents/inc_old') {
        return { status: 404, body: { error: { code: 'incident_merged', message: 'Incident inc_old became part of incident inc_new as signals arrived late; open that one.', details: { replacedBy: 'inc_new' } } } };
      }
      if (p === '/api/incidents/inc_1') return { status: 200, body: { ...incident(), timeline: [entry()] } };
      return undefined;
    });
    const store = useIncidentDetailStore();
    await store.load('inc_old');
    expect(store.details['inc_old']).toMatchObject({ missing: true, movedTo: 'inc_new' });
    await store.load('inc_1');
    const relay = useConnectionStore().relay;
    relay.emit('incident:remove', { id: 'inc_1', replacedBy: 'inc_2' });
    expect(store.details['inc_1']).toMatchObject({ missing: true, movedTo: 'inc_2' });
    await store.load('inc_1');
    relay.emit('incident:remove', { id: 'inc_1' });
    expect(store.details['inc_1']).toMatchObject({ missing: true, movedTo: null });
  });
});

describe('containers store', () => {
  it('shows "restarting…" until Docker reports the container started again', async () => {
    const c = container();
    const calls = serve((m, p) => {
      if (p === '/api/containers') return { status: 200, body: [c] };
      if (m === 'POST' && p === `/api/containers/${c.id}/restart`) return { status: 202, body: { actionId: 'act-9' } };
      return undefined;
    });
    const store = useContainersStore();
    await store.load();
    await store.restart(c);
    expect(calls.at(-1)).toMatchObject({ method: 'POST', path: `/api/containers/${c.id}/restart` });
    expect(store.pending[c.id]).toMatchObject({ phase: 'restarting', actionId: 'act-9', message: 'restarting…' });

    const relay = useConnectionStore().relay;
    relay.emit('container:update', { ...c, state: 'exited' });
    expect(store.pending[c.id]).toMatchObject({ phase: 'restarting', message: 'restarting… (Docker: exited)' });
    relay.emit('container:update', { ...c, state: 'running', startedAt: new Date(Date.now() + 1000).toISOString() });
    expect(store.pending[c.id]).toMatchObject({ phase: 'done', message: 'running again' });
    expect(store.byId[c.id]?.state).toBe('running');
  });

  it('shows the server\'s refusal, and a failed outcome from the timeline', async () => {
    const c = container();
    serve((m, p) => (p.endsWith('/restart') ? { status: 403, body: { error: { code: 'forbidden', message: 'Viewers cannot restart containers.' } } } : undefined));
    const store = useContainersStore();
    await store.restart(c);
    expect(store.pending[c.id]).toMatchObject({ phase: 'failed', message: 'refused: Viewers cannot restart containers.' });

    serve((m, p) => (p.endsWith('/restart') ? { status: 202, body: { actionId: 'act-2' } } : undefined));
    await store.restart(c);
    useConnectionStore().relay.emit('timeline:append', entry({
      kind: 'action.restart_result', at: new Date().toISOString(), message: 'restart of backend failed (requested by alice): no such container',
      data: { signals: [{ container: c.id, attributes: { actionId: 'act-2', ok: false } }] },
    }));
    expect(store.pending[c.id]).toMatchObject({ phase: 'failed', message: 'restart of backend failed (requested by alice): no such container' });
  });

  it('says so when the server has no containers API', async () => {
    serve(() => undefined);
    const store = useContainersStore();
    await store.load();
    expect(store.unavailable).toBe(true);
  });
});
