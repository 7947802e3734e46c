// Users, sessions and API tokens: who is asking, and may they. No HTTP here; http/ adapts it.
import { randomUUID } from 'node:crypto';
import { toApiToken, toPublicUser, type ApiToken, type PublicUser, type Role } from '../contract/index.ts';
import type { Logger } from '../logger.ts';
import type { ApiTokenRecord, Store, UserRecord } from '../store/types.ts';
import { StoreConflictError } from '../store/types.ts';
import { DUMMY_HASH, hashPassword, verifyPassword } from './passwords.ts';
import { API_TOKEN_PREFIX, randomSecret, sha256 } from './secrets.ts';

const RANK: Record<Role, number> = { viewer: 0, responder: 1, admin: 2 };

export function roleAtLeast(role: Role, needed: Role): boolean {
  return RANK[role] >= RANK[needed];
}

/** The authenticated caller of a request or socket. */
export interface Principal {
  via: 'session' | 'token';
  /** What goes on timelines and in the audit log. */
  actor: string;
  role: Role;
  user?: PublicUser;
  csrfToken?: string;
  sessionHash?: string;
  tokenId?: string;
}

export interface NewSession {
  cookieValue: string;
  csrfToken: string;
  user: PublicUser;
  expiresAt: string;
}

/**
 * A sign-in: the new session, or who it was for when it failed (`username` only when that user
 * exists); `disabled` when the password was right but an admin disabled the user.
 */
export type LoginResult = { ok: true; session: NewSession } | { ok: false; username?: string; disabled?: true };

/** Why a bearer token was refused, when saying so helps its owner (an unknown token is just 401). */
export type BearerRefusal = 'token_expired';

/** Records a token's use at most this often: one write a minute per token, not one per request. */
const TOKEN_TOUCH_MS = 60_000;

/** Creating a user whose name is taken, in any case: says by whom. */
export class UsernameTakenError extends Error {
  override name = 'UsernameTakenError';
  readonly existing: string;
  constructor(requested: string, existing: string) {
    super(existing === requested
      ? `A user named "${requested}" already exists.`
      : `A user named "${existing}" already exists, and usernames are unique regardless of case, so "${requested}" cannot be created.`);
    this.existing = existing;
  }
}

export class AuthService {
  private readonly store: Store;
  private readonly sessionTtlMs: number;
  private readonly log: Logger;
  private readonly now: () => Date;
  private lastSweep = 0;
  private readonly revokeListeners: (() => void)[] = [];
  private readonly userEndedListeners: ((userId: string) => void)[] = [];

  constructor(store: Store, options: { sessionTtlMs: number; logger: Logger; now?: () => Date }) {
    this.store = store;
    this.sessionTtlMs = options.sessionTtlMs;
    this.log = options.logger.child({ module: 'auth' });
    this.now = options.now ?? (() => new Date());
  }

  /**
   * Checks credentials (the username regardless of case). Fails alike for an unknown user, a deleted
   * one and a wrong password; only with the right password is a disabled user told so. The result
   * names the user only for the audit log.
   */
  async login(username: string, password: string, ip?: string): Promise<LoginResult> {
    const user = await this.store.users.byUsername(username);
    // Verify against a dummy hash for unknown users so response time does not reveal which usernames exist.
    const ok = await verifyPassword(password, user?.passwordHash ?? DUMMY_HASH);
    if (!user) return { ok: false };
    if (!ok || user.deletedAt !== undefined) return { ok: false, username: user.username };
    if (user.disabled) return { ok: false, username: user.username, disabled: true };
    const cookieValue = randomSecret();
    const csrfToken = randomSecret();
    const now = this.now();
    const expiresAt = new Date(now.getTime() + this.sessionTtlMs).toISOString();
    await this.store.sessions.create({
      idHash: sha256(cookieValue), userId: user.id, csrfToken, createdAt: now.toISOString(), expiresAt, ...(ip ? { ip } : {}),
    });
    await this.sweepExpired(now);
    return { ok: true, session: { cookieValue, csrfToken, user: toPublicUser(user), expiresAt } };
  }

  async fromSessionCookie(cookieValue: string): Promise<Principal | null> {
    const idHash = sha256(cookieValue);
    const session = await this.store.sessions.get(idHash);
    if (!session) return null;
    if (session.expiresAt <= this.now().toISOString()) {
      await this.store.sessions.delete(idHash);
      return null;
    }
    const user = await this.store.users.byId(session.userId);
    if (!user || user.disabled || user.deletedAt !== undefined) return null;
    return { via: 'session', actor: user.username, role: user.role, user: toPublicUser(user), csrfToken: session.csrfToken, sessionHash: idHash };
  }

  /**
   * A token holds while it is not revoked, not expired, and the user who made it is neither disabled
   * nor deleted (a token made by another token, `token:…`, or before users could be disabled, holds).
   */
  async fromBearer(token: string): Promise<Principal | null> {
    if (!token.startsWith(API_TOKEN_PREFIX)) return null;
    const record = await this.store.apiTokens.byHash(sha256(token));
    if (!record || record.revokedAt) return null;
    const now = this.now();
    if (record.expiresAt !== undefined && record.expiresAt <= now.toISOString()) return null;
    if (!record.createdBy.startsWith('token:')) {
      const creator = await this.store.users.byUsername(record.createdBy);
      if (creator && (creator.disabled || creator.deletedAt !== undefined)) return null;
    }
    if (record.lastUsedAt === undefined || now.getTime() - Date.parse(record.lastUsedAt) >= TOKEN_TOUCH_MS) {
      // Bookkeeping only: a store hiccup here must not fail the request.
      this.store.apiTokens.touch(record.id, now.toISOString()).catch((err: unknown) => this.log.warn({ err }, 'could not record a token\'s last use'));
    }
    return { via: 'token', actor: `token:${record.name}`, role: record.role, tokenId: record.id };
  }

  /** Why `fromBearer` refused this token, when its owner should be told (asked only after a refusal). */
  async bearerRefusal(token: string): Promise<BearerRefusal | null> {
    if (!token.startsWith(API_TOKEN_PREFIX)) return null;
    const record = await this.store.apiTokens.byHash(sha256(token));
    if (!record || record.revokedAt || record.expiresAt === undefined) return null;
    return record.expiresAt <= this.now().toISOString() ? 'token_expired' : null;
  }

  /** Called after any session or token is ended by a person (live connections re-check theirs). */
  onRevoke(listener: () => void): void {
    this.revokeListeners.push(listener);
  }

  private revoked(): void {
    for (const listener of this.revokeListeners) listener();
  }

  /** Called when a user is disabled or deleted: their live connections close at once, on every replica. */
  onUserEnded(listener: (userId: string) => void): void {
    this.userEndedListeners.push(listener);
  }

  /** Ends a disabled or deleted user's sessions and live connections; returns how many sessions there were. */
  async endUser(userId: string): Promise<number> {
    const ended = await this.store.sessions.deleteForUser(userId);
    for (const listener of this.userEndedListeners) listener(userId);
    this.revoked();
    return ended;
  }

  /** Ends every session of a user but `keep` (their own password change keeps the session that made it). */
  async revokeOtherSessions(userId: string, keep: string): Promise<number> {
    const ended = await this.store.sessions.deleteForUser(userId, keep);
    this.revoked();
    return ended;
  }

  async logout(principal: Principal): Promise<void> {
    if (principal.sessionHash) await this.store.sessions.delete(principal.sessionHash);
    this.revoked();
  }

  /** Ends every session of a user (log out everywhere, or an admin's revoke); returns how many there were. */
  async revokeSessions(userId: string): Promise<number> {
    const ended = await this.store.sessions.deleteForUser(userId);
    this.revoked();
    return ended;
  }

  /** A user who is not deleted. */
  async userById(id: string): Promise<PublicUser | null> {
    const user = await this.store.users.byId(id);
    return user && user.deletedAt === undefined ? toPublicUser(user) : null;
  }

  /** Expired sessions are refused when used; this also drops them from the store, at most hourly. */
  private async sweepExpired(now: Date): Promise<void> {
    if (now.getTime() - this.lastSweep < 3_600_000) return;
    this.lastSweep = now.getTime();
    try {
      const removed = await this.store.sessions.deleteExpired(now.toISOString());
      if (removed > 0) this.log.info({ removed }, 'removed expired sessions');
    } catch (err) {
      this.log.warn({ err }, 'could not remove expired sessions; they are refused when used all the same');
    }
  }

  /** Fails with UsernameTakenError when the name is taken in any case ("ADMIN" when "admin" exists). */
  async createUser(input: { username: string; password: string; role: Role }): Promise<PublicUser> {
    const user: UserRecord = {
      id: randomUUID(), username: input.username, role: input.role,
      passwordHash: await hashPassword(input.password), createdAt: this.now().toISOString(),
    };
    try {
      await this.store.users.create(user);
    } catch (err) {
      if (!(err instanceof StoreConflictError)) throw err;
      const existing = await this.store.users.byUsername(input.username);
      throw new UsernameTakenError(input.username, existing?.username ?? input.username);
    }
    return toPublicUser(user);
  }

  /** The users who are not deleted (a deleted user's record stays only to keep their name taken). */
  async listUsers(): Promise<PublicUser[]> {
    return (await this.store.users.list()).filter((u) => u.deletedAt === undefined).map(toPublicUser);
  }

  /** Creates an API token; the token itself is returned once and only its hash is kept. */
  async createToken(input: { name: string; role: Role; createdBy: string; expiresAt?: string }): Promise<{ record: ApiToken; token: string }> {
    const token = API_TOKEN_PREFIX + randomSecret();
    const record: ApiTokenRecord = {
      id: randomUUID(), name: input.name, role: input.role, tokenHash: sha256(token),
      createdBy: input.createdBy, createdAt: this.now().toISOString(),
      ...(input.expiresAt === undefined ? {} : { expiresAt: input.expiresAt }),
    };
    await this.store.apiTokens.create(record);
    return { record: toApiToken(record), token };
  }

  async listTokens(): Promise<ApiToken[]> {
    return (await this.store.apiTokens.list()).map(toApiToken);
  }

  async revokeToken(id: string): Promise<boolean> {
    const done = await this.store.apiTokens.revoke(id, this.now().toISOString());
    this.revoked();
    return done;
  }

  /**
   * First start: creates `admin` from ADMIN_PASSWORD, or with a generated password that is
   * returned so main can print it once. Later starts leave existing users alone.
   */
  async ensureAdmin(adminPassword: string | undefined, generate: () => string): Promise<{ created: boolean; generatedPassword?: string }> {
    if ((await this.store.users.count()) > 0) return { created: false };
    const password = adminPassword ?? generate();
    try {
      await this.createUser({ username: 'admin', password, role: 'admin' });
    } catch (err) {
      // Another Vigil instance on the same store created it first.
      if ((await this.store.users.byUsername('admin')) !== null) return { created: false };
      throw err;
    }
    this.log.info({ generated: adminPassword === undefined }, 'created the first admin user');
    return adminPassword === undefined ? { created: true, generatedPassword: password } : { created: true };
  }
}
