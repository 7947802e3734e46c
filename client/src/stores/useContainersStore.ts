// Every container on every Docker host, kept live from `container:update`, and the restarts and
// supervision changes asked for here — shown as Docker reports them, never as guessed.
import { computed, ref } from 'vue';
import { defineStore } from 'pinia';
import type { Container } from '@vigil/server/contract';
import { api, ApiError } from '../lib/api.ts';
import { byHost, restartOutcome, type PendingRestart } from '../lib/containers.ts';
import { signalsOf } from '../lib/timeline.ts';
import { containerList, isActionAccepted, isContainer, isTimelineEntry } from '../lib/wire.ts';
import { useConnectionStore } from './useConnectionStore.ts';

/** After this long without an outcome, say so rather than spin. */
const OUTCOME_PATIENCE_MS = 60_000;

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export const useContainersStore = defineStore('containers', () => {
  const byId = ref<Record<string, Container>>({});
  const loaded = ref(false);
  const loading = ref(false);
  const error = ref<string | null>(null);
  /** The server has no containers API (404): an older Vigil, or the Docker source is not built in. */
  const unavailable = ref(false);
  const pending = ref<Record<string, PendingRestart>>({});
  const supervisionBusy = ref<Record<string, boolean>>({});
  const patience = new Map<string, ReturnType<typeof setTimeout>>();

  const list = computed(() => Object.values(byId.value));
  const hosts = computed(() => byHost(list.value));

  function put(c: Container): void {
    byId.value = { ...byId.value, [c.id]: c };
    const p = pending.value[c.id];
    if (p && p.phase === 'restarting') setPending(restartOutcome(p, c));
  }

  function setPending(p: PendingRestart): void {
    pending.value = { ...pending.value, [p.containerId]: p };
    if (p.phase === 'done' || p.phase === 'failed') {
      clearTimeout(patience.get(p.containerId));
      patience.delete(p.containerId);
    }
  }

  async function load(): Promise<void> {
    loading.value = true;
    try {
      const answer = await api.get('/api/containers');
      const items = containerList(answer);
      if (items === null) throw new Error('Vigil answered the container list in a shape this page does not understand; reload the page.');
      const next: Record<string, Container> = {};
      for (const c of items) next[c.id] = c;
      byId.value = next;
      for (const c of items) {
        const p = pending.value[c.id];
        if (p && p.phase === 'restarting') setPending(restartOutcome(p, c));
      }
      error.value = null;
      unavailable.value = false;
      loaded.value = true;
    } catch (err) {
      unavailable.value = err instanceof ApiError && err.status === 404;
      error.value = errorText(err);
    } finally {
      loading.value = false;
    }
  }

  /** Finds a container by its full id or a prefix (timeline signals carry the full one). */
  function find(id: string): Container | undefined {
    return byId.value[id] ?? list.value.find((c) => c.id.startsWith(id) || id.startsWith(c.id));
  }

  async function restart(c: Container): Promise<void> {
    const current = pending.value[c.id];
    if (current && (current.phase === 'requesting' || current.phase === 'restarting')) return;
    setPending({
      containerId: c.id, actionId: null, requestedAt: new Date().toISOString(), startedBefore: c.startedAt,
      phase: 'requesting', message: 'asking Vigil to restart…',
    });
    try {
      const answer = await api.post(`/api/containers/${encodeURIComponent(c.id)}/restart`);
      const p = pending.value[c.id];
      if (!p || p.phase !== 'requesting') return; // the outcome beat the answer
      setPending({ ...p, actionId: isActionAccepted(answer) ? answer.actionId : null, phase: 'restarting', message: 'restarting…' });
      clearTimeout(patience.get(c.id));
      patience.set(c.id, setTimeout(() => {
        const still = pending.value[c.id];
        if (still && still.phase === 'restarting') setPending({ ...still, message: `no outcome from Docker after ${OUTCOME_PATIENCE_MS / 1000} s — see the timeline` });
      }, OUTCOME_PATIENCE_MS));
      const latest = byId.value[c.id];
      if (latest) put(latest);
    } catch (err) {
      const p = pending.value[c.id];
      if (p) setPending({ ...p, phase: 'failed', message: `refused: ${errorText(err)}` });
    }
  }

  function dismiss(containerId: string): void {
    const next = { ...pending.value };
    delete next[containerId];
    pending.value = next;
  }

  async function setSupervision(c: Container, paused: boolean): Promise<void> {
    supervisionBusy.value = { ...supervisionBusy.value, [c.id]: true };
    try {
      const answer = await api.post(`/api/containers/${encodeURIComponent(c.id)}/supervision`, { paused });
      if (isContainer(answer)) put(answer);
    } finally {
      supervisionBusy.value = { ...supervisionBusy.value, [c.id]: false };
    }
  }

  /** The restart's result on the timeline (`action.restart_result`) settles a pending restart. */
  function onEntry(entry: unknown): void {
    if (!isTimelineEntry(entry) || entry.kind !== 'action.restart_result') return;
    for (const s of signalsOf(entry)) {
      const id = s.container ?? (typeof s.attributes['containerId'] === 'string' ? s.attributes['containerId'] : undefined);
      const actionId = typeof s.attributes['actionId'] === 'string' ? s.attributes['actionId'] : undefined;
      const p = Object.values(pending.value).find((x) => (actionId !== undefined && x.actionId === actionId) || (id !== undefined && x.containerId === id));
      if (!p || p.phase === 'done' || p.phase === 'failed') continue;
      if (Date.parse(entry.at) < Date.parse(p.requestedAt) - 5_000) continue; // an older restart's result
      const ok = s.attributes['ok'];
      if (ok === false) setPending({ ...p, phase: 'failed', message: entry.message });
      else if (ok === true) setPending({ ...p, phase: 'done', message: entry.message });
    }
  }

  function reset(): void {
    for (const t of patience.values()) clearTimeout(t);
    patience.clear();
    byId.value = {};
    pending.value = {};
    loaded.value = false;
    error.value = null;
    unavailable.value = false;
  }

  const relay = useConnectionStore().relay;
  relay.on('container:update', (c) => { if (isContainer(c)) put(c); });
  relay.on('timeline:append', onEntry);
  relay.on('connection:live', () => { if (loaded.value || error.value) void load(); });
  relay.on('connection:reset', reset);

  return { byId, list, hosts, loaded, loading, error, unavailable, pending, supervisionBusy, load, find, restart, dismiss, setSupervision };
});
