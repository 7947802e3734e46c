// @vitest-environment happy-dom
// "My contact methods" against a stubbed fetch: what is saved (an emptied field removes that
// method), the server's words beside a refused field, and "Page me now" — only for what is saved,
// with what came of each send.
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ContactMethods } from '@vigil/server/contract';
import ContactMethodsPanel from '../../src/components/paging/ContactMethodsPanel.vue';
import { serve, type Route } from '../fetch-stub.ts';
import { mountAs, settle } from './mount.ts';

afterEach(() => vi.unstubAllGlobals());

function serveVigil(stored: ContactMethods, more: Route = () => undefined) {
  return serve((method, path, body) => {
    if (method === 'GET' && path === '/api/me/contacts') return { status: 200, body: stored };
    if (method === 'PUT' && path === '/api/me/contacts') return { status: 200, body };
    return more(method, path, body);
  });
}

const pageMe = (wrapper: ReturnType<typeof mountAs>) => wrapper.get('[data-testid="page-me"]');

describe('ContactMethodsPanel', () => {
  it('shows what is saved and saves what is filled in, an emptied field removing that method', async () => {
    const calls = serveVigil({ email: 'rita@example.com', ntfyTopic: 'rita-pages' });
    const wrapper = mountAs('responder', ContactMethodsPanel);
    await settle();
    expect((wrapper.get('#contact-email').element as HTMLInputElement).value).toBe('rita@example.com');
    expect((wrapper.get('#contact-ntfyTopic').element as HTMLInputElement).value).toBe('rita-pages');

    await wrapper.get('#contact-ntfyTopic').setValue('');
    await wrapper.get('#contact-slackMemberId').setValue(' U0123ABCD ');
    await wrapper.get('form').trigger('submit');
    await settle();
    expect(calls.at(-1)).toEqual({ method: 'PUT', path: '/api/me/contacts', body: { email: 'rita@example.com', slackMemberId: 'U0123ABCD' } });
    expect(wrapper.get('[role="status"]').text()).toBe('Saved. Use “Page me now” to check that pages reach you.');
  });

  it('puts a refused field\'s words beside it', async () => {
    const refusal = { error: { code: 'invalid_request', message: 'Invalid request body — email: Invalid email address', details: [{ path: ['email'], message: 'Invalid email address' }] } };
    serve((method, path) => {
      if (method === 'GET' && path === '/api/me/contacts') return { status: 200, body: {} };
      if (method === 'PUT' && path === '/api/me/contacts') return { status: 400, body: refusal };
      return undefined;
    });
    const wrapper = mountAs('viewer', ContactMethodsPanel);
    await settle();
    await wrapper.get('#contact-email').setValue('rita');
    await wrapper.get('form').trigger('submit');
    await settle();
    expect(wrapper.get('#contact-email').attributes('aria-invalid')).toBe('true');
    expect(wrapper.get('#contact-email-msg').text()).toBe('Invalid email address');
    expect(wrapper.get('[data-testid="form-error"]').text()).toBe('Not saved: Invalid request body — email: Invalid email address');
  });

  it('pages only through what is saved, and says how each send went', async () => {
    const calls = serveVigil({ email: 'rita@example.com' }, (method, path) => (method === 'POST' && path === '/api/me/page-test'
      ? { status: 200, body: [{ delivered: true, status: 250, ms: 84, method: 'email' }, { delivered: false, error: 'connect ECONNREFUSED', ms: 3 }] }
      : undefined));
    const wrapper = mountAs('viewer', ContactMethodsPanel);
    await settle();
    expect(pageMe(wrapper).attributes('disabled')).toBeUndefined();

    await wrapper.get('#contact-email').setValue('other@example.com');
    expect(pageMe(wrapper).attributes('disabled')).toBeDefined();
    expect(wrapper.get('#page-me-why').text()).toBe('Save first: the test uses what is saved.');
    await wrapper.get('#contact-email').setValue('rita@example.com');

    await pageMe(wrapper).trigger('click');
    await settle();
    expect(calls.at(-1)).toEqual({ method: 'POST', path: '/api/me/page-test', body: undefined });
    const results = wrapper.get('[data-testid="page-me-results"]');
    expect(results.get('.summary').text()).toBe('1 of 2 delivered.');
    expect(results.findAll('li').map((li) => li.text())).toEqual([
      '✓ email: Delivered — answered 250 in 84 ms',
      '✕ Not delivered — connect ECONNREFUSED (3 ms)',
    ]);
  });

  it('offers no test page to someone with no contact method', async () => {
    const calls = serveVigil({});
    const wrapper = mountAs('viewer', ContactMethodsPanel);
    await settle();
    expect(pageMe(wrapper).attributes('disabled')).toBeDefined();
    expect(wrapper.get('#page-me-why').text()).toBe('Add a contact method first.');
    await pageMe(wrapper).trigger('click');
    await settle();
    expect(calls.map((c) => c.path)).toEqual(['/api/me/contacts']);
  });
});
