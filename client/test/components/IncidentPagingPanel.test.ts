// @vitest-environment happy-dom
// The incident's paging panel against a stubbed fetch and a fake clock: who was paged through
// what and how it went, the countdown to the next step ticking each second, and the deliveries read
// again when a notification.* entry arrives or the incident is acknowledged.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { DeliveryView, IncidentPaging } from '@vigil/server/contract';
import IncidentPagingPanel from '../../src/components/paging/IncidentPagingPanel.vue';
import { entry, incident } from '../fixtures.ts';
import { serve } from '../fetch-stub.ts';
import { mountAs, settle } from './mount.ts';

const delivery = (over: Partial<DeliveryView>): DeliveryView => ({
  id: 'd1', incidentIds: ['inc_1'], event: 'incident.opened', channelId: 'ch1', channelName: 'ops-slack', step: 0,
  state: 'delivered', attempts: 1, createdAt: '2026-11-24T18:37:12.000Z', deliveredAt: '2026-11-24T18:37:12.300Z', ...over,
});

const PAGING: IncidentPaging = {
  policyId: 'pol_1',
  nextStepAt: '2026-11-24T18:43:12.000Z',
  nextStep: 1,
  deliveries: [
    delivery({ id: 'd1', userId: 'usr_alice' }),
    delivery({ id: 'd2', channelId: 'ch2', channelName: 'ops-webhook', state: 'failed', attempts: 5, deliveredAt: undefined, lastError: 'answered 404 Not Found' }),
    delivery({ id: 'd3', channelId: 'ch3', channelName: 'mail', userId: 'usr_alice', state: 'pending', attempts: 2, deliveredAt: undefined, nextAttemptAt: '2026-11-24T18:40:30.000Z', lastError: 'connect ECONNREFUSED' }),
  ],
};

let answer: IncidentPaging;
function serveVigil() {
  return serve((method, path) => {
    if (method === 'GET' && path === '/api/incidents/inc_1/paging') return { status: 200, body: answer };
    if (method === 'GET' && path === '/api/users') return { status: 200, body: { items: [{ id: 'usr_alice', username: 'alice', role: 'responder', createdAt: '2026-11-01T00:00:00.000Z' }] } };
    return undefined;
  });
}

beforeEach(() => {
  // The fake clock drives useNow's ticks; setImmediate stays real so settle() can let fetch answer.
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
  vi.setSystemTime(new Date('2026-11-24T18:40:00.000Z'));
  answer = structuredClone(PAGING);
});
afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
});

const pagingCalls = (calls: ReturnType<typeof serve>) => calls.filter((c) => c.path === '/api/incidents/inc_1/paging').length;

describe('IncidentPagingPanel', () => {
  it('lists who was paged through what, delivered or not, with attempts and the last error', async () => {
    serveVigil();
    const wrapper = mountAs('admin', IncidentPagingPanel, { props: { incident: incident(), timeline: [] } });
    await settle();
    expect(wrapper.get('[data-testid="paging-counts"]').text()).toBe('1 delivered · 1 pending · 1 failed');
    const rows = wrapper.findAll('[data-testid="delivery"]');
    const row = (i: number) => {
      const r = rows[i];
      if (!r) throw new Error(`no delivery row ${i}`);
      return { state: r.get('.state').text(), who: r.get('.who').text(), text: r.text() };
    };
    expect(row(0)).toMatchObject({ state: '✓ Delivered', who: 'alice via ops-slack' });
    expect(row(0).text).toContain('first page');
    expect(row(0).text).toContain('at 18:37:12 UTC');
    expect(row(1)).toMatchObject({ state: '✕ Failed', who: 'ops-webhook' });
    expect(row(1).text).toContain('5 attempts');
    expect(row(1).text).toContain('last error: answered 404 Not Found');
    expect(row(2)).toMatchObject({ state: '… Pending', who: 'alice via mail' });
    expect(row(2).text).toContain('2 attempts');
    expect(row(2).text).toContain('retry at 18:40:30 UTC');
    expect(row(2).text).toContain('last error: connect ECONNREFUSED');
  });

  it('counts down to the next step each second, and reads again when it is due and nothing said so', async () => {
    const calls = serveVigil();
    const wrapper = mountAs('responder', IncidentPagingPanel, { props: { incident: incident(), timeline: [] } });
    await settle();
    const line = () => wrapper.get('[data-testid="escalation-line"]').text();
    expect(line()).toContain('Escalates to step 2 in 3:12 unless acknowledged');
    await vi.advanceTimersByTimeAsync(1_000);
    expect(line()).toContain('Escalates to step 2 in 3:11 unless acknowledged');
    // A responder cannot list users: another person reads as their id, never as nothing.
    expect(wrapper.findAll('[data-testid="delivery"] .who')[0]?.text()).toBe('usr_alice via ops-slack');

    await vi.advanceTimersByTimeAsync(191_000);
    expect(line()).toContain('Escalating to step 2 now…');
    expect(pagingCalls(calls)).toBe(1);
    answer = { ...PAGING, nextStepAt: '2026-11-24T18:48:12.000Z', nextStep: 2 };
    await vi.advanceTimersByTimeAsync(5_000);
    await settle();
    expect(pagingCalls(calls)).toBe(2);
    expect(line()).toContain('Escalates to step 3 in 4:55 unless acknowledged');
  });

  it('reads the deliveries again when a notification entry arrives, not for other entries', async () => {
    const calls = serveVigil();
    const wrapper = mountAs('responder', IncidentPagingPanel, { props: { incident: incident(), timeline: [] } });
    await settle();
    await wrapper.setProps({ timeline: [entry({ id: 'e1' })] });
    await vi.advanceTimersByTimeAsync(1_000);
    expect(pagingCalls(calls)).toBe(1);

    answer = { ...PAGING, deliveries: [...PAGING.deliveries, delivery({ id: 'd4', event: 'incident.escalated', step: 1, channelName: 'pager' })] };
    await wrapper.setProps({ timeline: [entry({ id: 'e1' }), entry({ id: 'e2', source: 'system', kind: 'notification.escalated', message: 'Escalated to step 2' })] });
    await vi.advanceTimersByTimeAsync(300);
    await settle();
    expect(pagingCalls(calls)).toBe(2);
    expect(wrapper.findAll('[data-testid="delivery"]')).toHaveLength(4);
    expect(wrapper.text()).toContain('escalation, step 2');
  });

  it('says escalation stopped once someone acknowledged, and reads what was cancelled', async () => {
    const calls = serveVigil();
    const wrapper = mountAs('responder', IncidentPagingPanel, { props: { incident: incident(), timeline: [] } });
    await settle();
    answer = { deliveries: PAGING.deliveries, policyId: 'pol_1' };
    await wrapper.setProps({ incident: incident({ status: 'acknowledged', acknowledgedAt: '2026-11-24T18:40:05.000Z', acknowledgedBy: 'rita' }) });
    expect(wrapper.get('[data-testid="escalation-line"]').text()).toBe('Escalation stopped: acknowledged by rita.');
    await vi.advanceTimersByTimeAsync(300);
    await settle();
    expect(pagingCalls(calls)).toBe(2);
  });

  it('says plainly when nobody was paged, and the server\'s words when it cannot say', async () => {
    answer = { deliveries: [] };
    serveVigil();
    const wrapper = mountAs('viewer', IncidentPagingPanel, { props: { incident: incident(), timeline: [] } });
    await settle();
    expect(wrapper.get('[data-testid="paging-empty"]').text()).toBe('Nobody was paged for this incident: no escalation policy matched it, or its service was in maintenance.');
    expect(wrapper.find('[data-testid="escalation-line"]').exists()).toBe(false);

    serve(() => ({ status: 403, body: { error: { code: 'forbidden', message: 'This needs the responder role; you are signed in as viewer.' } } }));
    const refused = mountAs('viewer', IncidentPagingPanel, { props: { incident: incident({ id: 'inc_2' }), timeline: [] } });
    await settle();
    expect(refused.get('[role="alert"]').text()).toContain('Who was paged is unknown: This needs the responder role; you are signed in as viewer.');
  });
});
