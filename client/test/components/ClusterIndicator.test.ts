// @vitest-environment happy-dom
// Which replica serves the page and which one leads, as the shell and the Status page show it,
// fed the way the app feeds them: /readyz through the real connection store (fetch stubbed), and
// the `cluster:leader` rules of lib/cluster.ts.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ClusterState, ReadyReport, StoreKind } from '@vigil/server/contract';
import ClusterIndicator from '../../src/components/shell/ClusterIndicator.vue';
import StatusBanner from '../../src/components/shell/StatusBanner.vue';
import StatusPage from '../../src/pages/StatusPage.vue';
import { useConnectionStore } from '../../src/stores/useConnectionStore.ts';
import { clusterLabel, isClusterState, newerCluster, severalReplicas, withLeader } from '../../src/lib/cluster.ts';
import { serve } from '../fetch-stub.ts';
import { mountAs, settle } from './mount.ts';

const FOLLOWER: ClusterState = { replica: 'vigil-2', role: 'follower', leader: 'vigil-1', term: 3 };
const SOLO: ClusterState = { replica: 'host-a-4711', role: 'leader', leader: 'host-a-4711', term: 1 };

function serveReadiness(kind: StoreKind, cluster: () => ClusterState) {
  return serve((method, path) => {
    if (method !== 'GET' || path !== '/readyz') return undefined;
    const report: ReadyReport = { ready: true, store: { kind, state: 'up' }, sources: [], cluster: cluster() };
    return { status: 200, body: report };
  });
}

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(new Date('2026-12-05T03:00:00.000Z'));
});
afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
});

describe('the cluster rules', () => {
  it('accepts only the contract shape', () => {
    expect(isClusterState(FOLLOWER)).toBe(true);
    expect(isClusterState({ ...FOLLOWER, leader: null })).toBe(true);
    expect(isClusterState({ ...FOLLOWER, role: 'boss' })).toBe(false);
    expect(isClusterState({ ...FOLLOWER, term: '3' })).toBe(false);
    expect(isClusterState({ replica: 'vigil-2', role: 'follower', term: 3 })).toBe(false);
  });

  it('moves on with a new leader, and a stale term changes nothing', () => {
    const lapsed = { ...FOLLOWER, leader: null };
    expect(withLeader(lapsed, { leader: 'vigil-2', term: 4 })).toEqual({ replica: 'vigil-2', role: 'leader', leader: 'vigil-2', term: 4 });
    expect(withLeader(FOLLOWER, { leader: 'vigil-3', term: 2 })).toBe(FOLLOWER);
    expect(withLeader(null, { leader: 'vigil-1', term: 9 })).toBeNull();
    expect(newerCluster(FOLLOWER, { ...FOLLOWER, leader: 'vigil-9', term: 2 })).toBe(FOLLOWER);
    expect(newerCluster(FOLLOWER, lapsed)).toBe(lapsed);
    // The browser reconnected to another replica: its word replaces the old one, whatever the term.
    expect(newerCluster(FOLLOWER, SOLO)).toBe(SOLO);
  });

  it('shows who leads only when several replicas may be in play', () => {
    expect(severalReplicas(SOLO, 'embedded')).toBe(false);
    expect(severalReplicas(SOLO, 'mongodb')).toBe(true);
    expect(severalReplicas(FOLLOWER, null)).toBe(true);
    expect(severalReplicas({ ...SOLO, leader: null }, 'embedded')).toBe(true);
    expect(clusterLabel(FOLLOWER)).toBe('replica vigil-2 · leader vigil-1');
    expect(clusterLabel({ ...FOLLOWER, leader: null })).toBe('replica vigil-2 · failover under way, no leader');
  });
});

describe('ClusterIndicator', () => {
  it('says quietly which replica serves the page and which one leads', async () => {
    serveReadiness('mongodb', () => FOLLOWER);
    const wrapper = mountAs('viewer', ClusterIndicator);
    expect(wrapper.find('[data-testid="cluster"]').exists()).toBe(false);
    await useConnectionStore().refreshReadiness();
    await settle();
    const el = wrapper.get('[data-testid="cluster"]');
    expect(el.text().replace(/\s+/g, ' ')).toBe('replica vigil-2 · leader vigil-1');
    expect(el.attributes('data-failover')).toBeUndefined();
    expect(el.attributes('title')).toContain('vigil-1 leads (term 3)');
  });

  it('names this replica as the leader when it leads on MongoDB', async () => {
    serveReadiness('mongodb', () => ({ ...FOLLOWER, role: 'leader', leader: 'vigil-2' }));
    const wrapper = mountAs('viewer', ClusterIndicator);
    await useConnectionStore().refreshReadiness();
    await settle();
    expect(wrapper.get('[data-testid="cluster"]').text().replace(/\s+/g, ' ')).toBe('replica vigil-2 · leader this one');
  });

  it('stays out of the header with the embedded store (one replica, always the leader)', async () => {
    serveReadiness('embedded', () => SOLO);
    const wrapper = mountAs('viewer', ClusterIndicator);
    await useConnectionStore().refreshReadiness();
    await settle();
    expect(useConnectionStore().cluster).toEqual(SOLO);
    expect(wrapper.find('[data-testid="cluster"]').exists()).toBe(false);
  });

  it('says plainly that a failover is under way while no replica leads, in the header and the banner', async () => {
    let cluster: ClusterState = { ...FOLLOWER, leader: null };
    serveReadiness('mongodb', () => cluster);
    const header = mountAs('viewer', ClusterIndicator);
    const banner = mountAs('viewer', StatusBanner);
    const connection = useConnectionStore();
    connection.state = 'live'; // what the socket's connect sets: an offline banner would stand first
    await connection.refreshReadiness();
    await settle();
    const el = header.get('[data-testid="cluster"]');
    expect(el.attributes('data-failover')).toBe('true');
    expect(el.text()).toContain('Failover under way');
    const line = banner.get('li');
    expect(line.get('.text').text()).toBe('▲ Failover under way — no replica leads; restarts and pages wait for the next leader');
    expect(line.get('.since').text()).toBe('since 03:00:00 UTC');
    expect(connection.leaderlessSince).toBe('2026-12-05T03:00:00.000Z');

    cluster = { replica: 'vigil-2', role: 'leader', leader: 'vigil-2', term: 4 };
    await connection.refreshReadiness();
    await settle();
    expect(header.get('[data-testid="cluster"]').attributes('data-failover')).toBeUndefined();
    expect(banner.find('li').exists()).toBe(false);
    expect(connection.leaderlessSince).toBeNull();
  });
});

describe('the Status page', () => {
  it('shows just the replica name with the embedded store', async () => {
    serveReadiness('embedded', () => SOLO);
    const wrapper = mountAs('viewer', StatusPage);
    await useConnectionStore().refreshReadiness();
    await settle();
    expect(wrapper.get('[data-testid="replica"]').text().replace(/\s+/g, ' ').trim()).toBe('host-a-4711');
  });

  it('shows the leader and the term with several replicas', async () => {
    serveReadiness('mongodb', () => FOLLOWER);
    const wrapper = mountAs('viewer', StatusPage);
    await useConnectionStore().refreshReadiness();
    await settle();
    expect(wrapper.get('[data-testid="replica"]').text().replace(/\s+/g, ' ').trim()).toBe('vigil-2 · leader vigil-1 · term 3');
  });
});
