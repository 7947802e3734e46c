// Page cursors a client cannot forge: what a store hands out (an opaque position) is sent on as
// `<position>.<mac>`, the mac an HMAC-SHA256 over a scope and the position with a key kept in the
// store's settings (keys.ts). A cursor that was damaged, made up, or handed out for another list
// (another scope) is refused with InvalidCursorError — a 400 `invalid_cursor` at the API — before
// any query runs. Reusable for any list that pages by cursor: pick a scope of your own.
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { SettingKeys } from './keys.ts';
import { InvalidCursorError } from './types.ts';

const KEY_SETTING = 'cursor_hmac_key';

export class CursorSigner {
  private readonly keys: SettingKeys;

  constructor(keys: SettingKeys) {
    this.keys = keys;
  }

  /** `scope` names the list (and, if it matters, its filters): a cursor only opens in the scope it was made for. */
  async sign(position: string, scope: string): Promise<string> {
    return `${position}.${(await this.mac(position, scope)).toString('base64url')}`;
  }

  /** The position inside a cursor this server signed for `scope`; InvalidCursorError for anything else. */
  async open(cursor: string, scope: string): Promise<string> {
    const dot = cursor.lastIndexOf('.');
    const position = cursor.slice(0, dot);
    // Compared as text, so a mac with a stray character (which base64 decoding would skip) fails too.
    const given = Buffer.from(cursor.slice(dot + 1));
    const expected = Buffer.from((await this.mac(position, scope)).toString('base64url'));
    if (dot <= 0 || given.length !== expected.length || !timingSafeEqual(given, expected)) {
      throw new InvalidCursorError('the cursor is not one this server handed out for this list (damaged, made up, or from another query); start again without a cursor');
    }
    return position;
  }

  private async mac(position: string, scope: string): Promise<Buffer> {
    // The scope's length goes first, so no (scope, position) pair can pass for another.
    return createHmac('sha256', await this.keys.key(KEY_SETTING)).update(`${scope.length}:${scope}:${position}`).digest();
  }
}
