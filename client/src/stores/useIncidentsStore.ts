// Every incident the UI knows, kept live: the open ones (snapshot from the API, then socket deltas)
// and the pages of history the board has asked for. Components read; only the relay writes deltas.
import { computed, ref } from 'vue';
import { defineStore } from 'pinia';
import type { Incident } from '@vigil/server/contract';
import { api } from '../lib/api.ts';
import { compareForBoard, compareNewestFirst, EMPTY_FILTER, historyQuery, isActive, matchesFilter, newerIncident, type HistoryFilter } from '../lib/incidents.ts';
import { isIncident, isIncidentPage } from '../lib/wire.ts';
import { useConnectionStore } from './useConnectionStore.ts';

const OPEN_LIMIT = 500;
const PAGE_SIZE = 50;
/** Requests one "load more" may make while client-side filters (time, text) skip items. */
const MAX_SCAN_REQUESTS = 8;
/** Rows live updates may grow the history to before it is read again from the server instead. */
const HISTORY_LIVE_CAP = 500;
const HISTORY_RELOAD_DELAY_MS = 1_000;

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export const useIncidentsStore = defineStore('incidents', () => {
  const byId = ref<Record<string, Incident>>({});
  /** Bumped on every change: what derived views (stats) watch to refresh. */
  const revision = ref(0);

  const openLoaded = ref(false);
  const openLoading = ref(false);
  const openError = ref<string | null>(null);

  const filter = ref<HistoryFilter>({ ...EMPTY_FILTER });
  const historyIds = ref<string[]>([]);
  const historyCursor = ref<string | null>(null);
  const historyDone = ref(false);
  const historyLoading = ref(false);
  const historyLoaded = ref(false);
  const historyError = ref<string | null>(null);
  let historyRun = 0;
  let historyReload: ReturnType<typeof setTimeout> | undefined;

  const open = computed(() => Object.values(byId.value).filter(isActive).sort(compareForBoard));
  const history = computed(() => historyIds.value
    .map((id) => byId.value[id])
    .filter((i): i is Incident => i !== undefined && matchesFilter(i, filter.value)));
  /** Services seen anywhere, for the filter's suggestions. */
  const services = computed(() => [...new Set(Object.values(byId.value).map((i) => i.service))].sort());

  function put(incident: Incident): void {
    const next = newerIncident(byId.value[incident.id], incident);
    if (next === byId.value[incident.id]) return;
    // In place, not a copy of the whole map: a catch-up after a storm applies thousands in a row.
    byId.value[incident.id] = next;
    revision.value++;
  }

  /**
   * A live incident the history should show now: insert it where the loaded pages reach. Past
   * HISTORY_LIVE_CAP rows (a storm caught up after a reconnect) the history is read again from its
   * first page instead, once things settle, so "Load more" goes on from the server's cursor.
   */
  function offerToHistory(incident: Incident): void {
    if (!historyLoaded.value || historyIds.value.includes(incident.id) || !matchesFilter(incident, filter.value)) return;
    const ids = historyIds.value;
    // Binary search on the loaded order (newest first); ids whose incident is gone sort last.
    let lo = 0;
    let hi = ids.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      const other = byId.value[ids[mid] ?? ''];
      if (other && compareNewestFirst(incident, other) > 0) lo = mid + 1;
      else hi = mid;
    }
    if (!historyDone.value && lo === ids.length) return; // a later page brings it
    if (ids.length >= HISTORY_LIVE_CAP) {
      clearTimeout(historyReload);
      historyReload = setTimeout(() => { void reloadHistory(); }, HISTORY_RELOAD_DELAY_MS);
      return;
    }
    historyIds.value = [...ids.slice(0, lo), incident.id, ...ids.slice(lo)];
  }

  function upsert(incident: unknown): void {
    if (!isIncident(incident)) return;
    put(incident);
    const current = byId.value[incident.id];
    if (current) offerToHistory(current);
  }

  function remove(id: string): void {
    if (!(id in byId.value)) return;
    const next = { ...byId.value };
    delete next[id];
    byId.value = next;
    historyIds.value = historyIds.value.filter((x) => x !== id);
    revision.value++;
  }

  /** The link went live while a snapshot was in flight: that snapshot may predate the link, so read again. */
  let snapshotStale = false;

  async function loadOpen(): Promise<void> {
    snapshotStale = false;
    openLoading.value = true;
    try {
      const answer = await api.get(`/api/incidents?status=open&limit=${OPEN_LIMIT}`);
      if (!isIncidentPage(answer)) throw new Error('Vigil answered the incident list in a shape this page does not understand; reload the page.');
      const seen = new Set<string>();
      for (const i of answer.items) {
        put(i);
        seen.add(i.id);
      }
      // Open here, absent there: it changed while we were not listening. Ask for it as it is now.
      const stale = Object.values(byId.value).filter((i) => isActive(i) && !seen.has(i.id));
      await Promise.all(stale.map(async (i) => {
        try {
          upsert(await api.get(`/api/incidents/${encodeURIComponent(i.id)}`));
        } catch {
          remove(i.id);
        }
      }));
      openError.value = null;
      openLoaded.value = true;
    } catch (err) {
      openError.value = errorText(err);
    } finally {
      openLoading.value = false;
    }
    if (snapshotStale) await loadOpen();
  }

  /** Reads more history for the current filter: pages until a page's worth matched, or the end. */
  async function loadMoreHistory(): Promise<void> {
    if (historyDone.value) return;
    const run = historyRun;
    const f = filter.value;
    historyLoading.value = true;
    historyError.value = null;
    try {
      let found = 0;
      for (let i = 0; i < MAX_SCAN_REQUESTS && found < PAGE_SIZE; i++) {
        const answer = await api.get(historyQuery(f, PAGE_SIZE, historyCursor.value));
        if (run !== historyRun) return;
        if (!isIncidentPage(answer)) throw new Error('Vigil answered the incident list in a shape this page does not understand; reload the page.');
        const ids = new Set(historyIds.value);
        const added: string[] = [];
        for (const item of answer.items) {
          put(item);
          if (!ids.has(item.id)) added.push(item.id);
          if (matchesFilter(item, f)) found++;
        }
        historyIds.value = [...historyIds.value, ...added];
        historyCursor.value = answer.nextCursor;
        const last = answer.items[answer.items.length - 1];
        // Newest first: once past the window's start, nothing older can match.
        if (!answer.nextCursor || (f.from && last && last.openedAt < f.from)) {
          historyDone.value = true;
          break;
        }
      }
      historyLoaded.value = true;
    } catch (err) {
      if (run === historyRun) historyError.value = errorText(err);
    } finally {
      if (run === historyRun) historyLoading.value = false;
    }
  }

  async function setFilter(next: HistoryFilter): Promise<void> {
    const serverSide = next.status !== filter.value.status || next.service !== filter.value.service
      || next.from !== filter.value.from || next.to !== filter.value.to;
    filter.value = { ...next };
    if (!serverSide && historyLoaded.value) return; // text search narrows what is loaded
    await reloadHistory();
  }

  async function reloadHistory(): Promise<void> {
    clearTimeout(historyReload);
    historyRun++;
    historyIds.value = [];
    historyCursor.value = null;
    historyDone.value = false;
    historyLoaded.value = false;
    await loadMoreHistory();
  }

  function reset(): void {
    clearTimeout(historyReload);
    byId.value = {};
    openLoaded.value = false;
    openError.value = null;
    historyRun++;
    historyIds.value = [];
    historyCursor.value = null;
    historyDone.value = false;
    historyLoaded.value = false;
    historyLoading.value = false;
    historyError.value = null;
    revision.value++;
  }

  const relay = useConnectionStore().relay;
  relay.on('incident:upsert', upsert);
  relay.on('incident:remove', (r) => { if (typeof r?.id === 'string') remove(r.id); });
  relay.on('connection:live', () => {
    // A snapshot after every (re)connect: the socket only carries what changed while it was up.
    if (openLoading.value) snapshotStale = true;
    else if (openLoaded.value) void loadOpen();
  });
  relay.on('connection:reset', reset);

  return {
    byId, revision, open, history, services, filter,
    openLoaded, openLoading, openError,
    historyLoaded, historyLoading, historyError, historyDone,
    loadOpen, loadMoreHistory, reloadHistory, setFilter, upsert, remove,
  };
});
