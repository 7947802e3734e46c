// Incident replay's state: the instant (kept in the URL's `?at=`), the signals it folds, playing
// at 1×, 10× or 60×, stepping by event. Used by the replay panel only (it loads when opened).
import { computed, onBeforeUnmount, ref, watch, type Ref } from 'vue';
import { useRoute, useRouter } from 'vue-router';
import type { Incident, ReplaySignal, TimelineEntry } from '@vigil/server/contract';
import { api } from '../lib/api.ts';
import {
  eventInstants, mergeSignals, parseInstant, readReplayAnswer, replayAt, replayWindow, stepEvent, type ReplayState, type Speed,
} from '../lib/replay.ts';

/** How often playing moves the instant, and how often the URL follows a moving instant. */
const TICK_MS = 100;
const URL_EVERY_MS = 300;
/** New timeline entries while replay is open: the route is read again this long after the first. */
const RELOAD_AFTER_MS = 3_000;

export function useReplay(incident: () => Incident, timeline: () => readonly TimelineEntry[], now: Ref<Date>) {
  const route = useRoute();
  const router = useRouter();
  const fetched = ref<ReplaySignal[]>([]);
  const loadError = ref<string | null>(null);
  const truncated = ref(false);
  const loading = ref(true);
  const atMs = ref<number | null>(null);
  const note = ref<string | null>(null);
  const playing = ref(false);
  const speed = ref<Speed>(1);

  // An open incident's window ends 10 min after now: it follows the clock.
  const window = computed(() => replayWindow(incident(), now.value.getTime()));
  const signals = computed(() => mergeSignals(timeline(), fetched.value));
  const instants = computed(() => eventInstants(timeline(), signals.value, window.value));
  const state = computed<ReplayState | null>(() => (atMs.value === null ? null : replayAt(incident(), timeline(), signals.value, atMs.value)));

  async function load(): Promise<void> {
    loading.value = true;
    try {
      const answer = readReplayAnswer(await api.get(`/api/incidents/${encodeURIComponent(incident().id)}/replay`));
      if (answer === null) throw new Error('Vigil answered replay in a shape this page does not understand.');
      fetched.value = answer.signals;
      truncated.value = answer.truncated;
      loadError.value = null;
    } catch (err) {
      loadError.value = err instanceof Error ? err.message : String(err);
    } finally {
      loading.value = false;
    }
  }
  void load();
  // Another incident: read again. The incident goes on (new entries): read again, at most every few seconds.
  watch(() => incident().id, () => { fetched.value = []; void load(); });
  let reloadTimer: ReturnType<typeof setTimeout> | undefined;
  watch(() => timeline().length, () => { reloadTimer ??= setTimeout(() => { reloadTimer = undefined; void load(); }, RELOAD_AFTER_MS); });

  // The URL holds the instant; what this page wrote there is not read back as a new instant.
  let written: string | null = null;
  let urlTimer: ReturnType<typeof setTimeout> | undefined;
  function writeUrl(): void {
    urlTimer = undefined;
    if (atMs.value === null) return;
    written = new Date(atMs.value).toISOString();
    if (route.query['at'] !== written) void router.replace({ query: { ...route.query, at: written } });
  }
  function setInstant(ms: number, opts: { urlNow?: boolean } = {}): void {
    const w = window.value;
    atMs.value = Math.min(w.endMs, Math.max(w.startMs, Math.round(ms)));
    note.value = null;
    if (opts.urlNow) { clearTimeout(urlTimer); writeUrl(); } else urlTimer ??= setTimeout(writeUrl, URL_EVERY_MS);
  }

  function step(dir: 1 | -1): void {
    if (atMs.value === null) return;
    pause();
    const next = stepEvent(instants.value, atMs.value, dir);
    if (next !== null) setInstant(next, { urlNow: true });
  }

  let playTimer: ReturnType<typeof setInterval> | undefined;
  let lastTick = 0;
  function play(): void {
    if (atMs.value === null) return;
    if (atMs.value >= window.value.endMs) setInstant(window.value.startMs);
    playing.value = true;
    lastTick = performance.now();
    clearInterval(playTimer);
    playTimer = setInterval(() => {
      const t = performance.now();
      const next = (atMs.value ?? window.value.startMs) + (t - lastTick) * speed.value;
      lastTick = t;
      setInstant(next);
      if (next >= window.value.endMs) stop();
    }, TICK_MS);
  }
  function pause(): void {
    playing.value = false;
    clearInterval(playTimer);
    playTimer = undefined;
  }
  /** A person's pause: the URL gets the very instant it stopped at (while playing it lags by up to URL_EVERY_MS). */
  function stop(): void {
    pause();
    clearTimeout(urlTimer);
    writeUrl();
  }
  const toggle = (): void => (playing.value ? stop() : play());

  // Declared after play's timer: an invalid `?at=` pauses while the watch first runs.
  watch(() => route.query['at'], (value) => {
    if (typeof value === 'string' && value === written) return;
    const parsed = parseInstant(value, window.value);
    if (parsed.kind === 'at') {
      atMs.value = parsed.ms;
      note.value = parsed.note ?? null;
    } else {
      pause();
      atMs.value = null;
      note.value = parsed.kind === 'invalid' ? parsed.note : null;
    }
  }, { immediate: true });

  // Closing replay takes `at` out of the URL first: a pending write must not put it back.
  onBeforeUnmount(() => {
    pause();
    clearTimeout(urlTimer);
    clearTimeout(reloadTimer);
  });

  return { window, atMs, state, note, loading, loadError, truncated, instants, playing, speed, setInstant, step, play, pause: stop, toggle };
}
