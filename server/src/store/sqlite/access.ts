// Who may use Vigil: users, their sessions, and API tokens.
import { ROLES } from '../../contract/index.ts';
import { CONFLICTS, refuseDuplicate } from '../conflicts.ts';
import { definedOnly, oneOf } from '../records.ts';
import type {
  ApiTokenRecord, ApiTokenRepository, SessionRecord, SessionRepository, UserPatch, UserRecord, UserRepository,
} from '../types.ts';
import type { Row, SqliteConnection } from './connection.ts';
import { integer, isUniqueViolation, optionalText, orNull, text } from './connection.ts';

function toUser(row: Row): UserRecord {
  return {
    id: text(row, 'id'),
    username: text(row, 'username'),
    passwordHash: text(row, 'password_hash'),
    role: oneOf(row['role'], ROLES, 'user role'),
    createdAt: text(row, 'created_at'),
    ...(integer(row, 'disabled') === 1 ? { disabled: true } : {}),
    ...definedOnly({ deletedAt: optionalText(row, 'deleted_at') }),
  };
}

function toSession(row: Row): SessionRecord {
  return {
    idHash: text(row, 'id_hash'),
    userId: text(row, 'user_id'),
    csrfToken: text(row, 'csrf_token'),
    createdAt: text(row, 'created_at'),
    expiresAt: text(row, 'expires_at'),
    ...definedOnly({ ip: optionalText(row, 'ip') }),
  };
}

function toToken(row: Row): ApiTokenRecord {
  return {
    id: text(row, 'id'),
    name: text(row, 'name'),
    role: oneOf(row['role'], ROLES, 'token role'),
    tokenHash: text(row, 'token_hash'),
    createdBy: text(row, 'created_by'),
    createdAt: text(row, 'created_at'),
    ...definedOnly({
      revokedAt: optionalText(row, 'revoked_at'), expiresAt: optionalText(row, 'expires_at'), lastUsedAt: optionalText(row, 'last_used_at'),
    }),
  };
}

export class SqliteUsers implements UserRepository {
  private readonly conn: SqliteConnection;

  constructor(conn: SqliteConnection) {
    this.conn = conn;
  }

  async create(user: UserRecord): Promise<void> {
    await refuseDuplicate(
      () => this.conn
        .statement('INSERT INTO users (id, username, password_hash, role, created_at, disabled, deleted_at) VALUES (?, ?, ?, ?, ?, ?, ?)')
        .run(user.id, user.username, user.passwordHash, user.role, user.createdAt, user.disabled ? 1 : 0, orNull(user.deletedAt)),
      isUniqueViolation,
      CONFLICTS.username(user.username),
    );
  }

  /** Regardless of case (ASCII letters, as usernameKey), through the unique index of schema v5. */
  async byUsername(username: string): Promise<UserRecord | null> {
    const row = this.conn.statement('SELECT * FROM users WHERE username = ? COLLATE NOCASE').get(username);
    return row ? toUser(row) : null;
  }

  async byId(id: string): Promise<UserRecord | null> {
    const row = this.conn.statement('SELECT * FROM users WHERE id = ?').get(id);
    return row ? toUser(row) : null;
  }

  async list(): Promise<UserRecord[]> {
    return this.conn.statement('SELECT * FROM users ORDER BY username').all().map(toUser);
  }

  async count(): Promise<number> {
    const row = this.conn.statement('SELECT count(*) AS n FROM users').get();
    return row ? integer(row, 'n') : 0;
  }

  async update(id: string, patch: UserPatch): Promise<boolean> {
    const result = this.conn.statement(`
      UPDATE users SET
        disabled = coalesce(?, disabled), password_hash = coalesce(?, password_hash), deleted_at = coalesce(?, deleted_at)
      WHERE id = ? AND deleted_at IS NULL`)
      .run(patch.disabled === undefined ? null : patch.disabled ? 1 : 0, orNull(patch.passwordHash), orNull(patch.deletedAt), id);
    return Number(result.changes) === 1;
  }
}

export class SqliteSessions implements SessionRepository {
  private readonly conn: SqliteConnection;

  constructor(conn: SqliteConnection) {
    this.conn = conn;
  }

  async create(session: SessionRecord): Promise<void> {
    this.conn
      .statement('INSERT INTO sessions (id_hash, user_id, csrf_token, created_at, expires_at, ip) VALUES (?, ?, ?, ?, ?, ?)')
      .run(session.idHash, session.userId, session.csrfToken, session.createdAt, session.expiresAt, orNull(session.ip));
  }

  async get(idHash: string): Promise<SessionRecord | null> {
    const row = this.conn.statement('SELECT * FROM sessions WHERE id_hash = ?').get(idHash);
    return row ? toSession(row) : null;
  }

  async delete(idHash: string): Promise<void> {
    this.conn.statement('DELETE FROM sessions WHERE id_hash = ?').run(idHash);
  }

  async deleteForUser(userId: string, except?: string): Promise<number> {
    return Number(this.conn.statement('DELETE FROM sessions WHERE user_id = ? AND id_hash IS NOT ?').run(userId, orNull(except)).changes);
  }

  async deleteExpired(now: string): Promise<number> {
    return Number(this.conn.statement('DELETE FROM sessions WHERE expires_at <= ?').run(now).changes);
  }
}

export class SqliteApiTokens implements ApiTokenRepository {
  private readonly conn: SqliteConnection;

  constructor(conn: SqliteConnection) {
    this.conn = conn;
  }

  async create(token: ApiTokenRecord): Promise<void> {
    await refuseDuplicate(
      () => this.conn
        .statement('INSERT INTO api_tokens (id, name, role, token_hash, created_by, created_at, revoked_at, expires_at, last_used_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)')
        .run(
          token.id, token.name, token.role, token.tokenHash, token.createdBy, token.createdAt,
          orNull(token.revokedAt), orNull(token.expiresAt), orNull(token.lastUsedAt),
        ),
      isUniqueViolation,
      CONFLICTS.apiToken(token.id),
    );
  }

  async byHash(tokenHash: string): Promise<ApiTokenRecord | null> {
    const row = this.conn.statement('SELECT * FROM api_tokens WHERE token_hash = ?').get(tokenHash);
    return row ? toToken(row) : null;
  }

  async list(): Promise<ApiTokenRecord[]> {
    return this.conn.statement('SELECT * FROM api_tokens ORDER BY created_at, id').all().map(toToken);
  }

  /** True when this call revoked the token; a second revoke keeps the first time. */
  async revoke(id: string, at: string): Promise<boolean> {
    const result = this.conn.statement('UPDATE api_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL').run(at, id);
    return Number(result.changes) === 1;
  }

  async revokeCreatedBy(createdBy: string, at: string): Promise<string[]> {
    return this.conn.statement('UPDATE api_tokens SET revoked_at = ? WHERE created_by = ? AND revoked_at IS NULL RETURNING id')
      .all(at, createdBy).map((row) => text(row, 'id'));
  }

  async touch(id: string, at: string): Promise<void> {
    this.conn.statement('UPDATE api_tokens SET last_used_at = ? WHERE id = ?').run(at, id);
  }
}
