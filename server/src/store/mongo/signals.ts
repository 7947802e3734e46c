import { MongoBulkWriteError, type Filter } from 'mongodb';
import type { Signal } from '../../domain/signal.ts';
import { pageLimit } from '../records.ts';
import type { SignalKindQuery, SignalRepository } from '../types.ts';
import type { MongoHandle } from './collections.ts';
import { DUPLICATE_KEY, insertedOnce } from './collections.ts';
import type { SignalDoc } from './documents.ts';
import { docToSignal, signalToDoc } from './documents.ts';
import { unappliedSignals } from './commit.ts';
import type { AppliedMark } from './commit.ts';
import { beyond } from './paging.ts';

export class MongoSignals implements SignalRepository {
  private readonly handle: MongoHandle;
  private readonly mark: AppliedMark;

  constructor(handle: MongoHandle, mark: AppliedMark) {
    this.handle = handle;
    this.mark = mark;
  }

  async insert(signal: Signal): Promise<boolean> {
    return insertedOnce(() => this.handle.collections.signals.insertOne(signalToDoc(signal, signal.receivedAt ?? new Date().toISOString())));
  }

  async insertMany(signals: Signal[]): Promise<Signal[]> {
    if (signals.length === 0) return [];
    const now = new Date().toISOString();
    const docs = signals.map((signal) => signalToDoc(signal, signal.receivedAt ?? now));
    let rejected = new Set<number>();
    try {
      // Unordered: one duplicate must not stop the rest of the batch from being stored.
      await this.handle.collections.signals.insertMany(docs, { ordered: false });
    } catch (err) {
      if (!(err instanceof MongoBulkWriteError)) throw err;
      const writeErrors = Array.isArray(err.writeErrors) ? err.writeErrors : [err.writeErrors];
      const other = writeErrors.find((writeError) => writeError.code !== DUPLICATE_KEY);
      if (other || writeErrors.length === 0) throw err;
      rejected = new Set(writeErrors.map((writeError) => writeError.index));
    }
    return signals
      .map((signal, index) => ({ signal, index, receivedAt: docs[index]?.receivedAt ?? now }))
      .filter(({ index }) => !rejected.has(index))
      .map(({ signal, receivedAt }) => ({ ...signal, receivedAt }));
  }

  async unapplied(): Promise<Signal[]> {
    return unappliedSignals(this.handle.collections, this.mark);
  }

  async get(id: string): Promise<Signal | null> {
    const doc = await this.handle.collections.signals.findOne({ _id: id });
    return doc ? docToSignal(doc) : null;
  }

  async listAfter(after: { at: string; id: string } | null, limit: number): Promise<Signal[]> {
    const filter = after ? beyond<SignalDoc>('at', after.at, after.id, '$gt') : {};
    const docs = await this.handle.collections.signals.find(filter).sort({ at: 1, _id: 1 }).limit(pageLimit(limit)).toArray();
    return docs.map(docToSignal);
  }

  async listKind(q: SignalKindQuery): Promise<Signal[]> {
    // One plain filter (no $and unless paging): what FerretDB answers from the by_kind index too.
    const filter: Record<string, unknown> = { kind: q.kind };
    if (q.service !== undefined) filter['service'] = q.service;
    if (q.host !== undefined) filter['host'] = q.host;
    const at: Record<string, string> = {};
    if (q.from !== undefined) at['$gte'] = q.from;
    if (q.to !== undefined) at['$lte'] = q.to;
    if (Object.keys(at).length > 0) filter['at'] = at;
    const query = q.before === undefined ? filter : { $and: [filter, beyond<SignalDoc>('at', q.before.at, q.before.id, '$lt')] };
    const docs = await this.handle.collections.signals.find(query as Filter<SignalDoc>).sort({ at: -1, _id: -1 }).limit(pageLimit(q.limit)).toArray();
    return docs.map(docToSignal);
  }

  async count(): Promise<number> {
    return this.handle.collections.signals.countDocuments();
  }
}
