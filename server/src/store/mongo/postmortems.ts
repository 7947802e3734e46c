import type { PostmortemRepository, PostmortemVersion, SaveResult } from '../types.ts';
import type { MongoHandle } from './collections.ts';
import { insertedOnce } from './collections.ts';
import { docToPostmortem } from './documents.ts';

export class MongoPostmortems implements PostmortemRepository {
  private readonly handle: MongoHandle;

  constructor(handle: MongoHandle) {
    this.handle = handle;
  }

  async latest(incidentId: string): Promise<PostmortemVersion | null> {
    const doc = await this.handle.collections.postmortems.findOne({ incidentId }, { sort: { version: -1 } });
    return doc ? docToPostmortem(doc) : null;
  }

  async versions(incidentId: string): Promise<PostmortemVersion[]> {
    const docs = await this.handle.collections.postmortems.find({ incidentId }).sort({ version: 1 }).toArray();
    return docs.map(docToPostmortem);
  }

  /**
   * Without transactions (FerretDB has none) the unique (incidentId, version) index is the lock:
   * versions are only ever written as latest + 1, so inserting `expectedVersion + 1` succeeds
   * exactly when nobody else has saved since `expectedVersion`. The read before it only turns a
   * stale or skipped-ahead version into a clean refusal instead of a gap in the numbering.
   */
  async save(input: { incidentId: string; markdown: string; author: string; expectedVersion: number; savedAt: string }): Promise<SaveResult> {
    const current = (await this.latest(input.incidentId))?.version ?? 0;
    if (current !== input.expectedVersion) return { ok: false, currentVersion: current };
    const version = current + 1;
    const saved = await insertedOnce(() => this.handle.collections.postmortems.insertOne({
      _id: `${input.incidentId}#${version}`,
      incidentId: input.incidentId,
      version,
      markdown: input.markdown,
      author: input.author,
      savedAt: input.savedAt,
    }));
    if (saved) return { ok: true, version };
    return { ok: false, currentVersion: (await this.latest(input.incidentId))?.version ?? version };
  }
}
