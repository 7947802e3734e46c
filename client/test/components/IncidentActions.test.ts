// @vitest-environment happy-dom
// IncidentActions mounted with the real stores against a stubbed fetch: what each role and state
// may do, what is asked of Vigil on each action, the checks before asking, and the server's words.
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Incident, Role } from '@vigil/server/contract';
import IncidentActions from '../../src/components/incident/IncidentActions.vue';
import { useIncidentsStore } from '../../src/stores/useIncidentsStore.ts';
import { incident } from '../fixtures.ts';
import { deferred, serve, type Answer } from '../fetch-stub.ts';
import { mountAs, settle } from './mount.ts';

afterEach(() => vi.unstubAllGlobals());

/** What Vigil answers to an action: the incident as it now is, with its timeline. */
const detail = (over: Partial<Incident> = {}): Answer => ({ status: 200, body: { ...incident(over), timeline: [] } });

function mountActions(role: Role, over: Partial<Incident> = {}) {
  const wrapper = mountAs(role, IncidentActions, { props: { incident: incident(over) } });
  const button = (name: string) => {
    const found = wrapper.findAll('button').find((b) => b.text() === name);
    if (!found) throw new Error(`no button "${name}" in: ${wrapper.findAll('button').map((b) => b.text()).join(', ')}`);
    return found;
  };
  return { wrapper, button, note: () => wrapper.find('textarea') };
}

describe('IncidentActions', () => {
  it('shows a viewer every control disabled, says why, and asks Vigil nothing', async () => {
    const calls = serve(() => undefined);
    const { wrapper, button, note } = mountActions('viewer');
    expect(wrapper.get('[data-testid="actions-refusal"]').text()).toBe('Only responders and admins can act on incidents; you are signed in as viewer.');
    for (const name of ['Acknowledge', 'Add note', 'Resolve…']) expect(button(name).attributes('disabled'), name).toBeDefined();
    expect(note().attributes('disabled')).toBeDefined();
    await button('Acknowledge').trigger('click');
    await wrapper.find('form').trigger('submit');
    await settle();
    expect(calls).toEqual([]);
  });

  it('asks nothing through the page\'s "a" shortcut when acknowledging is refused', async () => {
    const calls = serve(() => detail());
    const acknowledge = (w: ReturnType<typeof mountActions>['wrapper']) => (w.vm as unknown as { acknowledge(): Promise<void> }).acknowledge();
    await acknowledge(mountActions('viewer').wrapper);
    await acknowledge(mountActions('responder', { status: 'acknowledged', acknowledgedAt: '2026-11-24T18:40:00.000Z', acknowledgedBy: 'rita' }).wrapper);
    expect(calls).toEqual([]);
    await acknowledge(mountActions('responder').wrapper);
    expect(calls.map((c) => c.path)).toEqual(['/api/incidents/inc_1/acknowledge']);
  });

  it('offers nothing on a resolved incident', () => {
    const { wrapper } = mountActions('responder', { status: 'resolved', resolvedAt: '2026-11-24T19:00:00.000Z' });
    expect(wrapper.text()).toContain('Resolved — the timeline is closed; nothing to do here.');
    expect(wrapper.findAll('button')).toHaveLength(0);
    expect(wrapper.find('textarea').exists()).toBe(false);
  });

  it('says who acknowledged already, and keeps notes and resolving open', () => {
    const { wrapper, button } = mountActions('admin', { status: 'acknowledged', acknowledgedAt: '2026-11-24T18:40:00.000Z', acknowledgedBy: 'rita' });
    const ack = button('Acknowledge');
    expect(ack.attributes('disabled')).toBeDefined();
    const why = wrapper.get(`#${ack.attributes('aria-describedby')}`);
    expect(why.text()).toBe('Acknowledged by rita already.');
    expect(button('Add note').attributes('disabled')).toBeUndefined();
    expect(button('Resolve…').attributes('disabled')).toBeUndefined();
    expect(wrapper.find('[data-testid="actions-refusal"]').exists()).toBe(false);
  });

  it('acknowledges: one POST, every button held while it runs, then the incident as Vigil says', async () => {
    const answer = deferred<Answer>();
    const calls = serve((method, path) => (method === 'POST' && path === '/api/incidents/inc_1/acknowledge' ? answer.promise : undefined));
    const { wrapper, button } = mountActions('responder');
    await button('Acknowledge').trigger('click');
    expect(calls).toEqual([{ method: 'POST', path: '/api/incidents/inc_1/acknowledge', body: undefined }]);
    expect(button('Acknowledging…').attributes('disabled')).toBeDefined();
    expect(button('Add note').attributes('disabled')).toBeDefined();
    expect(button('Resolve…').attributes('disabled')).toBeDefined();

    answer.resolve(detail({ status: 'acknowledged', acknowledgedAt: '2026-11-24T18:40:00.000Z', acknowledgedBy: 'rita' }));
    await settle();
    expect(wrapper.get('[role="status"]').text()).toBe('Acknowledged.');
    expect(useIncidentsStore().byId['inc_1']?.acknowledgedBy).toBe('rita');
    expect(button('Add note').attributes('disabled')).toBeUndefined();
  });

  it('asks for the note first, then sends it trimmed and empties the box', async () => {
    const calls = serve((method, path) => (method === 'POST' && path === '/api/incidents/inc_1/notes' ? detail() : undefined));
    const { wrapper, note } = mountActions('responder');
    await note().setValue('   ');
    await wrapper.get('form').trigger('submit');
    expect(wrapper.get('[role="alert"]').text()).toBe('Write the note first.');
    expect(document.activeElement).toBe(note().element);
    expect(calls).toEqual([]);

    await note().setValue('  disk full on /var  ');
    await wrapper.get('form').trigger('submit');
    await settle();
    expect(calls).toEqual([{ method: 'POST', path: '/api/incidents/inc_1/notes', body: { text: 'disk full on /var' } }]);
    expect(wrapper.get('[role="status"]').text()).toBe('Note added.');
    expect(wrapper.find('[role="alert"]').exists()).toBe(false);
    expect((note().element as HTMLTextAreaElement).value).toBe('');
  });

  it('shows the server\'s words when a note is refused, and keeps what was written', async () => {
    serve(() => ({ status: 409, body: { error: { code: 'incident_resolved', message: 'The incident is resolved; its timeline is closed.' } } }));
    const { wrapper, note } = mountActions('responder');
    await note().setValue('late note');
    await wrapper.get('form').trigger('submit');
    await settle();
    expect(wrapper.get('[role="alert"]').text()).toBe('The incident is resolved; its timeline is closed.');
    expect(wrapper.find('[role="status"]').exists()).toBe(false);
    expect((note().element as HTMLTextAreaElement).value).toBe('late note');
  });

  it('resolves in two steps: the reason is asked for, Cancel goes back, a reason is sent', async () => {
    const calls = serve((method, path) => (method === 'POST' && path === '/api/incidents/inc_1/resolve'
      ? detail({ status: 'resolved', resolvedAt: '2026-11-24T19:00:00.000Z' }) : undefined));
    const { wrapper, button } = mountActions('responder');
    const reasonBox = () => wrapper.find('textarea[required]');
    expect(reasonBox().exists()).toBe(false);

    await button('Resolve…').trigger('click');
    expect(wrapper.get('label[for$="-reason"]').text()).toBe('Why is it resolved?');
    await button('Cancel').trigger('click');
    expect(reasonBox().exists()).toBe(false);

    await button('Resolve…').trigger('click');
    const resolveForm = () => wrapper.findAll('form')[1];
    await resolveForm()?.trigger('submit');
    expect(wrapper.get('[role="alert"]').text()).toBe('Say why it is resolved.');
    expect(calls).toEqual([]);

    await reasonBox().setValue(' restarted; TICKET-123 ');
    await resolveForm()?.trigger('submit');
    await settle();
    expect(calls).toEqual([{ method: 'POST', path: '/api/incidents/inc_1/resolve', body: { reason: 'restarted; TICKET-123' } }]);
    expect(useIncidentsStore().byId['inc_1']?.status).toBe('resolved');
    expect(reasonBox().exists()).toBe(false);
  });
});
