// Mounting a component as the app runs it: a real Pinia (also active for the test, so the test
// reads the same stores), a signed-in person of the given role, attached to the document so
// focus and modal dialogs behave.
import { afterEach, beforeEach } from 'vitest';
import { createPinia, setActivePinia, type Pinia } from 'pinia';
import { enableAutoUnmount, flushPromises, mount, type ComponentMountingOptions } from '@vue/test-utils';
import type { Component } from 'vue';
import type { Role } from '@vigil/server/contract';
import { useSessionStore } from '../../src/stores/useSessionStore.ts';

enableAutoUnmount(afterEach);

let pinia: Pinia;
beforeEach(() => {
  pinia = createPinia();
  setActivePinia(pinia);
});

/** Signs `role` in locally (no socket): what the session store holds after a sign-in. */
export function signInAs(role: Role): void {
  useSessionStore().user = { id: `usr_${role}`, username: role === 'responder' ? 'rita' : role, role, createdAt: '2026-11-01T00:00:00.000Z' };
}

export function mountIn<C extends Component>(component: C, options: ComponentMountingOptions<C> = {}) {
  return mount(component, { ...options, attachTo: document.body, global: { ...options.global, plugins: [...(options.global?.plugins ?? []), pinia] } });
}

export function mountAs<C extends Component>(role: Role, component: C, options: ComponentMountingOptions<C> = {}) {
  signInAs(role);
  return mountIn(component, options);
}

/** Lets the stubbed fetch answer and Vue re-render. */
export const settle = flushPromises;
