// The sign-in throttle's counts (auth/login-throttle.ts keeps the rules), shared by every replica.
// Without transactions, and on FerretDB where a filtered update is not a compare-and-set (two
// replicas both matched the same version and one failure was lost: the contract test caught it),
// each write inserts the key's next version: `_id` "<key>#<v>" is unique, so of two replicas
// writing version v + 1 exactly one succeeds and the other reads again and counts on top of it.
// The newest version is the entry. Superseded versions are removed only once they are a minute
// old: removed at once, a slow writer that read version v - 1 could insert v again after v + 1
// had deleted it (the contract test caught that too). A version's expiresAt never decreases
// (auth/login-throttle.ts), and a deletion's marker keeps the last one, so pruning by expiry
// never leaves an older version behind a newer one that was pruned.
import type { LoginThrottleRepository, ThrottleEntry } from '../types.ts';
import type { MongoHandle } from './collections.ts';
import { isDuplicateKey } from './collections.ts';
import type { LoginThrottleDoc } from './documents.ts';

/** Attempts before giving up: only a storm of failures on one key from many replicas at once needs more than one. */
const MAX_ATTEMPTS = 50;
/** Superseded versions older than this are removed by the next write of their key. */
const SUPERSEDED_MS = 60_000;

function toEntry(doc: LoginThrottleDoc): ThrottleEntry | null {
  return doc.gone ? null : { failures: doc.failures, lockedUntil: doc.lockedUntil, expiresAt: doc.expiresAt };
}

export class MongoLoginThrottle implements LoginThrottleRepository {
  private readonly handle: MongoHandle;

  constructor(handle: MongoHandle) {
    this.handle = handle;
  }

  private async latest(key: string): Promise<LoginThrottleDoc | null> {
    const [doc] = await this.handle.collections.loginThrottle.find({ key }).sort({ key: 1, v: -1 }).limit(1).toArray();
    return doc ?? null;
  }

  async get(key: string): Promise<ThrottleEntry | null> {
    const doc = await this.latest(key);
    return doc ? toEntry(doc) : null;
  }

  async update<T>(key: string, change: (current: ThrottleEntry | null) => { entry: ThrottleEntry | null; result: T }): Promise<T> {
    const coll = this.handle.collections.loginThrottle;
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const doc = await this.latest(key);
      const { entry, result } = change(doc ? toEntry(doc) : null);
      if (entry === null && (!doc || doc.gone)) return result;
      const v = (doc?.v ?? 0) + 1;
      const writtenAt = Date.now();
      // A deletion is a version too (`gone`), so a replica counting on the older one retries.
      const next: LoginThrottleDoc = entry === null
        ? { _id: `${key}#${v}`, key, v, writtenAt, failures: [], lockedUntil: 0, expiresAt: doc?.expiresAt ?? 0, gone: true }
        : { _id: `${key}#${v}`, key, v, writtenAt, ...entry };
      try {
        await coll.insertOne(next);
      } catch (err) {
        if (isDuplicateKey(err)) continue;
        throw err;
      }
      await coll.deleteMany({ key, v: { $lt: v }, writtenAt: { $lt: writtenAt - SUPERSEDED_MS } });
      return result;
    }
    throw new Error(`the sign-in throttle entry changed under ${MAX_ATTEMPTS} attempts in a row; try again`);
  }

  async delete(key: string): Promise<void> {
    await this.update(key, () => ({ entry: null, result: undefined }));
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

  /** Keys with an entry (for tests and diagnostics: reads each key's newest version). */
  async count(): Promise<number> {
    const keys = await this.handle.collections.loginThrottle.distinct('key');
    const entries = await Promise.all(keys.map((key) => this.get(key)));
    return entries.filter((e) => e !== null).length;
  }
}
