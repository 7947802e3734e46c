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

/** A sign-in: the new session, or who it was for when it failed (`username` only when that user exists). */
export type LoginResult = { ok: true; session: NewSession } | { ok: false; username?: string };

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

  constructor(store: Store, options: { sessionTtlMs: number; logger: Logger; now?: () => Date }) {
    this.store = store;
    this.sessionTtlMs = options.sessionTtlMs;
    this.log = options.logger.child({ module: 'auth' });
    this.now = options.now ?? (() => new Date());
  }

  /**
   * Checks credentials (the username regardless of case). Fails alike for an unknown user, a disabled
   * one and a wrong password; the result names the user only for the audit log.
   */
  async login(username: string, password: string, ip?: string): Promise<LoginResult> {
    const user = await this.store.users.byUsername(username);
    // Verify against a dummy hash for unknown users so response time does not reveal which usernames exist.
    const ok = await verifyPassword(password, user?.passwordHash ?? DUMMY_HASH);
    if (!user) return { ok: false };
    if (!ok || user.disabled) return { ok: false, username: user.username };
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
    if (!user || user.disabled) return null;
    return { via: 'session', actor: user.username, role: user.role, user: toPublicUser(user), csrfToken: session.csrfToken, sessionHash: idHash };
  }

  async fromBearer(token: string): Promise<Principal | null> {
    if (!token.startsWith(API_TOKEN_PREFIX)) return null;
    const record = await this.store.apiTokens.byHash(sha256(token));
    if (!record || record.revokedAt) return null;
    return { via: 'token', actor: `token:${record.name}`, role: record.role, tokenId: record.id };
  }

  /** Called after any session or token is ended by a person (live connections re-check theirs). */
  onRevoke(listener: () => void): void {
    this.revokeListeners.push(listener);
  }

  private revoked(): void {
    for (const listener of this.revokeListeners) listener();
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

  async userById(id: string): Promise<PublicUser | null> {
    const user = await this.store.users.byId(id);
    return user ? toPublicUser(user) : null;
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

  async listUsers(): Promise<PublicUser[]> {
    return (await this.store.users.list()).map(toPublicUser);
  }

  /** Creates an API token; the token itself is returned once and only its hash is kept. */
  async createToken(input: { name: string; role: Role; createdBy: string }): Promise<{ record: ApiToken; token: string }> {
    const token = API_TOKEN_PREFIX + randomSecret();
    const record: ApiTokenRecord = {
      id: randomUUID(), name: input.name, role: input.role, tokenHash: sha256(token),
      createdBy: input.createdBy, createdAt: this.now().toISOString(),
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
