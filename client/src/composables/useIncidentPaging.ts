// Who was paged for one incident and when its next escalation step pages (GET
// /api/incidents/:id/paging), read again when the page's live data says it moved: a notification.*
// entry on its timeline, an acknowledgement or resolution, or a step falling due.
import { onBeforeUnmount, ref, watch, type Ref } from 'vue';
import type { IncidentPaging, PublicUser } from '@vigil/server/contract';
import { incidentPaging } from '../lib/paging.ts';
import { errorText, listUsers } from '../lib/admin.ts';
import { useSessionStore } from '../stores/useSessionStore.ts';

/** Entries of one burst (a digest, a step to several targets) read the deliveries once. */
const REFETCH_DEBOUNCE_MS = 300;

export function useIncidentPaging(incidentId: Ref<string>, changes: () => unknown) {
  const paging = ref<IncidentPaging | null>(null);
  const loading = ref(false);
  const error = ref<string | null>(null);
  /** Usernames by id, when this person may list users (admins); others see "you" or the id. */
  const users = ref<ReadonlyMap<string, string>>(new Map());
  const session = useSessionStore();
  let controller: AbortController | null = null;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let usersAsked = false;

  async function learnUsers(): Promise<void> {
    if (usersAsked || session.user?.role !== 'admin' || !paging.value?.deliveries.some((d) => d.userId)) return;
    usersAsked = true;
    try {
      users.value = new Map((await listUsers()).map((u: PublicUser) => [u.id, u.username]));
    } catch {
      // ids stay as they are
    }
  }

  async function load(): Promise<void> {
    controller?.abort();
    const mine = new AbortController();
    controller = mine;
    const id = incidentId.value;
    loading.value = true;
    try {
      const answer = await incidentPaging(id, mine.signal);
      if (mine.signal.aborted) return;
      paging.value = answer;
      error.value = null;
      await learnUsers();
    } catch (err) {
      if (mine.signal.aborted) return;
      error.value = errorText(err);
    } finally {
      if (controller === mine) {
        loading.value = false;
        controller = null;
      }
    }
  }

  function soon(ms = REFETCH_DEBOUNCE_MS): void {
    clearTimeout(timer);
    timer = setTimeout(() => void load(), ms);
  }

  watch(incidentId, () => {
    paging.value = null;
    error.value = null;
    void load();
  }, { immediate: true });
  watch(changes, () => soon());
  onBeforeUnmount(() => {
    clearTimeout(timer);
    controller?.abort();
  });

  /** The person a delivery paged, in words. */
  function personName(userId: string): string {
    if (userId === session.user?.id) return `${session.user.username} (you)`;
    return users.value.get(userId) ?? userId;
  }

  return { paging, loading, error, reload: load, soon, personName };
}
