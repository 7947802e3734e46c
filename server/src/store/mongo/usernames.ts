// Usernames unique regardless of case on MongoDB: a lower-cased `usernameKey` field with a unique
// index (FerretDB 1.24, what the tests run against, has no collations). At every start, before the
// index is asserted, users written by an older Vigil get their key, and a user whose name clashes
// by case with an older user's is renamed exactly as SQLite's schema v5 does, with the same audit
// record. Idempotent (the new names and record ids derive from the user's id), so two replicas
// starting together agree.
import type { AnyBulkWriteOperation } from 'mongodb';
import type { CaseClashRename } from '../usernames.ts';
import { CASE_CLASH_ACTION, CASE_CLASH_REASON, caseClashRename, usernameKey } from '../usernames.ts';
import type { Collections } from './collections.ts';
import { insertedOnce } from './collections.ts';
import type { UserDoc } from './documents.ts';

export async function ensureUniqueUsernames(collections: Collections): Promise<CaseClashRename[]> {
  const users = await collections.users.find({}, { projection: { _id: 1, username: 1, usernameKey: 1, createdAt: 1 } }).toArray();
  users.sort((a, b) => (a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : a._id < b._id ? -1 : a._id > b._id ? 1 : 0));
  const holders = new Set<string>();
  const renames: CaseClashRename[] = [];
  const updates: AnyBulkWriteOperation<UserDoc>[] = [];
  for (const user of users) {
    const key = usernameKey(user.username);
    if (!holders.has(key)) {
      holders.add(key);
      if (user.usernameKey !== key) updates.push({ updateOne: { filter: { _id: user._id }, update: { $set: { usernameKey: key } } } });
      continue;
    }
    const to = caseClashRename(user.username, user._id);
    renames.push({ userId: user._id, from: user.username, to });
    updates.push({ updateOne: { filter: { _id: user._id }, update: { $set: { username: to, usernameKey: usernameKey(to) } } } });
  }
  const clash = renames.find((r) => holders.has(usernameKey(r.to)));
  if (clash) {
    throw new Error(`user "${clash.from}" (${clash.userId}) clashes by case with an older user, and its new name "${clash.to}" is taken too; rename one of them in the users collection, then start Vigil again`);
  }
  if (updates.length > 0) await collections.users.bulkWrite(updates, { ordered: true });
  for (const r of renames) {
    // Once per rename: a start that failed after this line wrote it leaves the first record.
    await insertedOnce(() => collections.audit.insertOne({
      _id: `schema-v5-rename-${r.userId}`, at: new Date().toISOString(), actor: 'system', action: CASE_CLASH_ACTION, target: r.from, outcome: 'ok',
      detail: JSON.stringify({ from: r.from, to: r.to, userId: r.userId, reason: CASE_CLASH_REASON }),
    }));
  }
  // A new name that clashes in turn makes this fail: init fails and says so, nothing is lost.
  await collections.users.createIndex({ usernameKey: 1 }, { name: 'username_key', unique: true });
  return renames;
}
