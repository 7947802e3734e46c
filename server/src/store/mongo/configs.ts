// Paging's admin-edited documents on MongoDB, one document per version of a (kind, id), the body as
// JSON text (free-form JSON is text in both stores, records.ts).
//
// Without transactions, inserting version `expectedVersion + 1` under a unique `_id` is the lock, as
// for post-mortems: of writers that read the same version exactly one insert wins. (A version filter
// on an update would do on MongoDB, but FerretDB 1.24 runs an update as a read and then a write by
// `_id`, and two writers both matched.) The winner then deletes the versions before its own; until
// then, or when a crash came in between, an id has two, and every read takes the highest.
import { isPlainObject } from '../records.ts';
import { CONFIG_LIST_LIMIT } from '../types.ts';
import type { ConfigDoc, ConfigKind, ConfigRepository, SaveResult } from '../types.ts';
import type { MongoHandle } from './collections.ts';
import type { ConfigDocument } from './documents.ts';
import { insertedOnce } from './collections.ts';


/**
 * How many version documents `list` reads to find the first CONFIG_LIST_LIMIT ids: twice as many,
 * so that ids caught between two versions still come out once, with their newer one.
 */
const LIST_READ = 2 * CONFIG_LIST_LIMIT;

const HIGHEST_FIRST = { version: -1 } as const;

function docToConfig(doc: ConfigDocument): ConfigDoc {
  const body: unknown = JSON.parse(doc.body);
  if (!isPlainObject(body)) throw new Error('stored config body is not an object');
  return { kind: doc.kind, id: doc.id, body, version: doc.version, updatedAt: doc.updatedAt };
}

export class MongoConfigs implements ConfigRepository {
  private readonly handle: MongoHandle;

  constructor(handle: MongoHandle) {
    this.handle = handle;
  }

  async list(kind: ConfigKind): Promise<ConfigDoc[]> {
    const docs = await this.handle.collections.configs.find({ kind }).sort({ updatedAt: 1, id: 1 }).limit(LIST_READ).toArray();
    const highest = new Map<string, ConfigDocument>();
    for (const doc of docs) {
      const seen = highest.get(doc.id);
      if (!seen || doc.version > seen.version) highest.set(doc.id, doc);
    }
    // `docs` is in order; keep each id where its highest version sits.
    return docs.filter((doc) => highest.get(doc.id) === doc).slice(0, CONFIG_LIST_LIMIT).map(docToConfig);
  }

  async get(kind: ConfigKind, id: string): Promise<ConfigDoc | null> {
    const doc = await this.handle.collections.configs.findOne({ kind, id }, { sort: HIGHEST_FIRST });
    return doc ? docToConfig(doc) : null;
  }

  /** Ids, not documents: an id between two versions counts once. */
  async count(kind: ConfigKind): Promise<number> {
    return (await this.handle.collections.configs.distinct('id', { kind })).length;
  }

  private async storedVersion(kind: ConfigKind, id: string): Promise<number> {
    const doc = await this.handle.collections.configs.findOne({ kind, id }, { sort: HIGHEST_FIRST, projection: { version: 1 } });
    return doc?.version ?? 0;
  }

  async put(doc: { kind: ConfigKind; id: string; body: Record<string, unknown>; updatedAt: string }, expectedVersion: number): Promise<SaveResult> {
    const { configs } = this.handle.collections;
    const { kind, id } = doc;
    const current = await this.storedVersion(kind, id);
    if (current !== expectedVersion) return { ok: false, currentVersion: current };
    const version = current + 1;
    const written = await insertedOnce(() => configs.insertOne({
      _id: JSON.stringify([kind, id, version]), kind, id, version, body: JSON.stringify(doc.body), updatedAt: doc.updatedAt,
    }));
    if (!written) return { ok: false, currentVersion: await this.storedVersion(kind, id) };
    if (current > 0) await configs.deleteMany({ kind, id, version: { $lt: version } });
    return { ok: true, version };
  }

  /** Every version. A put that read the document before this delete may still write it again. */
  async delete(kind: ConfigKind, id: string): Promise<boolean> {
    return (await this.handle.collections.configs.deleteMany({ kind, id })).deletedCount > 0;
  }
}
