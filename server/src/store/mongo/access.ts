// Who may use Vigil: users, their sessions, and API tokens.
import { CONFLICTS, refuseDuplicate } from '../conflicts.ts';
import type {
  ApiTokenRecord, ApiTokenRepository, SessionRecord, SessionRepository, UserPatch, UserRecord, UserRepository,
} from '../types.ts';
import { usernameKey } from '../usernames.ts';
import type { MongoHandle } from './collections.ts';
import { isDuplicateKey } from './collections.ts';
import { docToSession, docToToken, docToUser, sessionToDoc, tokenToDoc, userToDoc } from './documents.ts';

export class MongoUsers implements UserRepository {
  private readonly handle: MongoHandle;

  constructor(handle: MongoHandle) {
    this.handle = handle;
  }

  async create(user: UserRecord): Promise<void> {
    await refuseDuplicate(() => this.handle.collections.users.insertOne(userToDoc(user)), isDuplicateKey, CONFLICTS.username(user.username));
  }

  /** Regardless of case, through the `usernameKey` field and its unique index (usernames.ts). */
  async byUsername(username: string): Promise<UserRecord | null> {
    const doc = await this.handle.collections.users.findOne({ usernameKey: usernameKey(username) });
    return doc ? docToUser(doc) : null;
  }

  async byId(id: string): Promise<UserRecord | null> {
    const doc = await this.handle.collections.users.findOne({ _id: id });
    return doc ? docToUser(doc) : null;
  }

  async list(): Promise<UserRecord[]> {
    const docs = await this.handle.collections.users.find({}).sort({ username: 1 }).toArray();
    return docs.map(docToUser);
  }

  async count(): Promise<number> {
    return this.handle.collections.users.countDocuments();
  }

  async update(id: string, patch: UserPatch): Promise<boolean> {
    const set: Record<string, unknown> = {};
    const unset: Record<string, ''> = {};
    if (patch.disabled === true) set['disabled'] = true;
    if (patch.disabled === false) unset['disabled'] = '';
    if (patch.passwordHash !== undefined) set['passwordHash'] = patch.passwordHash;
    if (patch.deletedAt !== undefined) set['deletedAt'] = patch.deletedAt;
    const result = await this.handle.collections.users.updateOne(
      { _id: id, deletedAt: { $exists: false } },
      { ...(Object.keys(set).length > 0 ? { $set: set } : {}), ...(Object.keys(unset).length > 0 ? { $unset: unset } : {}) },
    );
    return result.matchedCount === 1;
  }
}

export class MongoSessions implements SessionRepository {
  private readonly handle: MongoHandle;

  constructor(handle: MongoHandle) {
    this.handle = handle;
  }

  async create(session: SessionRecord): Promise<void> {
    await this.handle.collections.sessions.insertOne(sessionToDoc(session));
  }

  async get(idHash: string): Promise<SessionRecord | null> {
    const doc = await this.handle.collections.sessions.findOne({ _id: idHash });
    return doc ? docToSession(doc) : null;
  }

  async delete(idHash: string): Promise<void> {
    await this.handle.collections.sessions.deleteOne({ _id: idHash });
  }

  async deleteForUser(userId: string, except?: string): Promise<number> {
    return (await this.handle.collections.sessions.deleteMany({ userId, ...(except === undefined ? {} : { _id: { $ne: except } }) })).deletedCount;
  }

  async deleteExpired(now: string): Promise<number> {
    return (await this.handle.collections.sessions.deleteMany({ expiresAt: { $lte: now } })).deletedCount;
  }
}

export class MongoApiTokens implements ApiTokenRepository {
  private readonly handle: MongoHandle;

  constructor(handle: MongoHandle) {
    this.handle = handle;
  }

  async create(token: ApiTokenRecord): Promise<void> {
    await refuseDuplicate(() => this.handle.collections.apiTokens.insertOne(tokenToDoc(token)), isDuplicateKey, CONFLICTS.apiToken(token.id));
  }

  async byHash(tokenHash: string): Promise<ApiTokenRecord | null> {
    const doc = await this.handle.collections.apiTokens.findOne({ tokenHash });
    return doc ? docToToken(doc) : null;
  }

  async list(): Promise<ApiTokenRecord[]> {
    const docs = await this.handle.collections.apiTokens.find({}).sort({ createdAt: 1, _id: 1 }).toArray();
    return docs.map(docToToken);
  }

  /** True when this call revoked the token; a second revoke keeps the first time. */
  async revoke(id: string, at: string): Promise<boolean> {
    const result = await this.handle.collections.apiTokens.updateOne(
      { _id: id, revokedAt: { $exists: false } },
      { $set: { revokedAt: at } },
    );
    return result.modifiedCount === 1;
  }

  async revokeCreatedBy(createdBy: string, at: string): Promise<string[]> {
    const tokens = this.handle.collections.apiTokens;
    const live = await tokens.find({ createdBy, revokedAt: { $exists: false } }, { projection: { _id: 1 } }).toArray();
    const ids = live.map((doc) => doc._id);
    if (ids.length > 0) await tokens.updateMany({ _id: { $in: ids }, revokedAt: { $exists: false } }, { $set: { revokedAt: at } });
    return ids;
  }

  async touch(id: string, at: string): Promise<void> {
    await this.handle.collections.apiTokens.updateOne({ _id: id }, { $set: { lastUsedAt: at } });
  }
}
