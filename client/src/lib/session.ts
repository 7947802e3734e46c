// What the signed-in person's role lets them do here, and the sentence that says why not. Pure.
import type { Role } from '@vigil/server/contract';

/** Responders and admins act (acknowledge, restart, edit); viewers watch. */
export function canAct(role: Role | undefined): boolean {
  return role === 'responder' || role === 'admin';
}

/** Why `what` is refused for this role; null when it is allowed. */
export function roleRefusal(role: Role | undefined, what: string): string | null {
  return canAct(role) ? null : `Only responders and admins can ${what}; you are signed in as ${role ?? 'nobody'}.`;
}
