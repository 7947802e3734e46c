// What the paging admin panels share: the channels, schedules and users (the lists the channel and
// schedule panels show, and what a policy's targets and a rotation pick from), read once for the tab
// and re-read by whichever panel changed one. Provided by PagingAdmin, injected by the panels.
import { computed, inject, provide, type InjectionKey } from 'vue';
import type { ChannelType, NotificationChannel, PublicUser, Schedule } from '@vigil/server/contract';
import { listUsers } from '../lib/admin.ts';
import { listChannels, listSchedules } from '../lib/paging.ts';
import type { Directory } from '../lib/paging-forms.ts';
import { serverList } from './useServerList.ts';

export function createPagingDirectory() {
  const channels = serverList<NotificationChannel>(listChannels, 'the channels');
  const schedules = serverList<Schedule>(listSchedules, 'the schedules');
  const users = serverList<PublicUser>(listUsers, 'the users');

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
