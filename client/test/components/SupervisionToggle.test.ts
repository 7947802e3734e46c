// @vitest-environment happy-dom
// SupervisionToggle mounted with the real containers store against a stubbed fetch: shown only for
// a supervised container, refused for viewers, the pause or resume asked of Vigil, and its answer.
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Container, Role } from '@vigil/server/contract';
import SupervisionToggle from '../../src/components/containers/SupervisionToggle.vue';
import { useContainersStore } from '../../src/stores/useContainersStore.ts';
import { container } from '../fixtures.ts';
import { deferred, serve, type Answer } from '../fetch-stub.ts';
import { mountAs, settle } from './mount.ts';

afterEach(() => vi.unstubAllGlobals());

const SUPERVISION = '/api/containers/c0ffee000000aaaa/supervision';

function mountToggle(role: Role, over: Partial<Container> = {}) {
  const wrapper = mountAs(role, SupervisionToggle, { props: { container: container({ supervised: true, ...over }) } });
  return { wrapper, button: () => wrapper.get('button') };
}

describe('SupervisionToggle', () => {
  it('shows nothing for a container Vigil does not supervise', () => {
    const { wrapper } = mountToggle('admin', { supervised: false });
    expect(wrapper.find('button').exists()).toBe(false);
  });

  it('refuses a viewer, with why in the title', async () => {
    const calls = serve(() => undefined);
    const { button } = mountToggle('viewer');
    expect(button().attributes('disabled')).toBeDefined();
    expect(button().attributes('title')).toBe('Only responders and admins can pause or resume supervision; you are signed in as viewer.');
    await button().trigger('click');
    expect(calls).toEqual([]);
  });

  it('pauses: asks Vigil, holds the button meanwhile, then shows the container as Vigil answers', async () => {
    const answer = deferred<Answer>();
    const calls = serve((method, path) => (method === 'POST' && path === SUPERVISION ? answer.promise : undefined));
    const { wrapper, button } = mountToggle('responder');
    expect(button().text()).toBe('Pause');
    expect(button().attributes('aria-label')).toBe('Pause supervision of shop_backend_1');
    expect(button().attributes('title')).toBe('Stop Vigil healing shop_backend_1 for now');
    await button().trigger('click');
    expect(calls).toEqual([{ method: 'POST', path: SUPERVISION, body: { paused: true } }]);
    expect(button().text()).toBe('…');
    expect(button().attributes('disabled')).toBeDefined();

    answer.resolve({ status: 200, body: container({ supervised: true, supervisionPaused: true }) });
    await settle();
    expect(useContainersStore().byId['c0ffee000000aaaa']?.supervisionPaused).toBe(true);
    await wrapper.setProps({ container: useContainersStore().byId['c0ffee000000aaaa'] });
    expect(button().text()).toBe('Resume');
    expect(button().attributes('title')).toBe('Let Vigil heal shop_backend_1 again');
    expect(button().attributes('disabled')).toBeUndefined();
  });

  it('resumes a paused one, and shows the server\'s words when it is refused', async () => {
    const calls = serve(() => ({ status: 409, body: { error: { code: 'not_supervised', message: 'shop_backend_1 is not supervised any more.' } } }));
    const { wrapper, button } = mountToggle('admin', { supervisionPaused: true });
    await button().trigger('click');
    await settle();
    expect(calls.map((c) => c.body)).toEqual([{ paused: false }]);
    expect(wrapper.get('[role="alert"]').text()).toBe('shop_backend_1 is not supervised any more.');
    expect(button().attributes('disabled')).toBeUndefined();
  });
});
