// A list read from the server, with its loading state and, when reading failed, the words to show
// (and a `load` to try again). `useServerList` reads it when the component mounts; `serverList`
// leaves when to its owner (the paging directory reads its lists once for the whole tab).
import { onMounted, ref, type Ref } from 'vue';
import { errorText } from '../lib/admin.ts';

export function serverList<T>(read: () => Promise<T[]>, what: string, loadingAtFirst = false) {
  const items = ref([]) as Ref<T[]>;
  const loading = ref(loadingAtFirst);
  const loadError = ref<string | null>(null);

  async function load(): Promise<void> {
    loading.value = true;
    try {
      items.value = await read();
      loadError.value = null;
    } catch (err) {
      loadError.value = `Could not read ${what}: ${errorText(err)}`;
    } finally {
      loading.value = false;
    }
  }

  return { items, loading, loadError, load };
}

export function useServerList<T>(read: () => Promise<T[]>, what: string) {
  const list = serverList(read, what, true);
  onMounted(list.load);
  return list;
}
