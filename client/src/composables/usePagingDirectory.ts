// What the paging admin panels share: the channels, schedules and users (the lists the channel and
// schedule panels show, and what a policy's targets and a rotation pick from), read once for the tab
// and re-read by whichever panel changed one. Provided by PagingAdmin, injected by the panels.
import { computed, inject, provide, ref, type InjectionKey, type Ref } from 'vue';
import type { ChannelType, NotificationChannel, PublicUser, Schedule } from '@vigil/server/contract';
import { errorText, listUsers } from '../lib/admin.ts';
import { listChannels, listSchedules } from '../lib/paging.ts';
import type { Directory } from '../lib/paging-forms.ts';

interface Loaded<T> {
  items: Ref<T[]>;
  loading: Ref<boolean>;
  error: Ref<string | null>;
  load(): Promise<void>;
}

function loaded<T>(read: () => Promise<T[]>, what: string): Loaded<T> {
  const items = ref([]) as Ref<T[]>;
  const loading = ref(false);
  const error = ref<string | null>(null);
  async function load(): Promise<void> {
    loading.value = true;
    try {
      items.value = await read();
      error.value = null;
    } catch (err) {
      error.value = `Could not read ${what}: ${errorText(err)}`;
    } finally {
      loading.value = false;
    }
  }
  return { items, loading, error, load };
}

export function createPagingDirectory() {
  const channels = loaded<NotificationChannel>(listChannels, 'the channels');
  const schedules = loaded<Schedule>(listSchedules, 'the schedules');
  const users = loaded<PublicUser>(listUsers, 'the users');

  const names = computed<Directory>(() => ({
    channels: new Map(channels.items.value.map((c) => [c.id, c.name])),
    users: new Map(users.items.value.map((u) => [u.id, u.username])),
    schedules: new Map(schedules.items.value.map((s) => [s.id, s.name])),
  }));
  const channelTypes = computed(() => new Map<string, ChannelType>(channels.items.value.map((c) => [c.id, c.type])));

  const loadAll = () => Promise.all([channels.load(), schedules.load(), users.load()]).then(() => undefined);

  return { channels, schedules, users, names, channelTypes, loadAll };
}

export type PagingDirectory = ReturnType<typeof createPagingDirectory>;

/** Exported for tests that mount one panel with a directory of their own. */
export const PAGING_DIRECTORY: InjectionKey<PagingDirectory> = Symbol('paging-directory');

export function providePagingDirectory(dir: PagingDirectory = createPagingDirectory()): PagingDirectory {
  provide(PAGING_DIRECTORY, dir);
  return dir;
}

export function usePagingDirectory(): PagingDirectory {
  const dir = inject(PAGING_DIRECTORY, null);
  if (!dir) throw new Error('usePagingDirectory needs providePagingDirectory in a parent (PagingAdmin)');
  return dir;
}
