// Who was paged for one incident and when its next escalation step pages (GET
// /api/incidents/:id/paging), read again when the page's live data says it moved: a notification.*
// entry on its timeline, an acknowledgement or resolution, or a step falling due.
import { ref, type Ref } from 'vue';
import type { IncidentPaging, PublicUser } from '@vigil/server/contract';
import { incidentPaging } from '../lib/paging.ts';
import { listUsers } from '../lib/admin.ts';
import { useIncidentResource } from './useIncidentResource.ts';
import { useSessionStore } from '../stores/useSessionStore.ts';

export function useIncidentPaging(incidentId: Ref<string>, changes: () => unknown) {
  /** Usernames by id, when this person may list users (admins); others see "you" or the id. */
  const users = ref<ReadonlyMap<string, string>>(new Map());
  const session = useSessionStore();
  let usersAsked = false;

  async function learnUsers(paging: IncidentPaging): Promise<void> {
    if (usersAsked || session.user?.role !== 'admin' || !paging.deliveries.some((d) => d.userId)) return;
    usersAsked = true;
    try {
      users.value = new Map((await listUsers()).map((u: PublicUser) => [u.id, u.username]));
    } catch {
      // ids stay as they are
    }
  }

  // Entries of one burst (a digest, a step to several targets) read the deliveries once (debounced).
  const { data: paging, loading, error, reload, soon } = useIncidentResource(incidentId, changes, incidentPaging, { onLoaded: learnUsers });

  /** The person a delivery paged, in words. */
  function personName(userId: string): string {
    if (userId === session.user?.id) return `${session.user.username} (you)`;
    return users.value.get(userId) ?? userId;
  }

  return { paging, loading, error, reload, soon, personName };
}
