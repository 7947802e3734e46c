// One incident's server-side view (its paging, its silences…), read when the incident changes, again
// shortly after the page's live data says it moved (debounced: one burst of entries, one read), and
// optionally every `refreshMs` while shown. A newer read aborts the one in flight.
import { onBeforeUnmount, ref, watch, type Ref } from 'vue';
import { errorText } from '../lib/admin.ts';

const REFETCH_DEBOUNCE_MS = 300;

export interface IncidentResourceOptions<T> {
  /** Read again this long after each read (for what no timeline entry announces). */
  refreshMs?: number;
  /** After each successful read. */
  onLoaded?: (value: T) => Promise<void> | void;
}

export function useIncidentResource<T>(
  incidentId: Ref<string>,
  changes: () => unknown,
  read: (id: string, signal: AbortSignal) => Promise<T>,
  options: IncidentResourceOptions<T> = {},
) {
  const data = ref<T | null>(null) as Ref<T | null>;
  const loading = ref(false);
  const error = ref<string | null>(null);
  let controller: AbortController | null = null;
  let timer: ReturnType<typeof setTimeout> | undefined;
  /** Unmounted: the read aborted then must not schedule another. */
  let stopped = false;

  async function load(): Promise<void> {
    controller?.abort();
    const mine = new AbortController();
    controller = mine;
    loading.value = true;
    try {
      const answer = await read(incidentId.value, mine.signal);
      if (mine.signal.aborted) return;
      data.value = answer;
      error.value = null;
      await options.onLoaded?.(answer);
    } catch (err) {
      if (mine.signal.aborted) return;
      error.value = errorText(err);
    } finally {
      if (controller === mine) {
        loading.value = false;
        controller = null;
        if (options.refreshMs !== undefined) soon(options.refreshMs);
      }
    }
  }

  function soon(ms = REFETCH_DEBOUNCE_MS): void {
    clearTimeout(timer);
    if (stopped) return;
    timer = setTimeout(() => void load(), ms);
  }

  watch(incidentId, () => {
    data.value = null;
    error.value = null;
    void load();
  }, { immediate: true });
  watch(changes, () => soon());
  onBeforeUnmount(() => {
    stopped = true;
    clearTimeout(timer);
    controller?.abort();
  });

  return { data, loading, error, reload: load, soon };
}
