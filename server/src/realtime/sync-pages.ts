// One page of a `sync` answer: what the store wrote at or after `since`, incidents first, then
// timeline entries, in write order (recordedAt, id), cut at a byte budget. The cursor names the
// last record handed out, so rows sharing a millisecond are never skipped or repeated.
import { z } from 'zod';
import type { Incident, TimelineEntry } from '../contract/index.ts';
import type { Store, WritePosition, Written } from '../store/types.ts';

/** The JSON of one page's records stays under this (a single larger record still goes, alone). */
export const SYNC_PAGE_BYTES = 512 * 1024;
/** Rows read from the store per round trip while a page fills: bounds what one sync holds in memory. */
const ROWS_PER_READ = 100;

type Phase = 'incidents' | 'entries';

export interface SyncCursor {
  phase: Phase;
  after?: WritePosition;
}

export interface SyncPage {
  incidents: Incident[];
  entries: TimelineEntry[];
  next?: SyncCursor;
}

const cursorSchema = z.object({
  phase: z.enum(['incidents', 'entries']),
  after: z.object({ recordedAt: z.string().max(64), id: z.string().max(512) }).strict().optional(),
}).strict();

export function encodeSyncCursor(cursor: SyncCursor): string {
  return Buffer.from(JSON.stringify(cursor)).toString('base64url');
}

/** null when the text is not a cursor this server hands out. */
export function decodeSyncCursor(text: string): SyncCursor | null {
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  } catch {
    return null;
  }
  const parsed = cursorSchema.safeParse(json);
  if (!parsed.success) return null;
  return { phase: parsed.data.phase, ...(parsed.data.after ? { after: parsed.data.after } : {}) };
}

export async function readSyncPage(store: Store, since: string, from: SyncCursor | null, pageBytes = SYNC_PAGE_BYTES): Promise<SyncPage> {
  const page: SyncPage = { incidents: [], entries: [] };
  const budget = { bytes: pageBytes, spent: 0 };
  if ((from?.phase ?? 'incidents') === 'incidents') {
    const stop = await fill((after) => store.incidents.changedSince(since, ROWS_PER_READ, after), from?.after, page.incidents, budget);
    if (stop.more) {
      page.next = { phase: 'incidents', ...(stop.after ? { after: stop.after } : {}) };
      return page;
    }
  }
  const start = from?.phase === 'entries' ? from.after : undefined;
  const stop = await fill((after) => store.timeline.since(since, ROWS_PER_READ, after), start, page.entries, budget);
  if (stop.more) page.next = { phase: 'entries', ...(stop.after ? { after: stop.after } : {}) };
  return page;
}

/**
 * Moves rows into `out` until the store has no more, or the next row would overspend the budget;
 * then `more` is true and `after` is where the next page goes on from.
 */
async function fill<T extends { id: string }>(
  read: (after: WritePosition | undefined) => Promise<Array<Written<T>>>,
  start: WritePosition | undefined,
  out: T[],
  budget: { bytes: number; spent: number },
): Promise<{ more: boolean; after?: WritePosition }> {
  let after = start;
  for (;;) {
    const rows = await read(after);
    for (const row of rows) {
      const size = Buffer.byteLength(JSON.stringify(row.item));
      if (budget.spent > 0 && budget.spent + size > budget.bytes) return { more: true, ...(after ? { after } : {}) };
      budget.spent += size;
      out.push(row.item);
      after = { recordedAt: row.recordedAt, id: row.item.id };
    }
    if (rows.length < ROWS_PER_READ) return { more: false };
  }
}
