// What the engine tells its caller to persist and broadcast, as the difference between what it
// derived and what it said before.
import type { Incident, TimelineEntry } from '../contract/index.ts';
import type { Decision } from './decision.ts';
import { compareEntries, toIncident } from './machine.ts';
import type { Machine } from './machine.ts';

export type { Decision } from './decision.ts';

/** What one service's machine says at a given time. */
export interface View {
  incidents: Incident[];
  entries: TimelineEntry[];
}

/** What has been told to the caller, per service. */
export interface Emitted {
  incidents: Record<string, Incident>;
  /** entry id → incident id */
  entries: Record<string, string>;
}

export const NOTHING_EMITTED: Emitted = { incidents: {}, entries: {} };

export function viewOf(m: Machine): View {
  const drafts = m.active === null ? m.closed : [...m.closed, m.active];
  const entries = [...drafts.flatMap((d) => d.entries), ...m.detached].sort(compareEntries);
  return { incidents: drafts.map(toIncident), entries };
}

/** Field by field, so an incident read back from a store (other key order) compares equal. */
export function sameIncident(a: Incident | undefined, b: Incident): boolean {
  if (a === undefined) return false;
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  for (const key of keys) {
    const x: unknown = Reflect.get(a, key);
    const y: unknown = Reflect.get(b, key);
    if (x === y) continue;
    if (typeof x !== 'object' || typeof y !== 'object' || JSON.stringify(x) !== JSON.stringify(y)) return false;
  }
  return true;
}

const FOREVER = '9999-12-31T23:59:59.999Z';

/**
 * The incident that took over a removed one's time: of the service's incidents now, the first to
 * open among those whose open…resolved span overlaps the removed one's (ISO times compare as text).
 */
export function successorOf(removed: Incident | undefined, now: readonly Incident[]): string | undefined {
  if (removed === undefined) return undefined;
  const end = removed.resolvedAt ?? FOREVER;
  let best: Incident | undefined;
  for (const i of now) {
    if (i.openedAt > end || (i.resolvedAt ?? FOREVER) < removed.openedAt) continue;
    if (best === undefined || i.openedAt < best.openedAt || (i.openedAt === best.openedAt && i.id < best.id)) best = i;
  }
  return best?.id;
}

/** Decisions turning `emitted` into `view`; removals first, then upserts, then appends in time order. */
export function diff(emitted: Emitted, view: View, allowRemovals = true): { decisions: Decision[]; emitted: Emitted } {
  const decisions: Decision[] = [];
  const next: Emitted = { incidents: {}, entries: {} };
  const inView = new Set(view.entries.map((e) => e.id));
  const incidentsInView = new Set(view.incidents.map((i) => i.id));
  if (allowRemovals) {
    for (const [entryId, incidentId] of Object.entries(emitted.entries).sort(([a], [b]) => (a < b ? -1 : 1))) {
      if (!inView.has(entryId)) decisions.push({ type: 'timeline:remove', entryId, incidentId });
    }
    for (const id of Object.keys(emitted.incidents).sort()) {
      if (incidentsInView.has(id)) continue;
      const replacedBy = successorOf(emitted.incidents[id], view.incidents);
      decisions.push({ type: 'incident:remove', incidentId: id, ...(replacedBy === undefined ? {} : { replacedBy }) });
    }
  }
  for (const incident of view.incidents) {
    if (!sameIncident(emitted.incidents[incident.id], incident)) decisions.push({ type: 'incident:upsert', incident });
    next.incidents[incident.id] = incident;
  }
  for (const entry of view.entries) {
    if (emitted.entries[entry.id] === undefined) decisions.push({ type: 'timeline:append', entry });
    next.entries[entry.id] = entry.incidentId;
  }
  return { decisions, emitted: next };
}

/**
 * The net effect of a run of decisions, as one batch to store and broadcast: per entry and per
 * incident only the last decision counts. Removals first (entries, then incidents with what is left
 * of their timelines), then incident upserts, then appends in the order they were made.
 */
export function coalesce(decisions: readonly Decision[]): Decision[] {
  const incidents = new Map<string, Decision>();
  const entries = new Map<string, Decision>();
  for (const d of decisions) {
    if (d.type === 'incident:upsert') {
      incidents.delete(d.incident.id);
      incidents.set(d.incident.id, d);
    } else if (d.type === 'incident:remove') {
      incidents.delete(d.incidentId);
      incidents.set(d.incidentId, d);
    } else {
      const id = d.type === 'timeline:append' ? d.entry.id : d.entryId;
      entries.delete(id);
      entries.set(id, d);
    }
  }
  const out: Decision[] = [];
  for (const d of entries.values()) if (d.type === 'timeline:remove') out.push(d);
  for (const d of incidents.values()) if (d.type === 'incident:remove') out.push(d);
  for (const d of incidents.values()) if (d.type === 'incident:upsert') out.push(d);
  for (const d of entries.values()) if (d.type === 'timeline:append') out.push(d);
  return out;
}
