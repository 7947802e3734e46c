import type { Filter } from 'mongodb';
import type { Incident, TimelineEntry } from '../../contract/index.ts';
import { decodeIncidentCursor, followAliases, pageLimit, toIncidentPage } from '../records.ts';
import type { IncidentQuery, IncidentRepository, Page, TimelineRepository, WritePosition, Written } from '../types.ts';
import type { MongoHandle } from './collections.ts';
import { insertedOnce } from './collections.ts';
import type { IncidentDoc } from './documents.ts';
import { docToEntry, docToIncident, entryToDoc, incidentToDoc } from './documents.ts';
import { beyond, writtenSince } from './paging.ts';

const NEWEST_FIRST = { openedAt: -1, _id: -1 } as const;

export class MongoIncidents implements IncidentRepository {
  private readonly handle: MongoHandle;

  constructor(handle: MongoHandle) {
    this.handle = handle;
  }

  async upsert(incident: Incident): Promise<void> {
    // A replacement, not $set: a field cleared on the incident must disappear from the document.
    await this.handle.collections.incidents.replaceOne({ _id: incident.id }, incidentToDoc(incident), { upsert: true });
  }

  async remove(id: string): Promise<boolean> {
    // Timeline first: a crash in between leaves an incident without entries, never orphan entries.
    await this.handle.collections.timeline.deleteMany({ incidentId: id });
    const result = await this.handle.collections.incidents.deleteOne({ _id: id });
    return result.deletedCount === 1;
  }

  async get(id: string): Promise<Incident | null> {
    const doc = await this.handle.collections.incidents.findOne({ _id: id });
    return doc ? docToIncident(doc) : null;
  }

  async successor(id: string): Promise<string | null> {
    const { incidents, incidentAliases } = this.handle.collections;
    return followAliases(id, async (at) => (await incidentAliases.findOne({ _id: at }))?.successor ?? null,
      async (at) => (await incidents.findOne({ _id: at }, { projection: { _id: 1 } })) !== null);
  }

  async list(query: IncidentQuery): Promise<Page<Incident>> {
    const limit = pageLimit(query.limit);
    const clauses: Filter<IncidentDoc>[] = [];
    const status = query.status ?? 'all';
    if (status === 'active') clauses.push({ status: { $ne: 'resolved' } });
    else if (status !== 'all') clauses.push({ status });
    if (query.service !== undefined) clauses.push({ service: query.service });
    if (query.cursor !== undefined) {
      const after = decodeIncidentCursor(query.cursor);
      clauses.push(beyond<IncidentDoc>('openedAt', after.openedAt, after.id, '$lt'));
    }
    const filter: Filter<IncidentDoc> = clauses.length === 0 ? {} : clauses.length === 1 ? (clauses[0] ?? {}) : { $and: clauses };
    const docs = await this.handle.collections.incidents.find(filter).sort(NEWEST_FIRST).limit(limit + 1).toArray();
    return toIncidentPage(docs.map(docToIncident), limit);
  }

  async findActive(service: string, host: string): Promise<Incident | null> {
    const doc = await this.handle.collections.incidents.findOne(
      { service, host, status: { $ne: 'resolved' } },
      { sort: NEWEST_FIRST },
    );
    return doc ? docToIncident(doc) : null;
  }

  async changedSince(since: string, limit: number, after?: WritePosition): Promise<Array<Written<Incident>>> {
    return writtenSince(this.handle.collections.incidents, docToIncident, { since, limit, after });
  }
}

export class MongoTimeline implements TimelineRepository {
  private readonly handle: MongoHandle;

  constructor(handle: MongoHandle) {
    this.handle = handle;
  }

  async append(entry: TimelineEntry): Promise<boolean> {
    return insertedOnce(() => this.handle.collections.timeline.insertOne(entryToDoc(entry)));
  }

  async remove(id: string): Promise<boolean> {
    const result = await this.handle.collections.timeline.deleteOne({ _id: id });
    return result.deletedCount === 1;
  }

  /** One query for all: on FerretDB every filter but `_id` reads the whole collection, once here. */
  async forIncidents(incidentIds: readonly string[]): Promise<TimelineEntry[]> {
    if (incidentIds.length === 0) return [];
    const docs = await this.handle.collections.timeline.find({ incidentId: { $in: [...incidentIds] } }).sort({ incidentId: 1, at: 1, _id: 1 }).toArray();
    return docs.map(docToEntry);
  }

  async forIncident(incidentId: string): Promise<TimelineEntry[]> {
    const docs = await this.handle.collections.timeline.find({ incidentId }).sort({ at: 1, _id: 1 }).toArray();
    return docs.map(docToEntry);
  }

  async since(since: string, limit: number, after?: WritePosition): Promise<Array<Written<TimelineEntry>>> {
    return writtenSince(this.handle.collections.timeline, docToEntry, { since, limit, after });
  }
}
