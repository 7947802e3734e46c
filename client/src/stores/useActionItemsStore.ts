// Open action items across incidents (the task lines of saved post-mortems), for the board, and
// ticking one done: a versioned edit of its post-mortem, so a stale tick is refused (409), never lost.
import { ref } from 'vue';
import { defineStore } from 'pinia';
import { api, ApiError } from '../lib/api.ts';
import type { ActionItem } from '@vigil/server/contract';
import { actionItemKey, isActionItemList, isPostmortemView, postmortemPaths } from '../lib/postmortem.ts';
import { useConnectionStore } from './useConnectionStore.ts';

const BAD_SHAPE = 'Vigil answered with action items in a shape this page does not understand; reload the page.';

export const useActionItemsStore = defineStore('actionItems', () => {
  /** Open items, plus the ones ticked here since the last load (shown done, so the tick can be undone). */
  const items = ref<ActionItem[]>([]);
  const loaded = ref(false);
  const loading = ref(false);
  const error = ref<string | null>(null);
  /** Keys of items being ticked right now. */
  const busy = ref<Record<string, boolean>>({});

  async function load(): Promise<void> {
    loading.value = true;
    try {
      const answer = await api.get(postmortemPaths.openActionItems);
      if (!isActionItemList(answer)) throw new Error(BAD_SHAPE);
      items.value = answer.items;
      loaded.value = true;
      error.value = null;
    } catch (err) {
      error.value = err instanceof Error ? err.message : String(err);
    } finally {
      loading.value = false;
    }
  }

  /**
   * Marks the item done (or open again). The answer is the new version of its post-mortem: the
   * incident's other items move to it, so ticking two in a row is not a conflict with yourself.
   * Throws an ApiError the caller shows; on a 409 the list is re-read first.
   */
  async function setDone(item: ActionItem, done: boolean): Promise<void> {
    const key = actionItemKey(item);
    busy.value = { ...busy.value, [key]: true };
    try {
      const answer = await api.patch(postmortemPaths.actionItem(item.incidentId, item.index), { done, version: item.version });
      if (!isPostmortemView(answer)) throw new Error(BAD_SHAPE);
      items.value = items.value.map((i) => {
        if (i.incidentId !== item.incidentId) return i;
        return { ...i, version: answer.version, ...(i.index === item.index ? { done } : {}) };
      });
    } catch (err) {
      if (err instanceof ApiError && err.status === 409) {
        await load();
        throw new ApiError(409, err.code, `The post-mortem of “${item.incidentTitle}” changed meanwhile; the list is re-read — check the item and tick it again.`);
      }
      throw err;
    } finally {
      const next = { ...busy.value };
      delete next[key];
      busy.value = next;
    }
  }

  const relay = useConnectionStore().relay;
  relay.on('connection:live', () => { if (loaded.value) void load(); });
  relay.on('connection:reset', () => {
    items.value = [];
    loaded.value = false;
    error.value = null;
  });

  return { items, loaded, loading, error, busy, load, setDone };
});
