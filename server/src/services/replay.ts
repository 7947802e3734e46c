// What replay of an incident needs beyond its timeline: every container signal of its service on
// every host over the window (containers that never failed are not on the timeline), the actions
// on them, the alerts, and the latest of each before the window (a container simply running then).
import type { Incident, ReplayAnswer, ReplaySignal } from '../contract/index.ts';
import { KIND } from '../domain/kinds.ts';
import type { Signal } from '../domain/signal.ts';
import type { Store } from '../store/types.ts';
import { loadIncidentWithTimeline } from './incidents.ts';

/** Context around the incident on each side, as the page's scrubber shows it. */
export const REPLAY_MARGIN_MS = 10 * 60_000;
/** The most signals one answer carries. */
export const REPLAY_LIMIT = 5_000;
/** Before the window: the latest signals of each kind looked at, and kept per container or alert. */
const BEFORE_PER_KIND = 100;
const BEFORE_PER_SUBJECT = 3;
/** How far back before the window to look: bounds the scan of a kind's index on a busy store. */
export const BEFORE_LOOKBACK_MS = 7 * 86_400_000;

export const REPLAY_KINDS: readonly string[] = [
  KIND.create, KIND.start, KIND.restart, KIND.kill, KIND.oom, KIND.die, KIND.stop, KIND.pause, KIND.unpause,
  KIND.destroy, KIND.healthy, KIND.unhealthy,
  KIND.supervisorRestart, KIND.restartRequested, KIND.restartResult,
  KIND.alertFiring, KIND.alertResolved,
];

export function replayWindow(incident: Incident, now: Date): { from: string; to: string } {
  const start = Date.parse(incident.openedAt);
  const end = incident.resolvedAt === undefined ? now.getTime() : Date.parse(incident.resolvedAt);
  return { from: new Date(start - REPLAY_MARGIN_MS).toISOString(), to: new Date(Math.max(end, start) + REPLAY_MARGIN_MS).toISOString() };
}

function toReplaySignal(s: Signal): ReplaySignal {
  return {
    id: s.id, source: s.source, host: s.host, at: s.at, kind: s.kind,
    ...(s.service === undefined ? {} : { service: s.service }),
    ...(s.container === undefined ? {} : { container: s.container }),
    attributes: s.attributes,
    ...(s.receivedAt === undefined ? {} : { receivedAt: s.receivedAt }),
  };
}

const byTime = (a: Signal, b: Signal): number => (a.at < b.at ? -1 : a.at > b.at ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

/** What a signal is about: its container on its host, or its alert. */
function subject(s: Signal): string {
  const fingerprint = s.attributes['fingerprint'];
  if (s.container !== undefined) return `c ${s.host} ${s.container}`;
  return typeof fingerprint === 'string' ? `a ${fingerprint}` : `s ${s.id}`;
}

/** The latest few signals of each container and alert before the window (one query per kind, bounded). */
async function before(store: Pick<Store, 'signals'>, service: string, from: string): Promise<Signal[]> {
  const to = new Date(Date.parse(from) - 1).toISOString();
  const since = new Date(Date.parse(from) - BEFORE_LOOKBACK_MS).toISOString();
  const lists = await Promise.all(REPLAY_KINDS.map((kind) => store.signals.listKind({ kind, service, from: since, to, limit: BEFORE_PER_KIND })));
  const kept = new Map<string, Signal[]>();
  for (const s of lists.flat().sort(byTime).reverse()) {
    const list = kept.get(subject(s)) ?? [];
    if (list.length < BEFORE_PER_SUBJECT) kept.set(subject(s), [...list, s]);
  }
  return [...kept.values()].flat();
}

export async function incidentReplay(store: Pick<Store, 'incidents' | 'timeline' | 'signals'>, id: string, now: Date): Promise<ReplayAnswer> {
  const incident = await loadIncidentWithTimeline(store, id);
  const { from, to } = replayWindow(incident, now);
  const inside = await Promise.all(REPLAY_KINDS.map((kind) => store.signals.listKind({ kind, service: incident.service, from, to, limit: REPLAY_LIMIT + 1 })));
  // Each kind's list is its newest first; past the limit the oldest of the window are left out.
  let window = inside.flat().sort(byTime);
  const truncated = inside.some((l) => l.length > REPLAY_LIMIT) || window.length > REPLAY_LIMIT;
  if (window.length > REPLAY_LIMIT) window = window.slice(window.length - REPLAY_LIMIT);
  const earlier = truncated ? [] : await before(store, incident.service, from);
  const signals = [...earlier, ...window].sort(byTime).slice(-REPLAY_LIMIT).map(toReplaySignal);
  return { incidentId: incident.id, service: incident.service, from, to, signals, truncated, limit: REPLAY_LIMIT };
}
