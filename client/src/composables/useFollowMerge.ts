// An incident can become part of another when signals arrive late (its id changes with them): the
// page of the old one moves to the one that took over its time, and says where it came from.
import { watch } from 'vue';
import { useRoute, useRouter } from 'vue-router';

/** Watches where the page's incident went (`movedTo`) and replaces the route with the same page of that one. */
export function useFollowMerge(movedTo: () => string | null | undefined): void {
  const route = useRoute();
  const router = useRouter();
  watch(movedTo, (to) => {
    const from = String(route.params['id'] ?? '');
    if (!to || to === from || typeof route.name !== 'string') return;
    void router.replace({ name: route.name, params: { ...route.params, id: to }, query: { mergedFrom: from } });
  }, { immediate: true });
}

/** The `mergedFrom` query value: the id the page was opened with before it moved. */
export function mergedFrom(value: unknown): string | null {
  const v = Array.isArray(value) ? value[0] : value;
  return typeof v === 'string' && /^[\w-]{1,100}$/.test(v) ? v : null;
}
