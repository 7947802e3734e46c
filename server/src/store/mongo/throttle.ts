// The sign-in throttle's counts (auth/login-throttle.ts keeps the rules), shared by every replica.
// Without transactions an update is a compare-and-set on a version field: read, change, write only
// if nobody wrote in between, else read again; a first insert races on `_id` the same way.
import type { LoginThrottleRepository, ThrottleEntry } from '../types.ts';
import type { MongoHandle } from './collections.ts';
import { isDuplicateKey } from './collections.ts';
import type { LoginThrottleDoc } from './documents.ts';

/** Attempts before giving up: only a storm of failures on one key from many replicas at once needs more than one. */
const MAX_ATTEMPTS = 20;

function toEntry(doc: LoginThrottleDoc): ThrottleEntry {
  return { failures: doc.failures, lockedUntil: doc.lockedUntil, expiresAt: doc.expiresAt };
}

export class MongoLoginThrottle implements LoginThrottleRepository {
  private readonly handle: MongoHandle;

  constructor(handle: MongoHandle) {
    this.handle = handle;
  }

  async get(key: string): Promise<ThrottleEntry | null> {
    const doc = await this.handle.collections.loginThrottle.findOne({ _id: key });
    return doc ? toEntry(doc) : null;
  }

  async update<T>(key: string, change: (current: ThrottleEntry | null) => { entry: ThrottleEntry | null; result: T }): Promise<T> {
    const coll = this.handle.collections.loginThrottle;
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const doc = await coll.findOne({ _id: key });
      const { entry, result } = change(doc ? toEntry(doc) : null);
      if (!doc) {
        if (entry === null) return result;
        try {
          await coll.insertOne({ _id: key, ...entry, v: 1 });
          return result;
        } catch (err) {
          if (isDuplicateKey(err)) continue; // another replica wrote the first failure: count on top of it
          throw err;
        }
      }
      const written = entry === null
        ? (await coll.deleteOne({ _id: key, v: doc.v })).deletedCount
        : (await coll.updateOne({ _id: key, v: doc.v }, { $set: { ...entry, v: doc.v + 1 } })).matchedCount;
      if (written === 1) return result;
    }
    throw new Error(`the sign-in throttle entry changed under ${MAX_ATTEMPTS} attempts in a row; try again`);
  }

  async delete(key: string): Promise<void> {
    await this.handle.collections.loginThrottle.deleteOne({ _id: key });
  }

  async prune(now: number, maxKeys: number): Promise<number> {
    const coll = this.handle.collections.loginThrottle;
    let removed = (await coll.deleteMany({ expiresAt: { $lte: now } })).deletedCount;
    // Over the bound: the newest maxKeys stay, the rest (soonest to expire) go.
    const edge = await coll.find({}, { projection: { expiresAt: 1 } }).sort({ expiresAt: -1, _id: -1 }).skip(maxKeys).limit(1).toArray();
    const first = edge[0];
    if (first) removed += (await coll.deleteMany({ expiresAt: { $lte: first.expiresAt } })).deletedCount;
    return removed;
  }

  async count(): Promise<number> {
    return this.handle.collections.loginThrottle.countDocuments();
  }
}
