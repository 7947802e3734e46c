// @vitest-environment happy-dom
// The shell's paging banner against a stubbed fetch and a fake clock: what it says about a failing
// channel, who gets the link to fix it, that only people who respond read paging's health, every
// 30 s, and that it goes quiet when paging works again.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { RouterLinkStub } from '@vue/test-utils';
import type { PagingHealth } from '@vigil/server/contract';
import PagingBanner from '../../src/components/shell/PagingBanner.vue';
import { PAGING_HEALTH_POLL_MS } from '../../src/stores/usePagingHealthStore.ts';
import { serve } from '../fetch-stub.ts';
import { mountAs, settle } from './mount.ts';

const FAILING: PagingHealth = { failing: [{ channelId: 'ch1', channelName: 'ops', error: 'answers 404', since: '2026-11-24T18:38:00.000Z' }] };
let health: PagingHealth;

function serveVigil() {
  return serve((method, path) => {
    if (method === 'GET' && path === '/api/paging/health') return { status: 200, body: health };
    if (method === 'GET' && path === '/api/notification-channels') {
      return { status: 200, body: { items: [{ id: 'ch1', name: 'ops', type: 'slack', config: { url: 'https://hooks.slack.com/••••••' }, createdAt: '2026-11-24T18:00:00.000Z', updatedAt: '2026-11-24T18:00:00.000Z' }] } };
    }
    return undefined;
  });
}

const mountBanner = (role: 'viewer' | 'responder' | 'admin') =>
  mountAs(role, PagingBanner, { global: { stubs: { RouterLink: RouterLinkStub } } });

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
  vi.setSystemTime(new Date('2026-11-24T18:40:00.000Z'));
  health = structuredClone(FAILING);
});
afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
});

describe('PagingBanner', () => {
  it('says which channel fails, how and since when, and gives an admin the way to the channels', async () => {
    serveVigil();
    const wrapper = mountBanner('admin');
    await settle();
    const item = wrapper.get('li');
    expect(item.get('.text').text()).toBe("▲ Paging is failing: Slack 'ops' — answers 404");
    expect(item.get('.since').text()).toBe('since 18:38:00 UTC');
    const link = wrapper.getComponent(RouterLinkStub);
    expect(link.props('to')).toEqual({ name: 'admin', query: { tab: 'paging' }, hash: '#paging-channels' });
    expect(link.text()).toBe('Check the channels');
  });

  it('tells a responder who can fix it instead of linking to a page they cannot use', async () => {
    serveVigil();
    const wrapper = mountBanner('responder');
    await settle();
    expect(wrapper.get('.text').text()).toContain("Paging is failing: Slack 'ops' — answers 404");
    expect(wrapper.findComponent(RouterLinkStub).exists()).toBe(false);
    expect(wrapper.get('.fix').text()).toBe('an admin can fix the channel');
  });

  it('reads health every 30 s and goes quiet once paging works again', async () => {
    const calls = serveVigil();
    const wrapper = mountBanner('responder');
    await settle();
    const reads = () => calls.filter((c) => c.path === '/api/paging/health').length;
    expect(reads()).toBe(1);
    expect(wrapper.find('li').exists()).toBe(true);

    health = { failing: [] };
    await vi.advanceTimersByTimeAsync(PAGING_HEALTH_POLL_MS - 1);
    expect(reads()).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    await settle();
    expect(reads()).toBe(2);
    expect(wrapper.find('li').exists()).toBe(false);
  });

  it('asks nothing for a viewer', async () => {
    const calls = serveVigil();
    const wrapper = mountBanner('viewer');
    await settle();
    await vi.advanceTimersByTimeAsync(PAGING_HEALTH_POLL_MS * 2);
    expect(calls).toEqual([]);
    expect(wrapper.find('li').exists()).toBe(false);
  });
});
