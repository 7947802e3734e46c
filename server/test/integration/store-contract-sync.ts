// The store contract for socket.io sync pages: reading what was written since a time, page by page
// after the last position handed out, returns every record exactly once, ties on one millisecond too.
import { describe, expect, it, vi } from 'vitest';
import type { Store, WritePosition, Written } from '../../src/store/types.ts';
import type { StoreTestContext } from './store-contract.ts';
import { entry, incident, t } from './store-contract.ts';

/** Pages through a read by its last position; the ids in the order they came. */
async function pageThrough<T extends { id: string }>(read: (after: WritePosition | undefined) => Promise<Array<Written<T>>>, limit: number): Promise<string[]> {
  const ids: string[] = [];
  let after: WritePosition | undefined;
  for (let pages = 0; pages < 1_000; pages++) {
    const rows = await read(after);
    ids.push(...rows.map((r) => r.item.id));
    const last = rows.at(-1);
    if (rows.length < limit || !last) return ids;
    after = { recordedAt: last.recordedAt, id: last.item.id };
  }
  throw new Error('paging did not end');
}

/** Writes with the server clock stopped at `at`: every record written shares that millisecond. */
async function writtenAt(at: string, write: () => Promise<void>): Promise<void> {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(new Date(at));
  try {
    await write();
  } finally {
    vi.useRealTimers();
  }
}

async function fill(store: Store): Promise<{ incidents: string[]; entries: string[] }> {
  const incidents: string[] = [];
  const entries: string[] = [];
  // 23 writes in one millisecond, 9 in the next, 5 in a later one: pages of 7 end inside each tie.
  const instants = [['2030-01-01T00:00:00.000Z', 23], ['2030-01-01T00:00:00.001Z', 9], ['2030-01-01T00:00:05.000Z', 5]] as const;
  let n = 0;
  for (const [at, count] of instants) {
    await writtenAt(at, async () => {
      for (let i = 0; i < count; i++, n++) {
        // Ids not in write order, so the order within a tie is the store's (by id), not insertion's.
        const id = `${(n * 7_919 % 1_000).toString().padStart(3, '0')}-${n}`;
        await store.incidents.upsert(incident(`inc-${id}`, t(n % 60)));
        await store.timeline.append(entry(`ent-${id}`, `inc-${id}`, t(n % 60)));
        incidents.push(`inc-${id}`);
        entries.push(`ent-${id}`);
      }
    });
  }
  return { incidents, entries };
}

export function syncContract(ctx: StoreTestContext): void {
  describe('sync pages', () => {
    it('paging by (recordedAt, id) returns every incident and entry exactly once, ties on a millisecond included', async () => {
      const store = await ctx.open();
      await writtenAt('2029-12-31T23:59:59.999Z', async () => {
        await store.incidents.upsert(incident('before', t(1)));
        await store.timeline.append(entry('before', 'before', t(1)));
      });
      const written = await fill(store);
      const since = '2030-01-01T00:00:00.000Z';
      for (const limit of [1, 7, 100]) {
        const incidents = await pageThrough((after) => store.incidents.changedSince(since, limit, after), limit);
        const entries = await pageThrough((after) => store.timeline.since(since, limit, after), limit);
        expect([...incidents].sort()).toEqual([...written.incidents].sort());
        expect([...entries].sort()).toEqual([...written.entries].sort());
        expect(new Set(incidents).size).toBe(incidents.length);
        expect(new Set(entries).size).toBe(entries.length);
      }
      const page = await store.incidents.changedSince(since, 3);
      expect(page.map((w) => w.recordedAt)).toEqual([since, since, since]);
      expect(page.map((w) => w.item.id)).toEqual([...page.map((w) => w.item.id)].sort());
    });

    it('a position past everything gives nothing; one inside a tie gives the rest of it', async () => {
      const store = await ctx.open();
      const written = await fill(store);
      const since = '2030-01-01T00:00:00.000Z';
      expect(await store.timeline.since(since, 10, { recordedAt: '2030-01-01T00:00:05.000Z', id: '\uffff' })).toEqual([]);
      const firstTie = [...written.incidents.slice(0, 23)].sort();
      const rest = await store.incidents.changedSince(since, 100, { recordedAt: since, id: firstTie[10] ?? '' });
      expect(rest.map((w) => w.item.id)).toEqual([...firstTie.slice(11), ...[...written.incidents.slice(23, 32)].sort(), ...[...written.incidents.slice(32)].sort()]);
    });
  });
}
