// Who may do what (`/api/auth/…`, `/api/users`, `/api/tokens`, `/api/audit`), and the record-to-wire
// functions that keep secrets (password and token hashes) off the wire.
import type { AuditOutcome, Role } from './values.ts';

export interface PublicUser {
  id: string;
  username: string;
  role: Role;
  createdAt: string;
  /** An admin disabled the user: they cannot sign in, their sessions ended. */
  disabled?: boolean;
}

export interface LoginResponse {
  user: PublicUser;
  csrfToken: string;
}

/** An API token as listed: never the token itself (only its hash is kept). */
export interface ApiToken {
  id: string;
  name: string;
  role: Role;
  createdBy: string;
  createdAt: string;
  revokedAt?: string;
  /** After this the token is refused (401 `token_expired`); absent: it does not expire. */
  expiresAt?: string;
  /** The last request made with it (recorded at most once a minute). */
  lastUsedAt?: string;
}

/** `POST /api/tokens`: the record and, this once, the token. */
export interface CreatedApiToken extends ApiToken {
  token: string;
}

/** One line of the audit log, as stored and as `GET /api/audit` lists it. */
export interface AuditRecord {
  id: string;
  at: string;
  actor: string;
  action: string;
  target?: string;
  ip?: string;
  outcome: AuditOutcome;
  detail?: unknown;
}

/** A user as the API shows it: a stored user carries its password hash, which must not leave. */
export function toPublicUser(user: PublicUser): PublicUser {
  return { id: user.id, username: user.username, role: user.role, createdAt: user.createdAt, ...(user.disabled ? { disabled: true } : {}) };
}

/** A token as the API lists it: the stored one carries the token's hash, which must not leave. */
export function toApiToken(token: ApiToken): ApiToken {
  const { id, name, role, createdBy, createdAt, revokedAt, expiresAt, lastUsedAt } = token;
  return {
    id, name, role, createdBy, createdAt,
    ...(revokedAt === undefined ? {} : { revokedAt }),
    ...(expiresAt === undefined ? {} : { expiresAt }),
    ...(lastUsedAt === undefined ? {} : { lastUsedAt }),
  };
}

/** The shortest password Vigil accepts (new users, a change, an admin's reset). */
export const PASSWORD_MIN_LENGTH = 10;
/** The longest an API token may live (`expiresInDays` / `expiresAt` of `POST /api/tokens`). */
export const API_TOKEN_MAX_DAYS = 365;

/** `POST /api/auth/password`: a signed-in user changes their own password. */
export interface ChangePasswordRequest {
  currentPassword: string;
  newPassword: string;
}

/** `POST /api/tokens`: at most one of `expiresInDays` and `expiresAt`; neither = never expires. */
export interface NewApiTokenRequest {
  name: string;
  role: Role;
  expiresInDays?: number;
  expiresAt?: string;
}
