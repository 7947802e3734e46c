// @vitest-environment happy-dom
// PolicyForm mounted with a directory of channels, people and schedules, against a stubbed fetch:
// the policy it sends (patterns split, steps in order with their targets, repeat), editing one,
// and a 400 about one step's targets shown at that step.
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { EscalationPolicy } from '@vigil/server/contract';
import PolicyForm from '../../src/components/paging/PolicyForm.vue';
import { createPagingDirectory, PAGING_DIRECTORY } from '../../src/composables/usePagingDirectory.ts';
import { serve } from '../fetch-stub.ts';
import { mountAs, settle } from './mount.ts';

afterEach(() => vi.unstubAllGlobals());

const AT = '2026-11-24T18:00:00.000Z';

function directory() {
  const dir = createPagingDirectory();
  dir.channels.items.value = [{ id: 'ch1', name: 'ops', type: 'slack', config: {}, createdAt: AT, updatedAt: AT }];
  dir.users.items.value = [{ id: 'usr_rita', username: 'rita', role: 'responder', createdAt: AT }];
  dir.schedules.items.value = [{ id: 'sch1', name: 'primary', timeZone: 'Europe/Berlin', rotations: [], overrides: [], createdAt: AT, updatedAt: AT }];
  return dir;
}

function mountForm(policy: EscalationPolicy | null = null) {
  const wrapper = mountAs('admin', PolicyForm, { props: { policy }, global: { provide: { [PAGING_DIRECTORY as symbol]: directory() } } });
  const step = (n: number) => wrapper.get(`[data-step="${n}"]`);
  async function pick(n: number, value: string): Promise<void> {
    await step(n).get('select').setValue(value);
    const add = step(n).findAll('button').find((b) => b.text() === 'Add');
    await add?.trigger('click');
  }
  const button = (name: string) => {
    const found = wrapper.findAll('button').find((b) => b.text() === name);
    if (!found) throw new Error(`no button "${name}"`);
    return found;
  };
  return { wrapper, step, pick, button };
}

describe('PolicyForm', () => {
  it('offers channels, people and schedules as targets, and sends the steps in order', async () => {
    const calls = serve((method, path, body) => (method === 'POST' && path === '/api/escalation-policies'
      ? { status: 201, body: { id: 'pol1', createdAt: AT, updatedAt: AT, ...(body as object) } } : undefined));
    const { wrapper, step, pick, button } = mountForm();
    expect(step(1).findAll('optgroup').map((g) => [g.attributes('label'), g.findAll('option').map((o) => o.text())])).toEqual([
      ['Channels', ['ops (Slack)']], ['People', ['rita']], ['On call in a schedule', ['primary']],
    ]);
    await wrapper.get('input[type="text"]').setValue('backend on-call');
    await wrapper.get('input.mono').setValue('backend, web-*');
    await wrapper.get('select[id$="-severity"]').setValue('warning');
    await pick(1, 'channel:ch1');
    await pick(1, 'user:usr_rita');
    expect(step(1).findAll('.chip').map((c) => c.text().replace('✕', '').trim())).toEqual(['channel ops', 'rita']);

    await button('Add a step').trigger('click');
    expect((step(2).get('input[type="number"]').element as HTMLInputElement).value).toBe('300');
    expect(step(2).text()).toContain('5 m 00 s after the incident opens');
    expect(step(1).text()).toContain('when the incident opens');
    await pick(2, 'schedule:sch1');
    await wrapper.get('input[id$="-repeat"]').setValue('2');
    await wrapper.get('form').trigger('submit');
    await settle();

    expect(calls).toEqual([{
      method: 'POST', path: '/api/escalation-policies',
      body: {
        name: 'backend on-call', services: ['backend', 'web-*'], minSeverity: 'warning',
        steps: [{ afterSeconds: 0, targets: [{ channelId: 'ch1' }, { userId: 'usr_rita' }] }, { afterSeconds: 300, targets: [{ scheduleId: 'sch1' }] }],
        repeat: 2,
      },
    }]);
    expect(wrapper.emitted('saved')?.[0]?.[0]).toMatchObject({ id: 'pol1', name: 'backend on-call' });
  });

  it('edits a policy: its steps reorder, and the same policy is PUT back', async () => {
    const policy: EscalationPolicy = {
      id: 'pol1', name: 'p', services: ['*'], steps: [
        { afterSeconds: 0, targets: [{ channelId: 'ch1' }] },
        { afterSeconds: 600, targets: [{ userId: 'usr_rita' }] },
      ], repeat: 0, createdAt: AT, updatedAt: AT,
    };
    const calls = serve(() => ({ status: 200, body: policy }));
    const { wrapper, step } = mountForm(policy);
    expect((wrapper.get('select[id$="-severity"]').element as HTMLSelectElement).value).toBe('');
    await step(2).get('button[aria-label="Move step 2 up"]').trigger('click');
    expect(step(1).text()).toContain('rita');
    await wrapper.get('form').trigger('submit');
    await settle();
    expect(calls[0]?.method).toBe('PUT');
    expect(calls[0]?.path).toBe('/api/escalation-policies/pol1');
    expect(calls[0]?.body).toEqual({
      name: 'p', services: ['*'], steps: [{ afterSeconds: 600, targets: [{ userId: 'usr_rita' }] }, { afterSeconds: 0, targets: [{ channelId: 'ch1' }] }], repeat: 0,
    });
  });

  it('shows a 400 about one step at that step, and a blank number as null for the server to name', async () => {
    const calls = serve(() => ({
      status: 400,
      body: { error: { code: 'invalid_request', message: 'Invalid request body — steps.1.targets: add at least one target', details: [{ path: ['steps', 1, 'targets'], message: 'add at least one target' }] } },
    }));
    const { wrapper, step, button } = mountForm();
    await button('Add a step').trigger('click');
    await step(1).get('input[type="number"]').setValue('');
    await wrapper.get('form').trigger('submit');
    await settle();
    expect((calls[0]?.body as { steps: unknown[] }).steps).toEqual([{ afterSeconds: null, targets: [] }, { afterSeconds: 300, targets: [] }]);
    expect(step(2).get('.field-error').text()).toBe('add at least one target');
    expect(step(1).find('.field-error').exists()).toBe(false);
    expect(wrapper.get('[data-testid="form-error"]').text()).toBe('Not saved: Invalid request body — steps.1.targets: add at least one target');
  });
});
