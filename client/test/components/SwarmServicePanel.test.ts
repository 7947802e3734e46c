// @vitest-environment happy-dom
// The Swarm service panel on an incident page, with the real stores against a stubbed fetch: shown
// only for a Swarm service of the incident's host; a viewer is refused in words; a responder is asked
// once (naming service and host), then the force update is sent and its outcome said.
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Role, SwarmServiceView } from '@vigil/server/contract';
import SwarmServicePanel from '../../src/components/incident/SwarmServicePanel.vue';
import { incident } from '../fixtures.ts';
import { serve } from '../fetch-stub.ts';
import { mountAs, settle } from './mount.ts';

afterEach(() => vi.unstubAllGlobals());

const web: SwarmServiceView = { id: 'svc1', name: 'web', host: 'unix:///swarm.sock', mode: 'replicated', replicas: 2, forceUpdate: 0, version: 12, image: 'shop/web:1' };
const FORCE = '/api/swarm/services/web/force-update';

async function mountPanel(role: Role, over: Parameters<typeof incident>[0] = {}, answer?: { status: number; body: unknown }) {
  const calls = serve((method, path) => {
    if (method === 'GET' && path === '/api/swarm/services') return { status: 200, body: [web] };
    if (method === 'POST' && path === FORCE) return answer ?? { status: 200, body: { service: 'web', host: web.host, serviceId: 'svc1', previousForceUpdate: 0, forceUpdate: 1, actionId: 'a1' } };
    return undefined;
  });
  const wrapper = mountAs(role, SwarmServicePanel, { props: { incident: incident({ service: 'web', host: web.host, ...over }) } });
  await settle();
  return { wrapper, calls, dialog: () => wrapper.get('dialog').element as HTMLDialogElement };
}

describe('SwarmServicePanel', () => {
  it('shows nothing for a service that is not a Swarm service of that host', async () => {
    const other = await mountPanel('admin', { host: 'unix:///other.sock' });
    expect(other.wrapper.find('[data-testid="swarm-service"]').exists()).toBe(false);
    other.wrapper.unmount();
    const named = await mountPanel('admin', { service: 'backend' });
    expect(named.wrapper.find('[data-testid="swarm-service"]').exists()).toBe(false);
  });

  it('refuses a viewer in words beside a disabled button', async () => {
    const { wrapper, calls, dialog } = await mountPanel('viewer');
    expect(wrapper.get('[data-testid="swarm-service"]').text()).toContain('replicated · 2 replicas');
    expect(wrapper.get('[data-testid="force-update"]').attributes('disabled')).toBeDefined();
    expect(wrapper.get('[data-testid="force-update-refusal"]').text()).toBe('Only responders and admins can force an update of a Swarm service; you are signed in as viewer.');
    await wrapper.get('[data-testid="force-update"]').trigger('click');
    expect(dialog().open).toBe(false);
    expect(calls.filter((c) => c.method === 'POST')).toEqual([]);
  });

  it('asks once, naming service and host, then forces the update and says what Swarm took', async () => {
    const { wrapper, calls, dialog } = await mountPanel('responder');
    await wrapper.get('[data-testid="force-update"]').trigger('click');
    expect(dialog().open).toBe(true);
    expect(wrapper.get('[data-testid="dialog-service"]').text()).toBe('web');
    expect(calls.filter((c) => c.method === 'POST')).toEqual([]);
    await wrapper.get('[data-testid="confirm-button"]').trigger('click');
    await settle();
    expect(calls.filter((c) => c.method === 'POST')).toEqual([{ method: 'POST', path: FORCE, body: { host: web.host } }]);
    expect(dialog().open).toBe(false);
    expect(wrapper.get('[data-testid="force-update-done"]').text()).toBe('Swarm took the update (ForceUpdate 0 → 1) and replaces every task of web.');
  });

  it("a refusal stays in the dialog in the server's words", async () => {
    const { wrapper, dialog } = await mountPanel('responder', {}, { status: 409, body: { error: { code: 'not_swarm_manager', message: 'Docker endpoint x is not a Swarm manager.' } } });
    await wrapper.get('[data-testid="force-update"]').trigger('click');
    await wrapper.get('[data-testid="confirm-button"]').trigger('click');
    await settle();
    expect(dialog().open).toBe(true);
    expect(wrapper.get('dialog [role="alert"]').text()).toContain('Docker endpoint x is not a Swarm manager.');
  });
});
