// Usernames are unique regardless of case, on both stores, and sign-in finds a user the same way:
// one key, shared with the sign-in lockout, so "ADMIN" and "admin" can never be two accounts with
// two failure counts. Only ASCII letters fold: new usernames are ASCII (the API's rule), SQLite's
// NOCASE folds exactly these, and a Unicode look-alike (the Kelvin sign for "K") stays a different,
// unknown name instead of reaching someone's account.
import type { Logger } from '../logger.ts';

export function usernameKey(username: string): string {
  return username.replace(/[A-Z]/g, (c) => c.toLowerCase());
}

/**
 * The new name of a user whose name clashed, by case only, with an older user's when the store
 * was upgraded (schema v5): the old name, cut to leave room, and the first 8 characters of the
 * user's id. Within the 64 characters sign-in accepts. SQLite's migration builds the same string
 * in SQL (migrations.ts), MongoDB's start in JS (mongo/usernames.ts).
 */
export function caseClashRename(username: string, id: string): string {
  return `${username.slice(0, 55)}-${id.slice(0, 8)}`;
}

/** The audit action and reason written for each such rename (SQLite's migration v5 spells them in its SQL). */
export const CASE_CLASH_ACTION = 'user.rename';
export const CASE_CLASH_REASON = 'usernames are unique regardless of case since schema v5; an older user holds this name in another case';

export interface CaseClashRename {
  userId: string;
  from: string;
  to: string;
}

/** Said loudly at the start that renamed them: each person renamed must be told their new name. */
export function logCaseClashRenames(renames: readonly CaseClashRename[], log: Logger): void {
  for (const r of renames) {
    log.warn({ userId: r.userId, from: r.from, to: r.to },
      `user "${r.from}" is now "${r.to}": an older user holds "${r.from}" in another case, and usernames are unique regardless of case (an audit record says so too); tell them their new username`);
  }
}
