// Replay's instant in words: where it is relative to the opening, and what was wrong then (the
// slider's aria-valuetext). Pure.
import type { ReplayState } from './replay.ts';

function spanWords(ms: number): string {
  const s = Math.round(Math.abs(ms) / 1_000);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  return m < 60 ? `${m} min ${s % 60} s` : `${Math.floor(m / 60)} h ${m % 60} min`;
}

/** Where the instant is relative to the opening, in words: "2 min 14 s after the incident opened". */
export function relativeWords(atMs: number, openedAt: string): string {
  const d = Math.round(atMs - Date.parse(openedAt));
  if (d === 0) return 'as the incident opened';
  const span = Math.abs(d) < 1_000 ? `${Math.abs(d)} ms` : spanWords(d);
  return `${span} ${d < 0 ? 'before' : 'after'} the incident opened`;
}

/** The instant for a screen reader (the slider's aria-valuetext): when, and what was wrong then. */
export function instantWords(state: ReplayState, openedAt: string): string {
  const time = `${new Date(state.atMs).toISOString().slice(11, 19)} UTC`;
  const down = state.containers.filter((c) => c.tone === 'critical' || c.state === 'restarting');
  const containers = state.containers.length === 0
    ? 'no container seen yet'
    : down.length === 0 ? `all ${state.containers.length} containers running` : `${down.length} of ${state.containers.length} containers not running or unhealthy`;
  const alerts = state.alerts.length === 0 ? 'no alert firing' : `${state.alerts.length} alert${state.alerts.length === 1 ? '' : 's'} firing`;
  const i = state.incident;
  const status = i.status === null ? 'not opened yet' : i.acknowledgedBy === undefined ? i.status : `${i.status}, acknowledged by ${i.acknowledgedBy}`;
  return `${time}, ${relativeWords(state.atMs, openedAt)}: ${containers}, ${alerts}, incident ${status}`;
}
