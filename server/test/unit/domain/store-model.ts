// What a store holds after applying the engine's decisions: the incremental path's result, to compare with project().
import type { Incident, TimelineEntry } from '../../../src/contract/index.ts';
import type { Decision } from '../../../src/domain/decisions.ts';
import type { Projection } from '../../../src/domain/engine.ts';

export interface StoreModel {
  incidents: Map<string, Incident>;
  entries: Map<string, TimelineEntry>;
}

export function emptyStore(): StoreModel {
  return { incidents: new Map(), entries: new Map() };
}

export function applyDecisions(store: StoreModel, decisions: readonly Decision[]): void {
  for (const d of decisions) {
    switch (d.type) {
      case 'incident:upsert': store.incidents.set(d.incident.id, d.incident); break;
      case 'timeline:append': if (!store.entries.has(d.entry.id)) store.entries.set(d.entry.id, d.entry); break;
      case 'timeline:remove': store.entries.delete(d.entryId); break;
      case 'incident:remove':
        store.incidents.delete(d.incidentId);
        for (const [id, e] of store.entries) if (e.incidentId === d.incidentId) store.entries.delete(id);
        break;
    }
  }
}

/** The store's content in project()'s shape. */
export function asProjection(store: StoreModel): Projection {
  const incidents = [...store.incidents.values()]
    .sort((a, b) => (a.openedAt < b.openedAt ? -1 : a.openedAt > b.openedAt ? 1 : a.id < b.id ? -1 : 1));
  const timelines: Record<string, TimelineEntry[]> = {};
  const entries = [...store.entries.values()].sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : a.id < b.id ? -1 : 1));
  for (const e of entries) (timelines[e.incidentId] ??= []).push(e);
  return { incidents, timelines };
}

/** One line per entry, the way a reader sees it. */
export function lines(timeline: readonly TimelineEntry[] | undefined): string[] {
  return (timeline ?? []).map((e) => `${e.at} ${e.source} ${e.kind} | ${e.message}${e.actor === undefined ? '' : ` [${e.actor}]`}`);
}
