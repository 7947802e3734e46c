// @vitest-environment happy-dom
// The admin page's Paging tab against a stubbed fetch: its four sections read their lists; a
// channel's test send says what the receiver answered; deleting one is asked once, names it, and
// the server's refusal stays in the dialog.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createMemoryHistory, createRouter } from 'vue-router';
import { MASKED, type NotificationChannel } from '@vigil/server/contract';
import PagingAdmin from '../../src/components/paging/PagingAdmin.vue';
import { serve, type Route } from '../fetch-stub.ts';
import { mountAs, settle } from './mount.ts';

afterEach(() => vi.unstubAllGlobals());

const AT = '2026-11-24T18:00:00.000Z';
const OPS: NotificationChannel = { id: 'ch1', name: 'ops', type: 'slack', config: { url: `https://hooks.slack.com/${MASKED}` }, createdAt: AT, updatedAt: AT };

function serveVigil(more: Route = () => undefined) {
  return serve((method, path, body) => {
    if (method === 'GET') {
      if (path === '/api/notification-channels') return { status: 200, body: { items: [OPS] } };
      if (path === '/api/escalation-policies') {
        return { status: 200, body: { items: [{ id: 'pol1', name: 'backend on-call', services: ['backend'], minSeverity: 'critical', steps: [{ afterSeconds: 0, targets: [{ channelId: 'ch1' }] }, { afterSeconds: 600, targets: [{ scheduleId: 'sch1' }] }], repeat: 1, createdAt: AT, updatedAt: AT }] } };
      }
      if (path === '/api/schedules') return { status: 200, body: { items: [{ id: 'sch1', name: 'primary', timeZone: 'Europe/Berlin', rotations: [{ users: ['usr_rita'], handoffAt: '2026-12-07T09:00', shiftHours: 168 }], overrides: [], createdAt: AT, updatedAt: AT }] } };
      if (path === '/api/maintenance-windows') return { status: 200, body: { items: [] } };
      if (path === '/api/users') return { status: 200, body: { items: [{ id: 'usr_rita', username: 'rita', role: 'responder', createdAt: AT }] } };
    }
    return more(method, path, body);
  });
}

async function mountTab() {
  const router = createRouter({ history: createMemoryHistory(), routes: [{ path: '/admin', name: 'admin', component: PagingAdmin }] });
  await router.push('/admin?tab=paging');
  const wrapper = mountAs('admin', PagingAdmin, { global: { plugins: [router] } });
  await settle();
  const button = (name: string) => {
    const found = wrapper.findAll('button').find((b) => b.attributes('aria-label') === name || b.text() === name);
    if (!found) throw new Error(`no button "${name}"`);
    return found;
  };
  return { wrapper, button };
}

describe('PagingAdmin', () => {
  it('shows channels, policies (with their targets by name), schedules and maintenance windows', async () => {
    serveVigil();
    const { wrapper } = await mountTab();
    expect(wrapper.findAll('h2.section-title').map((h) => h.text())).toEqual(['Channels', 'Escalation policies', 'Schedules', 'Maintenance windows']);
    expect(wrapper.get('[data-channel="ops"]').findAll('th, td').map((c) => c.text()).slice(0, 3)).toEqual(['ops', 'Slack', `https://hooks.slack.com/${MASKED}`]);
    const policy = wrapper.get('[data-policy="backend on-call"]');
    expect(policy.findAll('li').map((li) => li.text())).toEqual(['at once: channel ops', 'after 10 m 00 s: on call in primary']);
    expect(policy.text()).toContain('critical only');
    expect(wrapper.get('[data-schedule="primary"]').text()).toContain('rita every 168 h');
    expect(wrapper.get('[data-testid="maintenance-table"]').text()).toContain('No maintenance windows.');
  });

  it('sends a test to a channel and says what the receiver answered', async () => {
    const calls = serveVigil((method, path) => (method === 'POST' && path === '/api/notification-channels/ch1/test'
      ? { status: 200, body: { delivered: false, status: 404, error: 'answered 404 Not Found: no_service', ms: 41 } } : undefined));
    const { wrapper, button } = await mountTab();
    await button('Send a test to ops').trigger('click');
    await settle();
    expect(calls.at(-1)).toEqual({ method: 'POST', path: '/api/notification-channels/ch1/test', body: undefined });
    expect(wrapper.get('[data-testid="test-result"]').text()).toBe('✕ Not delivered — answered 404 Not Found: no_service (41 ms)');
  });

  it('deletes a channel only once asked, and keeps the server\'s refusal in the dialog', async () => {
    let refuse = true;
    const calls = serveVigil((method, path) => {
      if (method !== 'DELETE' || path !== '/api/notification-channels/ch1') return undefined;
      return refuse
        ? { status: 409, body: { error: { code: 'in_use', message: 'The policy "backend on-call" pages this channel; change it first.' } } }
        : { status: 200, body: {} };
    });
    const { wrapper, button } = await mountTab();
    await button('Delete the channel ops').trigger('click');
    const dialog = wrapper.get('[data-testid="paging-channels"] dialog');
    expect((dialog.element as HTMLDialogElement).open).toBe(true);
    expect(dialog.text()).toContain('Delete the channel “ops”?');
    expect(calls.some((c) => c.method === 'DELETE')).toBe(false);

    await dialog.get('[data-testid="confirm-button"]').trigger('click');
    await settle();
    expect(dialog.get('[role="alert"]').text()).toBe('The policy "backend on-call" pages this channel; change it first.');
    expect((dialog.element as HTMLDialogElement).open).toBe(true);

    refuse = false;
    await dialog.get('[data-testid="confirm-button"]').trigger('click');
    await settle();
    expect((dialog.element as HTMLDialogElement).open).toBe(false);
    expect(wrapper.get('[data-testid="channels-done"]').text()).toBe('Deleted the channel “ops”.');
  });

  it('schedules a maintenance window in UTC, and puts a 400 beside the field it names', async () => {
    let refuse = true;
    const calls = serveVigil((method, path, body) => {
      if (method !== 'POST' || path !== '/api/maintenance-windows') return undefined;
      if (refuse) {
        return { status: 400, body: { error: { code: 'invalid_request', message: 'Invalid request body — end: must be after start', details: [{ path: ['end'], message: 'must be after start' }] } } };
      }
      return { status: 201, body: { id: 'mw1', createdBy: 'admin', createdAt: AT, ...(body as object) } };
    });
    const { wrapper } = await mountTab();
    await wrapper.get('#maint-services').setValue('backend, db');
    await wrapper.get('#maint-start').setValue('2026-12-07T22:00');
    await wrapper.get('#maint-end').setValue('2026-12-07T21:00');
    await wrapper.get('#maint-reason').setValue('database upgrade');
    const form = wrapper.get('[data-testid="paging-maintenance"] form');
    await form.trigger('submit');
    await settle();
    expect(calls.at(-1)?.body).toEqual({ services: ['backend', 'db'], start: '2026-12-07T22:00:00.000Z', end: '2026-12-07T21:00:00.000Z', reason: 'database upgrade' });
    expect(wrapper.get('#maint-end').attributes('aria-invalid')).toBe('true');
    expect(wrapper.get('#maint-end + .field-error').text()).toBe('must be after start');
    expect(wrapper.get('[data-testid="paging-maintenance"] [data-testid="form-error"]').text()).toBe('Not scheduled: Invalid request body — end: must be after start');

    refuse = false;
    await wrapper.get('#maint-end').setValue('2026-12-08T01:00');
    await form.trigger('submit');
    await settle();
    expect(wrapper.find('[data-testid="paging-maintenance"] [data-testid="form-error"]').exists()).toBe(false);
    expect(wrapper.get('[data-testid="paging-maintenance"] [role="status"]').text()).toBe('Scheduled maintenance of backend, db: no pages from them until 2026-12-08 01:00 UTC.');
  });
});
