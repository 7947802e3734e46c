// Who may do what (`/api/auth/…`, `/api/users`, `/api/tokens`, `/api/audit`), and the record-to-wire
// functions that keep secrets (password and token hashes) off the wire.
import type { AuditOutcome, Role } from './values.ts';

export interface PublicUser {
  id: string;
  username: string;
  role: Role;
  createdAt: string;
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
  return { id: user.id, username: user.username, role: user.role, createdAt: user.createdAt };
}

/** A token as the API lists it: the stored one carries the token's hash, which must not leave. */
export function toApiToken(token: ApiToken): ApiToken {
  const { id, name, role, createdBy, createdAt, revokedAt } = token;
  return { id, name, role, createdBy, createdAt, ...(revokedAt === undefined ? {} : { revokedAt }) };
}
