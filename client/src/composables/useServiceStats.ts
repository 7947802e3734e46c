// MTTA/MTTR per service from GET /api/stats, for a window; re-read (gently) as incidents change.
import { onBeforeUnmount, ref, watch, type Ref } from 'vue';
import type { ServiceStats } from '@vigil/server/contract';
import { api } from '../lib/api.ts';
import { isStatsResponse } from '../lib/wire.ts';
import { useIncidentsStore } from '../stores/useIncidentsStore.ts';

const REFRESH_DEBOUNCE_MS = 2_000;

export function useServiceStats(window: Ref<{ from: string; to: string }>) {
  const services = ref<ServiceStats[]>([]);
  const range = ref<{ from: string; to: string } | null>(null);
  const loading = ref(false);
  const error = ref<string | null>(null);
  const incidents = useIncidentsStore();
  let timer: ReturnType<typeof setTimeout> | undefined;
  let run = 0;

  async function load(): Promise<void> {
    const mine = ++run;
    loading.value = true;
    const q = new URLSearchParams();
    if (window.value.from) q.set('from', window.value.from);
    if (window.value.to) q.set('to', window.value.to);
    try {
      const answer = await api.get(`/api/stats${q.size > 0 ? `?${q.toString()}` : ''}`);
      if (mine !== run) return;
      if (!isStatsResponse(answer)) throw new Error('Vigil answered the statistics in a shape this page does not understand.');
      services.value = answer.services;
      range.value = { from: answer.from, to: answer.to };
      error.value = null;
    } catch (err) {
      if (mine === run) error.value = err instanceof Error ? err.message : String(err);
    } finally {
      if (mine === run) loading.value = false;
    }
  }

  watch(window, () => void load(), { immediate: true, deep: true });
  watch(() => incidents.revision, () => {
    clearTimeout(timer);
    timer = setTimeout(() => void load(), REFRESH_DEBOUNCE_MS);
  });
  onBeforeUnmount(() => clearTimeout(timer));

  return { services, range, loading, error, reload: load };
}
