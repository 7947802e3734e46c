// The paging outbox on MongoDB: one document per message to one channel, written before any attempt
// to send it (paging/README.md). `incidentIds` is an array (a digest names several incidents), so
// one multikey index finds an incident's pages.
import type { PageEvent } from '../../contract/index.ts';
import { CONFLICTS } from '../conflicts.ts';
import { definedOnly, isPlainObject, pageLimit } from '../records.ts';
import type { OutboxRecord, OutboxRepository, OutboxUpdate } from '../types.ts';
import { StoreConflictError } from '../types.ts';
import type { MongoHandle } from './collections.ts';
import type { OutboxDoc } from './documents.ts';
import { insertNew } from './collections.ts';


function recordToDoc(record: OutboxRecord): OutboxDoc {
  return {
    _id: record.id,
    channelId: record.channelId,
    ...definedOnly({ userId: record.userId }),
    incidentIds: [...record.incidentIds],
    event: record.event,
    ...definedOnly({ step: record.step }),
    message: JSON.stringify(record.message),
    state: record.state,
    attempts: record.attempts,
    createdAt: record.createdAt,
    nextAttemptAt: record.nextAttemptAt,
    ...definedOnly({
      deliveredAt: record.deliveredAt,
      lastError: record.lastError,
      lastStatus: record.lastStatus,
      ackTokenHash: record.ackTokenHash,
      ackExpiresAt: record.ackExpiresAt,
    }),
  };
}

function docToRecord(doc: OutboxDoc): OutboxRecord {
  const message: unknown = JSON.parse(doc.message);
  if (!isPlainObject(message)) throw new Error('stored page message is not an object');
  return {
    id: doc._id,
    channelId: doc.channelId,
    ...definedOnly({ userId: doc.userId }),
    incidentIds: [...doc.incidentIds],
    event: doc.event,
    ...definedOnly({ step: doc.step }),
    message,
    state: doc.state,
    attempts: doc.attempts,
    createdAt: doc.createdAt,
    nextAttemptAt: doc.nextAttemptAt,
    ...definedOnly({
      deliveredAt: doc.deliveredAt,
      lastError: doc.lastError,
      lastStatus: doc.lastStatus,
      ackTokenHash: doc.ackTokenHash,
      ackExpiresAt: doc.ackExpiresAt,
    }),
  };
}

const OUTCOME_FIELDS = ['deliveredAt', 'lastError', 'lastStatus'] as const;

export class MongoOutbox implements OutboxRepository {
  private readonly handle: MongoHandle;

  constructor(handle: MongoHandle) {
    this.handle = handle;
  }

  /**
   * Unordered: a page enqueued before must not stop the rest of the batch. Without transactions,
   * all or nothing holds as far as a refusal goes: the only duplicate that is not "already
   * enqueued" is another page's ack token hash (FerretDB's error does not say which index refused,
   * so a refused record with an ack hash whose id is not stored is that case), and then the
   * records this call stored are removed again before it throws.
   */
  async enqueue(records: readonly OutboxRecord[]): Promise<OutboxRecord[]> {
    if (records.length === 0) return [];
    const { outbox } = this.handle.collections;
    const refused = await insertNew(() => outbox.insertMany(records.map(recordToDoc), { ordered: false }));
    const fresh = records.filter((_, index) => !refused.has(index));
    const suspects = records.filter((record, index) => refused.has(index) && record.ackTokenHash !== undefined).map((record) => record.id);
    if (suspects.length > 0) {
      const stored = new Set((await outbox.find({ _id: { $in: suspects } }, { projection: { _id: 1 } }).toArray()).map((doc) => doc._id));
      const clash = suspects.find((id) => !stored.has(id));
      if (clash !== undefined) {
        if (fresh.length > 0) await outbox.deleteMany({ _id: { $in: fresh.map((record) => record.id) } });
        throw new StoreConflictError(CONFLICTS.ackToken(clash));
      }
    }
    return fresh;
  }

  async get(id: string): Promise<OutboxRecord | null> {
    const doc = await this.handle.collections.outbox.findOne({ _id: id });
    return doc ? docToRecord(doc) : null;
  }

  async due(now: string, limit: number): Promise<OutboxRecord[]> {
    const docs = await this.handle.collections.outbox
      .find({ state: 'pending', nextAttemptAt: { $lte: now } })
      .sort({ nextAttemptAt: 1, _id: 1 })
      .limit(pageLimit(limit))
      .toArray();
    return docs.map(docToRecord);
  }

  async nextDue(): Promise<string | null> {
    const doc = await this.handle.collections.outbox.findOne(
      { state: 'pending' },
      { sort: { nextAttemptAt: 1, _id: 1 }, projection: { nextAttemptAt: 1 } },
    );
    return doc?.nextAttemptAt ?? null;
  }

  /** The attempt's outcome replaces the last one: deliveredAt, lastError and lastStatus left out are cleared. */
  async update(id: string, update: OutboxUpdate): Promise<boolean> {
    const set = {
      state: update.state,
      attempts: update.attempts,
      ...definedOnly({ nextAttemptAt: update.nextAttemptAt, deliveredAt: update.deliveredAt, lastError: update.lastError, lastStatus: update.lastStatus }),
    };
    const cleared = OUTCOME_FIELDS.filter((field) => update[field] === undefined);
    const result = await this.handle.collections.outbox.updateOne(
      { _id: id },
      cleared.length > 0 ? { $set: set, $unset: Object.fromEntries(cleared.map((field) => [field, ''])) } : { $set: set },
    );
    return result.matchedCount === 1;
  }

  async forIncident(incidentId: string, limit: number): Promise<OutboxRecord[]> {
    const docs = await this.handle.collections.outbox
      .find({ incidentIds: incidentId })
      .sort({ createdAt: 1, _id: 1 })
      .limit(pageLimit(limit))
      .toArray();
    return docs.map(docToRecord);
  }

  async byAckTokenHash(hash: string): Promise<OutboxRecord | null> {
    const doc = await this.handle.collections.outbox.findOne({ ackTokenHash: hash });
    return doc ? docToRecord(doc) : null;
  }

  async recentForChannel(channelId: string, limit: number): Promise<OutboxRecord[]> {
    const docs = await this.handle.collections.outbox
      .find({ channelId })
      .sort({ createdAt: -1, _id: -1 })
      .limit(pageLimit(limit))
      .toArray();
    return docs.map(docToRecord);
  }

  async cancelPending(incidentId: string, events: readonly PageEvent[]): Promise<number> {
    if (events.length === 0) return 0;
    const result = await this.handle.collections.outbox.updateMany(
      { incidentIds: incidentId, state: 'pending', event: { $in: [...events] } },
      { $set: { state: 'cancelled' } },
    );
    return result.modifiedCount;
  }
}
