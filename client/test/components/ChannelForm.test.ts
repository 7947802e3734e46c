// @vitest-environment happy-dom
// ChannelForm mounted against a stubbed fetch: the fields of each type, secrets as password inputs
// that show the server's mask and are sent back untouched (so the stored value is kept) unless
// replaced, and a 400's words beside the field it names and under the form.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { MASKED, type NotificationChannel } from '@vigil/server/contract';
import ChannelForm from '../../src/components/paging/ChannelForm.vue';
import { serve } from '../fetch-stub.ts';
import { mountAs, settle } from './mount.ts';

afterEach(() => vi.unstubAllGlobals());

const MASKED_URL = `https://hooks.example.com/${MASKED}`;

function channel(over: Partial<NotificationChannel> = {}): NotificationChannel {
  return {
    id: 'ch1', name: 'ops hook', type: 'webhook', config: { url: MASKED_URL, secret: MASKED },
    createdAt: '2026-11-24T18:00:00.000Z', updatedAt: '2026-11-24T18:00:00.000Z', ...over,
  };
}

function mountForm(existing: NotificationChannel | null = null) {
  const wrapper = mountAs('admin', ChannelForm, { props: { channel: existing } });
  const field = (key: string) => wrapper.get(`input[data-field="${key}"]`);
  const value = (key: string) => (field(key).element as HTMLInputElement).value;
  const hint = (key: string) => wrapper.get(`[data-testid="hint-${key}"]`).text();
  return { wrapper, field, value, hint };
}

describe('ChannelForm', () => {
  it('shows the fields of the chosen type, secrets as password inputs', async () => {
    const { wrapper, field } = mountForm();
    expect(wrapper.findAll('input[data-field]').map((i) => i.attributes('data-field'))).toEqual(['url']);
    expect(field('url').attributes('type')).toBe('password');
    await wrapper.get('select').setValue('telegram');
    expect(wrapper.findAll('input[data-field]').map((i) => [i.attributes('data-field'), i.attributes('type')]))
      .toEqual([['botToken', 'password'], ['chatId', 'text']]);
    await wrapper.get('select').setValue('ntfy');
    expect(wrapper.findAll('input[data-field]').map((i) => [i.attributes('data-field'), i.attributes('type')]))
      .toEqual([['url', 'url'], ['topic', 'text'], ['token', 'password']]);
    expect(field('token').attributes('autocomplete')).toBe('new-password');
  });

  it('creates a channel with what was typed (e-mail recipients as a list)', async () => {
    const calls = serve((method, path, body) => (method === 'POST' && path === '/api/notification-channels'
      ? { status: 201, body: channel({ id: 'ch9', name: 'mail', type: 'email', config: (body as { config: Record<string, unknown> }).config }) }
      : undefined));
    const { wrapper, field } = mountForm();
    await wrapper.get('input[type="text"]').setValue(' mail ');
    await wrapper.get('select').setValue('email');
    await field('to').setValue('a@example.com, b@example.com');
    await wrapper.get('form').trigger('submit');
    await settle();
    expect(calls).toEqual([{ method: 'POST', path: '/api/notification-channels', body: { name: 'mail', type: 'email', config: { to: ['a@example.com', 'b@example.com'] } } }]);
    expect(wrapper.emitted('saved')?.[0]?.[0]).toMatchObject({ id: 'ch9', type: 'email' });
  });

  it('shows stored secrets masked and sends them back untouched, which keeps them', async () => {
    const calls = serve((method, path) => (method === 'PATCH' && path === '/api/notification-channels/ch1' ? { status: 200, body: channel() } : undefined));
    const { wrapper, field, value, hint } = mountForm(channel());
    expect(field('url').attributes('type')).toBe('password');
    expect(value('url')).toBe(MASKED_URL);
    expect(value('secret')).toBe(MASKED);
    expect(hint('url')).toBe(`Stored: ${MASKED_URL} — type to replace it`);
    expect(hint('secret')).toBe('Stored and hidden — type to replace it');
    expect((wrapper.get('select').element as HTMLSelectElement).disabled).toBe(true);

    await wrapper.get('form').trigger('submit');
    await settle();
    expect(calls).toEqual([{ method: 'PATCH', path: '/api/notification-channels/ch1', body: { name: 'ops hook', type: 'webhook', config: { url: MASKED_URL, secret: MASKED } } }]);
  });

  it('sends a replaced secret, and can go back to the stored one', async () => {
    const calls = serve(() => ({ status: 200, body: channel() }));
    const { wrapper, field, value, hint } = mountForm(channel());
    await field('secret').setValue('n3w-s3cret');
    expect(hint('secret')).toContain('Replaces the stored one when saved');
    await wrapper.get('form').trigger('submit');
    await settle();
    expect((calls[0]?.body as { config: unknown }).config).toEqual({ url: MASKED_URL, secret: 'n3w-s3cret' });

    await field('url').setValue('https://elsewhere.example.com/hook');
    const keep = wrapper.findAll('button').find((b) => b.text() === 'Keep the stored one');
    await keep?.trigger('click');
    expect(value('url')).toBe(MASKED_URL);
  });

  it('puts the server\'s words beside the field a 400 names, and whole under the form', async () => {
    serve(() => ({
      status: 400,
      body: { error: { code: 'invalid_request', message: 'Invalid request body — config.url: only http(s) addresses', details: [{ path: ['config', 'url'], message: 'only http(s) addresses' }] } },
    }));
    const { wrapper, field } = mountForm();
    await wrapper.get('input[type="text"]').setValue('ops');
    await field('url').setValue('ftp://hooks.slack.com/x');
    await wrapper.get('form').trigger('submit');
    await settle();
    expect(field('url').attributes('aria-invalid')).toBe('true');
    expect(wrapper.get(`#${field('url').attributes('aria-describedby')}`).text()).toBe('only http(s) addresses');
    expect(wrapper.get('[data-testid="form-error"]').text()).toBe('Not saved: Invalid request body — config.url: only http(s) addresses');
    expect(wrapper.emitted('saved')).toBeUndefined();
    expect((field('url').element as HTMLInputElement).value).toBe('ftp://hooks.slack.com/x');
  });
});
