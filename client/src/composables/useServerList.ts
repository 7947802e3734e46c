// A list read from the server when the component mounts, with its loading state and, when reading
// failed, the words to show (and a `load` to try again).
import { onMounted, ref, type Ref } from 'vue';
import { errorText } from '../lib/admin.ts';

export function useServerList<T>(read: () => Promise<T[]>, what: string) {
  const items = ref([]) as Ref<T[]>;
  const loading = ref(true);
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
  onMounted(load);

  return { items, loading, loadError, load };
}
