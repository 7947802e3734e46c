// What several replicas share on MongoDB (cluster/README.md): the leader lease, and the queue of
// signals followers take in (webhook, people's actions) until the leader applies them.
//
// The lease is one document per term (`_id` "term:<n>"): a term is taken by inserting its document,
// which the unique `_id` makes atomic on MongoDB and FerretDB alike; afterwards only its holder
// writes it (renewal, release). A conditional update of one shared document is atomic on MongoDB
// but not on FerretDB 1.24's SQLite backend (measured: 191 of 200 three-way races had more than one
// winner), so no correctness here rests on it. The current lease is the highest term.
import type { Signal } from '../../domain/signal.ts';
import type { ClusterStore, LeaseRecord } from '../types.ts';
import type { MongoHandle } from './collections.ts';
import { insertNew, isDuplicateKey } from './collections.ts';
import type { LeaseDoc } from './documents.ts';
import { docToSignal, signalToDoc } from './documents.ts';

/** A follower hands in at most this many signals at once (the webhook's own bound is lower). */
const MAX_FORWARD = 10_000;
/** Terms kept behind the current one (older ones are history nobody reads). */
const KEEP_TERMS = 10;

function termId(term: number): string {
  return `term:${term}`;
}

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
    const [doc] = await this.c.leases.find({}).sort({ term: -1 }).limit(1).toArray();
    return doc ? toLease(doc) : null;
  }

  async acquire(input: { holder: string; holderUrl?: string; now: string; expiresAt: string; seenTerm: number | null }): Promise<LeaseRecord | null> {
    if (input.seenTerm !== null) {
      // Expired, or held under this replica's own name by a process that came before this one (a
      // restart after a crash need not wait the lease out; a second live process under the same
      // name loses its term at its next renewal or fence and exits).
      const current = await this.readLease();
      if (current === null || current.term !== input.seenTerm) return null;
      if (current.expiresAt >= input.now && current.holder !== input.holder) return null;
    }
    const term = (input.seenTerm ?? 0) + 1;
    const doc: LeaseDoc = {
      _id: termId(term), holder: input.holder, term, expiresAt: input.expiresAt,
      ...(input.holderUrl === undefined ? {} : { holderUrl: input.holderUrl }),
    };
    try {
      await this.c.leases.insertOne(doc);
    } catch (err) {
      if (isDuplicateKey(err)) return null;
      throw err;
    }
    await this.c.leases.deleteMany({ term: { $lt: term - KEEP_TERMS } }).catch(() => undefined);
    return toLease(doc);
  }

  async renew(input: { holder: string; term: number; expiresAt: string }): Promise<boolean> {
    const result = await this.c.leases.updateOne({ _id: termId(input.term), holder: input.holder }, { $set: { expiresAt: input.expiresAt } });
    if (result.matchedCount !== 1) return false;
    // Renewing one's own term says nothing of a later one taken meanwhile: the term must still be the highest.
    return (await this.readLease())?.term === input.term;
  }

  async release(input: { holder: string; term: number; now: string }): Promise<void> {
    await this.c.leases.updateOne({ _id: termId(input.term), holder: input.holder }, { $set: { expiresAt: new Date(Date.parse(input.now) - 1).toISOString() } });
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
