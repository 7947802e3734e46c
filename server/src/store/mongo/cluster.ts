// What several replicas share on MongoDB (cluster/README.md): the leader lease, one document changed
// only by conditional single-document writes (atomic on MongoDB and FerretDB alike), and the queue
// of signals followers take in (webhook, people's actions) until the leader applies them.
import type { Signal } from '../../domain/signal.ts';
import type { ClusterStore, LeaseRecord } from '../types.ts';
import type { MongoHandle } from './collections.ts';
import { insertNew, isDuplicateKey } from './collections.ts';
import type { LeaseDoc } from './documents.ts';
import { docToSignal, signalToDoc } from './documents.ts';

const LEASE_ID = 'leader';
/** A follower hands in at most this many signals at once (the webhook's own bound is lower). */
const MAX_FORWARD = 10_000;

function toLease(doc: LeaseDoc): LeaseRecord {
  return { holder: doc.holder, term: doc.term, expiresAt: doc.expiresAt, ...(doc.holderUrl === undefined ? {} : { holderUrl: doc.holderUrl }) };
}

export class MongoCluster implements ClusterStore {
  private readonly handle: MongoHandle;

  constructor(handle: MongoHandle) {
    this.handle = handle;
  }

  private get c() {
    return this.handle.collections;
  }

  async readLease(): Promise<LeaseRecord | null> {
    const doc = await this.c.leases.findOne({ _id: LEASE_ID });
    return doc ? toLease(doc) : null;
  }

  async acquire(input: { holder: string; holderUrl?: string; now: string; expiresAt: string; seenTerm: number | null }): Promise<LeaseRecord | null> {
    const fields = { holder: input.holder, expiresAt: input.expiresAt, ...(input.holderUrl === undefined ? {} : { holderUrl: input.holderUrl }) };
    if (input.seenTerm === null) {
      const doc: LeaseDoc = { _id: LEASE_ID, ...fields, term: 1 };
      try {
        await this.c.leases.insertOne(doc);
        return toLease(doc);
      } catch (err) {
        if (isDuplicateKey(err)) return null;
        throw err;
      }
    }
    const term = input.seenTerm + 1;
    const result = await this.c.leases.updateOne(
      // Expired, or held under this replica's own name by a process that came before this one (a
      // restart after a crash need not wait the lease out; a second live process under the same
      // name would lose its term and exit).
      { _id: LEASE_ID, term: input.seenTerm, $or: [{ expiresAt: { $lt: input.now } }, { holder: input.holder }] },
      { $set: { ...fields, term }, ...(input.holderUrl === undefined ? { $unset: { holderUrl: '' } } : {}) },
    );
    return result.modifiedCount === 1 ? { ...fields, term } : null;
  }

  async renew(input: { holder: string; term: number; expiresAt: string }): Promise<boolean> {
    const result = await this.c.leases.updateOne({ _id: LEASE_ID, holder: input.holder, term: input.term }, { $set: { expiresAt: input.expiresAt } });
    return result.matchedCount === 1;
  }

  async release(input: { holder: string; term: number; now: string }): Promise<void> {
    await this.c.leases.updateOne({ _id: LEASE_ID, holder: input.holder, term: input.term }, { $set: { expiresAt: new Date(Date.parse(input.now) - 1).toISOString() } });
  }

  async forward(signals: readonly Signal[]): Promise<Signal[]> {
    if (signals.length === 0) return [];
    if (signals.length > MAX_FORWARD) throw new RangeError(`at most ${MAX_FORWARD} signals are handed to the leader at once`);
    const now = new Date().toISOString();
    const stored = signals.map((s) => (s.receivedAt === undefined ? { ...s, receivedAt: now } : s));
    const there = await insertNew(() => this.c.forwarded.insertMany(stored.map((s) => signalToDoc(s, s.receivedAt ?? now)), { ordered: false }));
    return stored.filter((_, i) => !there.has(i));
  }

  async forwarded(limit: number): Promise<Signal[]> {
    const docs = await this.c.forwarded.find({}).sort({ receivedAt: 1, _id: 1 }).limit(Math.max(1, Math.min(limit, MAX_FORWARD))).toArray();
    return docs.map(docToSignal);
  }

  async unqueue(ids: readonly string[]): Promise<void> {
    if (ids.length > 0) await this.c.forwarded.deleteMany({ _id: { $in: [...ids] } });
  }

  async queued(ids: readonly string[]): Promise<Set<string>> {
    if (ids.length === 0) return new Set();
    const docs = await this.c.forwarded.find({ _id: { $in: [...ids] } }, { projection: { _id: 1 } }).toArray();
    return new Set(docs.map((d) => d._id));
  }
}
