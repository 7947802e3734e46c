// Whether paging works: the channels whose last delivery failed (GET /api/paging/health), read every
// 30 s while someone who responds is signed in, and at once when a page is reported on a timeline
// (a failure, or a success that may end one). The shell's banner shows it.
import { ref } from 'vue';
import { defineStore } from 'pinia';
import type { ChannelType, PagingHealth } from '@vigil/server/contract';
import { ApiError } from '../lib/api.ts';
import { channelTypes as readChannelTypes, pagingHealth } from '../lib/paging-health.ts';
import { isTimelineEntry } from '../lib/wire.ts';
import { useConnectionStore } from './useConnectionStore.ts';

export const PAGING_HEALTH_POLL_MS = 30_000;
/** A burst of notification entries (a digest, retries) reads the health once. */
const ENTRY_DEBOUNCE_MS = 1_000;

export const usePagingHealthStore = defineStore('pagingHealth', () => {
  const failing = ref<PagingHealth['failing']>([]);
  /** Channel types by id, for "Slack 'ops'"; read when a failing channel is not known yet. */
  const channelTypes = ref<ReadonlyMap<string, ChannelType>>(new Map());

  let running = false;
  let inFlight = false;
  /** Asked again while a read was under way: read once more as soon as it ends. */
  let again = false;
  let timer: ReturnType<typeof setTimeout> | undefined;

  async function learnTypes(): Promise<void> {
    if (failing.value.every((f) => channelTypes.value.has(f.channelId))) return;
    try {
      channelTypes.value = await readChannelTypes();
    } catch {
      // The banner still names the channel, without its type.
    }
  }

  function next(ms: number): void {
    clearTimeout(timer);
    if (running) timer = setTimeout(() => void check(), ms);
  }

  async function check(): Promise<void> {
    if (!running) return;
    if (inFlight) {
      again = true;
      return;
    }
    inFlight = true;
    again = false;
    try {
      const health = await pagingHealth();
      if (!running) return;
      failing.value = health.failing;
      await learnTypes();
    } catch (err) {
      // No such route or no longer allowed: nothing to say. Unreachable: keep what was known (the
      // connection banner says Vigil is unreachable).
      if (err instanceof ApiError && err.status >= 400 && err.status < 500) failing.value = [];
    } finally {
      inFlight = false;
      next(again ? 0 : PAGING_HEALTH_POLL_MS);
    }
  }

  /** Starts polling (idempotent). */
  function start(): void {
    if (running) return;
    running = true;
    void check();
  }

  /** Stops polling and forgets (signed out, or a role that does not respond). */
  function stop(): void {
    running = false;
    clearTimeout(timer);
    failing.value = [];
  }

  const relay = useConnectionStore().relay;
  relay.on('timeline:append', (entry) => {
    if (running && isTimelineEntry(entry) && entry.kind.startsWith('notification.')) next(ENTRY_DEBOUNCE_MS);
  });
  relay.on('connection:reset', stop);

  return { failing, channelTypes, start, stop, check };
});
