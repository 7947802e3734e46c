// Small repositories: source cursors, the audit log and settings.
import { pageLimit } from '../records.ts';
import type { AuditRecord, AuditRepository, CursorRepository, SettingRepository } from '../types.ts';
import type { MongoHandle } from './collections.ts';
import { insertedOnce } from './collections.ts';
import { cursorId } from './commit.ts';
import type { AuditDoc } from './documents.ts';
import { auditToDoc, docToAudit } from './documents.ts';
import { beyond } from './paging.ts';

export class MongoCursors implements CursorRepository {
  private readonly handle: MongoHandle;

  constructor(handle: MongoHandle) {
    this.handle = handle;
  }

  async get(source: string, host: string): Promise<string | null> {
    const doc = await this.handle.collections.cursors.findOne({ _id: cursorId(source, host) });
    return doc ? doc.value : null;
  }

  async set(source: string, host: string, value: string): Promise<void> {
    await this.handle.collections.cursors.updateOne(
      { _id: cursorId(source, host) },
      { $set: { source, host, value } },
      { upsert: true },
    );
  }
}

export class MongoAudit implements AuditRepository {
  private readonly handle: MongoHandle;

  constructor(handle: MongoHandle) {
    this.handle = handle;
  }

  async append(record: AuditRecord): Promise<void> {
    await this.handle.collections.audit.insertOne(auditToDoc(record));
  }

  async list(query: { limit: number; before?: string; beforeId?: string }): Promise<AuditRecord[]> {
    const filter = query.before === undefined
      ? {}
      : query.beforeId === undefined
        ? { at: { $lt: query.before } }
        : beyond<AuditDoc>('at', query.before, query.beforeId, '$lt');
    const docs = await this.handle.collections.audit.find(filter).sort({ at: -1, _id: -1 }).limit(pageLimit(query.limit)).toArray();
    return docs.map(docToAudit);
  }
}

export class MongoSettings implements SettingRepository {
  private readonly handle: MongoHandle;

  constructor(handle: MongoHandle) {
    this.handle = handle;
  }

  async get(key: string): Promise<string | null> {
    const doc = await this.handle.collections.settings.findOne({ _id: key });
    return doc ? doc.value : null;
  }

  async setIfAbsent(key: string, value: string): Promise<string> {
    if (await insertedOnce(() => this.handle.collections.settings.insertOne({ _id: key, value }))) return value;
    const stored = await this.get(key);
    if (stored === null) throw new Error(`setting ${key} vanished right after a duplicate-key error`);
    return stored;
  }

  async put(key: string, value: string): Promise<void> {
    await this.handle.collections.settings.updateOne({ _id: key }, { $set: { value } }, { upsert: true });
  }
}
