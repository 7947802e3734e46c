// A user's life after creation: disabled and enabled again, deleted, their password changed by
// themselves or reset by an admin. No HTTP here; http/routes/accounts.ts adapts it.
// A deleted user's record stays, without a usable password, so their name is never given to
// someone else: timelines, acks, post-mortems and the audit log name people by username, and a
// new "alice" would otherwise read as the old one.
import { ApiFailure, type PublicUser } from '../contract/index.ts';
import type { Store, UserRecord } from '../store/types.ts';
import type { AuthService } from './service.ts';
import { DUMMY_HASH, hashPassword, verifyPassword } from './passwords.ts';

/** A refusal a person can act on; the error handler answers it as `{error: {code, message}}` with `status`. */
export class AccountError extends ApiFailure {
  override name = 'AccountError';
}

/** Who asks: a signed-in admin (whose own account is guarded) or an admin's API token. */
export interface Caller {
  userId?: string;
}

export interface Ended {
  user: PublicUser;
  sessions: number;
}

export class AccountService {
  private readonly store: Store;
  private readonly auth: AuthService;
  private readonly now: () => Date;
  private readonly changeListeners: (() => void)[] = [];

  constructor(store: Store, auth: AuthService, now: () => Date = () => new Date()) {
    this.store = store;
    this.auth = auth;
    this.now = now;
  }

  /** Called when who may be paged changed (a user disabled, enabled or deleted): paging re-reads its people. */
  onChange(listener: () => void): void {
    this.changeListeners.push(listener);
  }

  private changed(): void {
    for (const listener of this.changeListeners) listener();
  }

  /** Disabled: cannot sign in, their sessions end, their tokens stop working, their live connections close. */
  async disable(caller: Caller, userId: string): Promise<Ended> {
    const user = await this.target(userId);
    await this.guard(caller, user, 'disable');
    const wasEnabledAdmin = isEnabledAdmin(user);
    if (!(await this.store.users.update(user.id, { disabled: true }))) throw gone(userId);
    if (wasEnabledAdmin) await this.adminRemains(user, 'disable');
    this.changed();
    const sessions = await this.auth.endUser(user.id);
    return { user: { ...publicOf(user), disabled: true }, sessions };
  }

  /** Enabled again: they sign in anew (their old sessions stay ended); their tokens work again. */
  async enable(userId: string): Promise<PublicUser> {
    const user = await this.target(userId);
    if (!(await this.store.users.update(user.id, { disabled: false }))) throw gone(userId);
    this.changed();
    return publicOf({ ...user, disabled: false });
  }

  /** Deleted: everything disable does, their tokens revoked for good, and the name kept taken. */
  async delete(caller: Caller, userId: string): Promise<Ended & { tokens: string[] }> {
    const user = await this.target(userId);
    await this.guard(caller, user, 'delete');
    const at = this.now().toISOString();
    // Disabled first: the check that an admin remains can still undo that, not a deletion.
    const wasEnabledAdmin = isEnabledAdmin(user);
    if (!(await this.store.users.update(user.id, { disabled: true }))) throw gone(userId);
    if (wasEnabledAdmin) await this.adminRemains(user, 'delete');
    if (!(await this.store.users.update(user.id, { deletedAt: at, disabled: true, passwordHash: DUMMY_HASH }))) throw gone(userId);
    this.changed();
    const sessions = await this.auth.endUser(user.id);
    const tokens = await this.store.apiTokens.revokeCreatedBy(user.username, at);
    return { user: publicOf(user), sessions, tokens };
  }

  /** The signed-in user's own password: needs the current one; their other sessions end, this one stays. */
  async changeOwn(userId: string, sessionHash: string, currentPassword: string, newPassword: string): Promise<Ended> {
    const user = await this.target(userId);
    if (!(await verifyPassword(currentPassword, user.passwordHash))) {
      throw new AccountError(403, 'wrong_password', 'The current password is not right; the password was not changed.');
    }
    if (currentPassword === newPassword) {
      throw new AccountError(400, 'same_password', 'The new password is the current one; choose another.');
    }
    if (!(await this.store.users.update(user.id, { passwordHash: await hashPassword(newPassword) }))) throw gone(userId);
    const sessions = await this.auth.revokeOtherSessions(user.id, sessionHash);
    return { user: publicOf(user), sessions };
  }

  /** An admin sets another user's password (a forgotten one): every session of theirs ends. */
  async reset(caller: Caller, userId: string, newPassword: string): Promise<Ended> {
    const user = await this.target(userId);
    if (caller.userId === user.id) {
      throw new AccountError(409, 'own_account', 'To change your own password use Account → Change password (POST /api/auth/password), which asks for the current one.');
    }
    if (!(await this.store.users.update(user.id, { passwordHash: await hashPassword(newPassword) }))) throw gone(userId);
    const sessions = await this.auth.revokeSessions(user.id);
    return { user: publicOf(user), sessions };
  }

  private async target(userId: string): Promise<UserRecord> {
    const user = await this.store.users.byId(userId);
    if (!user || user.deletedAt !== undefined) throw gone(userId);
    return user;
  }

  /** Not oneself, and never the last enabled admin: Vigil must always keep someone who can administer it. */
  private async guard(caller: Caller, user: UserRecord, what: 'disable' | 'delete'): Promise<void> {
    if (caller.userId === user.id) {
      throw new AccountError(409, 'own_account', `You cannot ${what} your own account; ask another admin.`);
    }
    if (!isEnabledAdmin(user)) return;
    if (enabledAdmins(await this.store.users.list()).length <= 1) throw lastAdmin(user, what);
  }

  /**
   * After disabling an enabled admin: two admins disabling each other at once (here or on another
   * replica) both passed `guard`; whoever finds no enabled admin left undoes their own change, so
   * Vigil never stays without one (at worst both are undone and both asked to try again).
   */
  private async adminRemains(user: UserRecord, what: 'disable' | 'delete'): Promise<void> {
    if (enabledAdmins(await this.store.users.list()).length > 0) return;
    await this.store.users.update(user.id, { disabled: false });
    throw lastAdmin(user, what);
  }
}

function isEnabledAdmin(u: UserRecord): boolean {
  return u.role === 'admin' && !u.disabled && u.deletedAt === undefined;
}

function enabledAdmins(users: readonly UserRecord[]): UserRecord[] {
  return users.filter(isEnabledAdmin);
}

function publicOf(user: UserRecord): PublicUser {
  return { id: user.id, username: user.username, role: user.role, createdAt: user.createdAt, ...(user.disabled ? { disabled: true } : {}) };
}

function lastAdmin(user: UserRecord, what: string): AccountError {
  return new AccountError(409, 'last_admin', `"${user.username}" is the last enabled admin; make another user an admin (or enable one) before you ${what} this one.`);
}

function gone(userId: string): AccountError {
  return new AccountError(404, 'not_found', `User ${userId} not found (or deleted).`);
}
