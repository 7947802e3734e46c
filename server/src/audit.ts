// The audit log: who did what, when, from where. Every state-changing action writes one record.
// Much of a record comes from requests (a username typed at sign-in, a token's name, a target):
// control characters in it are stored escaped, so no one can forge a line break or a terminal escape
// into whatever shows the log, and a name nobody has is stored as a keyed hash, not as typed.
import { createHmac, randomUUID } from 'node:crypto';
import { SettingKeys } from './store/keys.ts';
import { usernameKey } from './store/usernames.ts';
import type { AuditRecord, Store } from './store/types.ts';

export type AuditInput = Omit<AuditRecord, 'id' | 'at'> & { at?: string };

/** Who asked for an action, and from where: what every record of a request's action starts with. */
export type AuditContext = Pick<AuditInput, 'actor' | 'ip'>;

/** C0 and C1 controls, DEL, the line and paragraph separators, and the bidi overrides and isolates. */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/** Text as it is stored in the audit log: every control character written as `\uXXXX`. */
export function inertText(text: string): string {
  return text.replace(CONTROL, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

function inertValue(value: unknown): unknown {
  if (typeof value === 'string') return inertText(value);
  if (Array.isArray(value)) return value.map(inertValue);
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [inertText(k), inertValue(v)]));
  }
  return value;
}

const NAME_KEY_SETTING = 'audit_name_hmac_key';

export class AuditLog {
  private readonly store: Store;
  private readonly keys: SettingKeys;

  constructor(store: Store) {
    this.store = store;
    this.keys = new SettingKeys(store.settings);
  }

  async record(input: AuditInput): Promise<void> {
    const { at, actor, action, target, ip, detail, ...rest } = input;
    await this.store.audit.append({
      id: randomUUID(), at: at ?? new Date().toISOString(), ...rest,
      actor: inertText(actor), action: inertText(action),
      ...(target === undefined ? {} : { target: inertText(target) }),
      ...(ip === undefined ? {} : { ip: inertText(ip) }),
      ...(detail === undefined ? {} : { detail: inertValue(detail) }),
    });
  }

  /**
   * What the log says for a username nobody has (a failed sign-in): people type passwords into the
   * username field. The same name gives the same marker, so repeated guesses can still be told apart;
   * the hash is keyed (a key in the store's settings), so a short password cannot be looked up in a
   * table of hashes by whoever reads the log.
   */
  async unknownUser(username: string): Promise<string> {
    const mac = createHmac('sha256', await this.keys.key(NAME_KEY_SETTING)).update(usernameKey(username)).digest('hex');
    return `unknown user (hmac-sha256:${mac.slice(0, 8)})`;
  }

  list(limit: number, before?: string, beforeId?: string): Promise<AuditRecord[]> {
    return this.store.audit.list({ limit, ...(before ? { before } : {}), ...(before && beforeId ? { beforeId } : {}) });
  }
}
