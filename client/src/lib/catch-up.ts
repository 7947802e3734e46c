// Catching up after a reconnect: asks `sync` for everything the server wrote since a time, page by
// page (the server caps each answer), until an answer says nothing more follows. A refusal that
// names a wait (busy, rate-limited, store away) is waited out and asked again; a storm of any size
// is read whole.
import type { SyncAnswer, SyncRequest, SyncResult } from '@vigil/server/contract';

export type SyncCall = (request: SyncRequest) => Promise<SyncAnswer>;

export interface CatchUpOptions {
  /** One page, in the order to apply it: its incidents, then its entries. */
  apply: (page: SyncResult) => void;
  /** True once this catch-up no longer matters (the link went down, the person signed out). */
  cancelled?: () => boolean;
  wait?: (ms: number) => Promise<void>;
  /** Refusals in a row after which it gives up. */
  maxRefusals?: number;
}

export type CatchUpOutcome =
  | { done: true; pages: number }
  | { done: false; cancelled: boolean; error: string };

const LONGEST_WAIT_MS = 30_000;

export async function catchUp(call: SyncCall, since: string, opts: CatchUpOptions): Promise<CatchUpOutcome> {
  const wait = opts.wait ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const maxRefusals = opts.maxRefusals ?? 20;
  let cursor: string | undefined;
  let pages = 0;
  let refusals = 0;
  for (;;) {
    if (opts.cancelled?.()) return { done: false, cancelled: true, error: 'cancelled' };
    let answer: SyncAnswer;
    try {
      answer = await call(cursor === undefined ? { since } : { since, cursor });
    } catch (err) {
      return { done: false, cancelled: opts.cancelled?.() ?? false, error: err instanceof Error ? err.message : String(err) };
    }
    if ('error' in answer) {
      const retryable = answer.code !== undefined && answer.code !== 'invalid_request' && answer.retryAfterMs !== undefined;
      if (!retryable || ++refusals > maxRefusals) return { done: false, cancelled: false, error: answer.error };
      await wait(Math.min(Math.max(answer.retryAfterMs ?? 0, 0), LONGEST_WAIT_MS));
      continue;
    }
    if (opts.cancelled?.()) return { done: false, cancelled: true, error: 'cancelled' };
    refusals = 0;
    pages++;
    opts.apply(answer);
    if (answer.next === undefined) return { done: true, pages };
    cursor = answer.next;
  }
}
