// @vitest-environment happy-dom
// A page whose incident became part of another (signals arrived late) moves to that one: same page,
// the new id, and where it came from in the query. A real router, in memory.
import { defineComponent, h, ref } from 'vue';
import { createMemoryHistory, createRouter, RouterView } from 'vue-router';
import { afterEach, describe, expect, it } from 'vitest';
import { mergedFrom, useFollowMerge } from '../../src/composables/useFollowMerge.ts';
import { enableAutoUnmount, flushPromises as settle, mount } from '@vue/test-utils';

enableAutoUnmount(afterEach);

const movedTo = ref<string | null>(null);
const Page = defineComponent({ setup() { useFollowMerge(() => movedTo.value); return () => h('p', 'page'); } });

async function at(path: string) {
  const router = createRouter({
    history: createMemoryHistory(),
    routes: [{ path: '/incidents/:id', name: 'incident', component: Page }, { path: '/incidents/:id/postmortem', name: 'postmortem', component: Page }],
  });
  await router.push(path);
  mount(RouterView, { attachTo: document.body, global: { plugins: [router] } });
  await settle();
  return router;
}

describe('useFollowMerge', () => {
  it('replaces the route with the same page of the incident it went to, and says where it came from', async () => {
    movedTo.value = null;
    const router = await at('/incidents/inc_old/postmortem');
    expect(router.currentRoute.value.fullPath).toBe('/incidents/inc_old/postmortem');
    movedTo.value = 'inc_new';
    await settle();
    expect(router.currentRoute.value.name).toBe('postmortem');
    expect(router.currentRoute.value.params['id']).toBe('inc_new');
    expect(mergedFrom(router.currentRoute.value.query['mergedFrom'])).toBe('inc_old');
  });

  it('stays when nothing moved, and reads only a plausible id back from the query', async () => {
    movedTo.value = null;
    const router = await at('/incidents/inc_1');
    await settle();
    expect(router.currentRoute.value.fullPath).toBe('/incidents/inc_1');
    expect(mergedFrom(['inc_a', 'inc_b'])).toBe('inc_a');
    expect(mergedFrom('<img src=x>')).toBeNull();
    expect(mergedFrom(undefined)).toBeNull();
  });
});
