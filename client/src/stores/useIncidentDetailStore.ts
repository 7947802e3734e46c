// The timelines and analytics of the incidents someone has open, kept live, and what a responder
// does to an incident (acknowledge, note, resolve). The incident itself lives in useIncidentsStore.
import { ref } from 'vue';
import { defineStore } from 'pinia';
import type { IncidentAnalytics, TimelineEntry } from '@vigil/server/contract';
import { api, ApiError } from '../lib/api.ts';
import { mergeEntry } from '../lib/timeline.ts';
import { isIncidentAnalytics, isIncidentWithTimeline, isTimelineEntry } from '../lib/wire.ts';
import { useConnectionStore } from './useConnectionStore.ts';
import { useIncidentsStore } from './useIncidentsStore.ts';

export interface IncidentDetailState {
  timeline: TimelineEntry[];
  analytics: IncidentAnalytics | null;
  loading: boolean;
  error: string | null;
  /** 404: there is no such incident (or it was merged into another). */
  missing: boolean;
  /** Merged: the incident that took over its time (signals arrived late); the page goes there. */
  movedTo: string | null;
}

/** Where a 404 `incident_merged` says the incident went. */
function mergedInto(err: unknown): string | null {
  if (!(err instanceof ApiError) || err.code !== 'incident_merged') return null;
  const to: unknown = (err.details as { replacedBy?: unknown } | undefined)?.replacedBy;
  return typeof to === 'string' && to !== '' ? to : null;
}

/** Analytics are the server's to compute: re-read them shortly after the timeline moves. */
const ANALYTICS_REFRESH_MS = 400;

const BAD_SHAPE = 'Vigil answered with an incident in a shape this page does not understand; reload the page.';

export const useIncidentDetailStore = defineStore('incidentDetail', () => {
  const details = ref<Record<string, IncidentDetailState>>({});
  const incidents = useIncidentsStore();
  const refreshTimers = new Map<string, ReturnType<typeof setTimeout>>();

  function patch(id: string, change: Partial<IncidentDetailState>): void {
    const current = details.value[id] ?? { timeline: [], analytics: null, loading: false, error: null, missing: false, movedTo: null };
    details.value = { ...details.value, [id]: { ...current, ...change } };
  }

  /** Takes a full answer (GET, or what an action returns): the incident, its timeline, its analytics. */
  function apply(answer: unknown): string {
    if (!isIncidentWithTimeline(answer)) throw new Error(BAD_SHAPE);
    const { timeline, analytics, ...incident } = answer;
    incidents.upsert(incident);
    const change: Partial<IncidentDetailState> = { timeline: [...timeline], error: null, missing: false, movedTo: null };
    if (isIncidentAnalytics(analytics)) change.analytics = analytics;
    patch(answer.id, change);
    return answer.id;
  }

  async function load(id: string): Promise<void> {
    patch(id, { loading: true });
    try {
      apply(await api.get(`/api/incidents/${encodeURIComponent(id)}`));
    } catch (err) {
      const status = typeof err === 'object' && err !== null && 'status' in err ? err.status : undefined;
      patch(id, { error: err instanceof Error ? err.message : String(err), missing: status === 404, movedTo: mergedInto(err) });
    } finally {
      patch(id, { loading: false });
    }
  }

  function scheduleRefresh(id: string): void {
    clearTimeout(refreshTimers.get(id));
    refreshTimers.set(id, setTimeout(() => {
      refreshTimers.delete(id);
      if (details.value[id]) void load(id);
    }, ANALYTICS_REFRESH_MS));
  }

  function forget(id: string): void {
    clearTimeout(refreshTimers.get(id));
    refreshTimers.delete(id);
    const next = { ...details.value };
    delete next[id];
    details.value = next;
  }

  async function act(id: string, path: string, body?: unknown): Promise<void> {
    apply(await api.post(`/api/incidents/${encodeURIComponent(id)}/${path}`, body));
  }

  const acknowledge = (id: string) => act(id, 'acknowledge');
  const addNote = (id: string, text: string) => act(id, 'notes', { text });
  const resolve = (id: string, reason: string) => act(id, 'resolve', { reason });

  const relay = useConnectionStore().relay;
  relay.on('timeline:append', (entry) => {
    if (!isTimelineEntry(entry)) return;
    const d = details.value[entry.incidentId];
    if (!d) return;
    patch(entry.incidentId, { timeline: mergeEntry(d.timeline, entry) });
    scheduleRefresh(entry.incidentId);
  });
  relay.on('timeline:remove', (r) => {
    const d = details.value[r.incidentId];
    if (!d) return;
    patch(r.incidentId, { timeline: d.timeline.filter((e) => e.id !== r.id) });
    scheduleRefresh(r.incidentId);
  });
  relay.on('incident:upsert', (i) => {
    if (typeof i?.id === 'string' && details.value[i.id]) scheduleRefresh(i.id);
  });
  relay.on('incident:remove', (r) => {
    if (!details.value[r.id]) return;
    const movedTo = typeof r.replacedBy === 'string' && r.replacedBy !== '' ? r.replacedBy : null;
    patch(r.id, { missing: true, movedTo, error: 'This incident was merged into another one as later signals arrived.' });
  });
  relay.on('connection:live', () => {
    for (const id of Object.keys(details.value)) void load(id);
  });
  relay.on('connection:reset', () => {
    for (const t of refreshTimers.values()) clearTimeout(t);
    refreshTimers.clear();
    details.value = {};
  });

  return { details, load, forget, acknowledge, addNote, resolve };
});
