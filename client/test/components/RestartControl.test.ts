// @vitest-environment happy-dom
// RestartControl mounted with the real stores against a stubbed fetch: who may restart which
// container and the words for who may not, the one confirmation (naming container and host), the
// request, and the outcome as the containers store learns it.
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Container, Role } from '@vigil/server/contract';
import RestartControl from '../../src/components/containers/RestartControl.vue';
import { useConnectionStore } from '../../src/stores/useConnectionStore.ts';
import { container } from '../fixtures.ts';
import { deferred, serve, type Answer } from '../fetch-stub.ts';
import { mountAs, settle } from './mount.ts';

afterEach(() => vi.unstubAllGlobals());

const RESTART = '/api/containers/c0ffee000000aaaa/restart';

function mountRestart(role: Role, over: Partial<Container> = {}, explain: 'full' | 'short' = 'full') {
  const wrapper = mountAs(role, RestartControl, { props: { container: container(over), explain } });
  return {
    wrapper,
    button: () => wrapper.get('button.restart-button'),
    dialog: () => wrapper.get('dialog').element as HTMLDialogElement,
    refusal: () => wrapper.find('[data-testid="restart-refusal"]'),
    outcome: () => wrapper.find('[data-testid="restart-outcome"]'),
  };
}

describe('RestartControl', () => {
  it('refuses a viewer in words beside a disabled button, and opens no dialog', async () => {
    const calls = serve(() => undefined);
    const { button, dialog, refusal } = mountRestart('viewer');
    const why = 'Only responders and admins can restart containers; you are signed in as viewer.';
    expect(button().attributes('disabled')).toBeDefined();
    expect(button().attributes('title')).toBe(why);
    expect(refusal().text()).toBe(why);
    expect(refusal().attributes('id')).toBe(button().attributes('aria-describedby'));
    expect(refusal().classes()).not.toContain('visually-hidden');
    await button().trigger('click');
    expect(dialog().open).toBe(false);
    expect(calls).toEqual([]);
  });

  it('opens no dialog through the page\'s "r" shortcut when refused or while a restart runs', async () => {
    serve((method, path) => (method === 'POST' && path === RESTART ? new Promise<undefined>(() => undefined) : undefined));
    const ask = (w: ReturnType<typeof mountRestart>) => (w.wrapper.vm as unknown as { ask(): void }).ask();
    // One at a time: every mount shares the one session store.
    for (const mountRefused of [() => mountRestart('viewer'), () => mountRestart('admin', { restartable: false })]) {
      const refused = mountRefused();
      ask(refused);
      expect(refused.dialog().open).toBe(false);
      refused.wrapper.unmount();
    }
    const allowed = mountRestart('responder');
    ask(allowed);
    expect(allowed.dialog().open).toBe(true);
    await allowed.wrapper.get('[data-testid="confirm-button"]').trigger('click');
    ask(allowed);
    expect(allowed.dialog().open).toBe(false);
  });

  it('in a table, leaves a viewer\'s refusal to the shared note but says a label refusal itself', () => {
    const viewer = mountRestart('viewer', {}, 'short');
    expect(viewer.refusal().classes()).toContain('visually-hidden');
    expect(viewer.refusal().text()).toContain('you are signed in as viewer');
    viewer.wrapper.unmount();

    const labelled = mountRestart('responder', { restartable: false }, 'short');
    expect(labelled.button().attributes('disabled')).toBeDefined();
    expect(labelled.refusal().text()).toBe('not restartable (label)');
    expect(labelled.refusal().classes()).not.toContain('visually-hidden');
    expect(labelled.button().attributes('title')).toBe('shop_backend_1 is labelled vigil.restartable=false: Vigil does not restart it.');
  });

  it('refuses a container labelled vigil.restartable=false even to an admin, in full on its own', () => {
    const { button, refusal } = mountRestart('admin', { restartable: false });
    expect(button().attributes('disabled')).toBeDefined();
    expect(refusal().text()).toBe('shop_backend_1 is labelled vigil.restartable=false: Vigil does not restart it.');
  });

  it('asks once, naming container and host; Cancel sends nothing', async () => {
    const calls = serve(() => undefined);
    const { wrapper, button, dialog, refusal } = mountRestart('responder', { host: 'tcp://10.0.0.7:2376' });
    expect(refusal().exists()).toBe(false);
    expect(button().attributes('title')).toBe('Restart shop_backend_1 on tcp://10.0.0.7:2376');
    await button().trigger('click');
    await settle();
    expect(dialog().open).toBe(true);
    expect(wrapper.get('[data-testid="dialog-container"]').text()).toBe('shop_backend_1');
    expect(wrapper.get('[data-testid="dialog-host"]').text()).toBe('tcp://10.0.0.7:2376');
    expect(wrapper.get('dialog').text()).toContain('it is running now');

    const cancel = wrapper.findAll('dialog button').find((b) => b.text() === 'Cancel');
    await cancel?.trigger('click');
    expect(dialog().open).toBe(false);
    expect(calls).toEqual([]);
  });

  it('restarts on confirm: one POST, the button held while Docker works, done when the container runs again', async () => {
    const accepted = deferred<Answer>();
    const calls = serve((method, path) => (method === 'POST' && path === RESTART ? accepted.promise : undefined));
    const { wrapper, button, dialog, outcome } = mountRestart('responder');
    await button().trigger('click');
    await wrapper.get('[data-testid="confirm-button"]').trigger('click');
    expect(dialog().open).toBe(false);
    expect(calls).toEqual([{ method: 'POST', path: RESTART, body: undefined }]);
    await settle();
    expect(outcome().attributes('data-phase')).toBe('requesting');
    expect(button().attributes('disabled')).toBeDefined();

    accepted.resolve({ status: 202, body: { actionId: 'act_1' } });
    await settle();
    expect(outcome().attributes('data-phase')).toBe('restarting');
    expect(outcome().text()).toBe('restarting…');
    expect(button().attributes('disabled')).toBeDefined();
    await button().trigger('click');
    expect(calls).toHaveLength(1);

    useConnectionStore().relay.emit('container:update', container({ startedAt: '2026-11-24T18:45:00.000Z', health: 'healthy' }));
    await settle();
    expect(outcome().attributes('data-phase')).toBe('done');
    expect(outcome().text()).toContain('running again (healthy)');
    expect(button().attributes('disabled')).toBeUndefined();
    await outcome().get('button[aria-label="Dismiss the restart outcome"]').trigger('click');
    expect(outcome().exists()).toBe(false);
  });

  it('shows the server\'s refusal of a restart in its own words', async () => {
    serve(() => ({ status: 403, body: { error: { code: 'forbidden', message: 'Your role may not restart containers.' } } }));
    const { wrapper, button, outcome } = mountRestart('responder');
    await button().trigger('click');
    await wrapper.get('[data-testid="confirm-button"]').trigger('click');
    await settle();
    expect(outcome().attributes('data-phase')).toBe('failed');
    expect(outcome().text()).toContain('refused: Your role may not restart containers.');
    expect(button().attributes('disabled')).toBeUndefined();
  });
});
