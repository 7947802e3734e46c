// An incident's silences in Alertmanager (GET /api/incidents/:id/silences), read again when the
// page's live data says they moved (a silence.* entry, an acknowledgement or resolution) and every
// 30 s while shown: whether a silence still matches anything is not a timeline event.
import { onBeforeUnmount, ref, watch, type Ref } from 'vue';
import type { IncidentSilences } from '@vigil/server/contract';
import { incidentSilences } from '../lib/silences.ts';
import { errorText } from '../lib/admin.ts';

const REFETCH_DEBOUNCE_MS = 300;
const REFRESH_MS = 30_000;

export function useIncidentSilences(incidentId: Ref<string>, changes: () => unknown) {
  const silences = ref<IncidentSilences | null>(null);
  const error = ref<string | null>(null);
  let controller: AbortController | null = null;
  let timer: ReturnType<typeof setTimeout> | undefined;

  async function load(): Promise<void> {
    controller?.abort();
    const mine = new AbortController();
    controller = mine;
    try {
      const answer = await incidentSilences(incidentId.value, mine.signal);
      if (mine.signal.aborted) return;
      silences.value = answer;
      error.value = null;
    } catch (err) {
      if (mine.signal.aborted) return;
      error.value = errorText(err);
    } finally {
      if (controller === mine) controller = null;
      clearTimeout(timer);
      timer = setTimeout(() => void load(), REFRESH_MS);
    }
  }

  function soon(): void {
    clearTimeout(timer);
    timer = setTimeout(() => void load(), REFETCH_DEBOUNCE_MS);
  }

  watch(incidentId, () => {
    silences.value = null;
    error.value = null;
    void load();
  }, { immediate: true });
  watch(changes, () => soon());
  onBeforeUnmount(() => {
    clearTimeout(timer);
    controller?.abort();
  });

  return { silences, error, reload: load };
}
