// Reading incidents as the API answers them: pages with signed cursors, one with its timeline and
// analytics, and the statistics of a window.
import type { Incident, IncidentDetail, IncidentFilter, IncidentWithTimeline, Page, StatsResponse } from '../contract/index.ts';
import { incidentAnalytics, statsResponse } from '../domain/index.ts';
import { CursorSigner } from '../store/cursor.ts';
import { SettingKeys } from '../store/keys.ts';
import type { Store } from '../store/types.ts';
import { ApiFailure, notFound } from '../contract/index.ts';

type Reads = Pick<Store, 'incidents' | 'timeline'>;

/** The incident with its timeline in time order. */
export async function withTimeline(store: Pick<Store, 'timeline'>, incident: Incident): Promise<IncidentWithTimeline> {
  return { ...incident, timeline: await store.timeline.forIncident(incident.id) };
}

/**
 * The incident `id` with its timeline. 404 when there is none: `incident_merged` (with
 * `details.replacedBy`) when signals that arrived late re-derived it into another incident, which
 * a link to it should now open; `not_found` when it never existed.
 */
export async function loadIncidentWithTimeline(store: Reads, id: string): Promise<IncidentWithTimeline> {
  const incident = await store.incidents.get(id);
  if (incident) return withTimeline(store, incident);
  const replacedBy = await store.incidents.successor(id);
  if (replacedBy !== null) {
    throw new ApiFailure(404, 'incident_merged', `Incident ${id} became part of incident ${replacedBy} as signals arrived late; open that one.`, { replacedBy });
  }
  throw notFound(`Incident ${id}`);
}

/** The incidents opened in [from, to), optionally of one service, with their timelines. */
export async function incidentsOpenedBetween(store: Reads, from: string, to: string, service?: string): Promise<IncidentWithTimeline[]> {
  const out: IncidentWithTimeline[] = [];
  let cursor: string | undefined;
  // Pages come newest first; stop once they are older than the window.
  for (;;) {
    const page = await store.incidents.list({ status: 'all', limit: 500, ...(service ? { service } : {}), ...(cursor ? { cursor } : {}) });
    for (const i of page.items) {
      if (i.openedAt >= from && i.openedAt < to) out.push(await withTimeline(store, i));
    }
    const last = page.items.at(-1);
    if (!page.nextCursor || !last || last.openedAt < from) return out;
    cursor = page.nextCursor;
  }
}

export class IncidentQueries {
  private readonly store: Store;
  private readonly now: () => Date;
  // The store's positions are readable and were accepted as made up; the client gets signed ones.
  private readonly cursors: CursorSigner;

  constructor(deps: { store: Store; now?: () => Date }) {
    this.store = deps.store;
    this.now = deps.now ?? (() => new Date());
    this.cursors = new CursorSigner(new SettingKeys(deps.store.settings));
  }

  /** A page, newest first; `cursor` is one this list handed out (400 `invalid_cursor` otherwise). */
  async list(q: { status: IncidentFilter; service?: string | undefined; limit: number; cursor?: string | undefined }): Promise<Page<Incident>> {
    const status = q.status === 'open' ? 'active' : q.status;
    // A cursor belongs to its list: the same status and service filter.
    const scope = `incidents ${JSON.stringify([status, q.service ?? null])}`;
    const cursor = q.cursor === undefined ? undefined : await this.cursors.open(q.cursor, scope);
    const page = await this.store.incidents.list({ status, limit: q.limit, ...(q.service ? { service: q.service } : {}), ...(cursor ? { cursor } : {}) });
    return { ...page, nextCursor: page.nextCursor === null ? null : await this.cursors.sign(page.nextCursor, scope) };
  }

  /** The incident with its timeline and analytics; 404 when there is none. */
  async get(id: string): Promise<IncidentDetail> {
    const incident = await loadIncidentWithTimeline(this.store, id);
    return { ...incident, analytics: incidentAnalytics(incident, this.now().toISOString()) };
  }

  async stats(from: string, to: string, service?: string): Promise<StatsResponse> {
    const incidents = await incidentsOpenedBetween(this.store, from, to, service);
    return statsResponse({ incidents, from, to, now: this.now().toISOString(), ...(service ? { service } : {}) });
  }
}
