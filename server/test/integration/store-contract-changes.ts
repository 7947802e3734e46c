// The store contract for changes: signals of one kind listed newest first with filters and paging
// (GET /api/changes), and an incident's suspected change kept and cleared like its other fields.
import { describe, expect, it } from 'vitest';
import type { SuspectedChange } from '../../src/contract/index.ts';
import { incident, signal, t, type StoreTestContext } from './store-contract.ts';

const CHANGE = 'container.change';

export function changesContract(ctx: StoreTestContext): void {
  describe('changes', () => {
    it('lists signals of one kind newest first, filtered by service, host and time, paged strictly before a position', async () => {
      const store = await ctx.open();
      await store.signals.insertMany([
        signal('c1', t(1), { kind: CHANGE }),
        signal('c2b', t(2), { kind: CHANGE }),
        signal('c2a', t(2), { kind: CHANGE }),
        signal('c3', t(3), { kind: CHANGE, service: 'billing' }),
        signal('c4', t(4), { kind: CHANGE, host: 'other' }),
        signal('d5', t(5)),
      ]);
      const ids = async (q: Partial<Parameters<typeof store.signals.listKind>[0]>) =>
        (await store.signals.listKind({ kind: CHANGE, limit: 10, ...q })).map((s) => s.id);
      expect(await ids({})).toEqual(['c4', 'c3', 'c2b', 'c2a', 'c1']);
      expect(await ids({ service: 'backend' })).toEqual(['c4', 'c2b', 'c2a', 'c1']);
      expect(await ids({ service: 'backend', host: 'local' })).toEqual(['c2b', 'c2a', 'c1']);
      expect(await ids({ from: t(2), to: t(3) })).toEqual(['c3', 'c2b', 'c2a']);
      expect(await ids({ limit: 2 })).toEqual(['c4', 'c3']);
      expect(await ids({ before: { at: t(2), id: 'c2b' } })).toEqual(['c2a', 'c1']);
      expect(await ids({ kind: 'container.die' })).toEqual(['d5']);
      const [back] = await store.signals.listKind({ kind: CHANGE, limit: 1, service: 'billing' });
      expect(back).toStrictEqual({ ...signal('c3', t(3), { kind: CHANGE, service: 'billing' }), receivedAt: expect.any(String) });
    });

    it('keeps an incident\'s suspected change, and drops it when a later write has none', async () => {
      const store = await ctx.open();
      const suspectedChange: SuspectedChange = {
        signalId: 'chg_1', at: t(1), containerId: 'abc', containerName: 'shop', oldImage: 'shop:v1', newImage: 'shop:v2',
        oldImageId: 'sha256:1', newImageId: 'sha256:2', changed: ['image', 'env FOO'], changedBy: 'alice', beforeMs: 240_000,
      };
      const linked = incident('i1', t(5), { suspectedChange });
      await store.incidents.upsert(linked);
      expect(await store.incidents.get('i1')).toStrictEqual(linked);
      expect((await store.incidents.list({ status: 'all', limit: 10 })).items[0]).toStrictEqual(linked);
      const plain = incident('i1', t(5));
      await store.incidents.upsert(plain);
      expect(await store.incidents.get('i1')).toStrictEqual(plain);
      await store.commit({ signals: [], decide: () => [{ type: 'incident:upsert', incident: linked }] });
      expect(await (await ctx.reopen()).incidents.get('i1')).toStrictEqual(linked);
    });
  });
}
