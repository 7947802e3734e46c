// The store contract for paging: the admin-edited config documents (per kind, versioned) and the
// outbox (idempotent enqueue, due order, an incident's pages, ack tokens, a channel's recent pages,
// cancelling escalations), and that both survive closing and reopening the store.
import { describe, expect, it } from 'vitest';
import type { PageEvent } from '../../src/contract/index.ts';
import type { ConfigKind, OutboxRecord, Store } from '../../src/store/types.ts';
import { CONFIG_LIST_LIMIT, StoreConflictError } from '../../src/store/types.ts';
import type { StoreTestContext } from './store-contract.ts';
import { t } from './store-contract.ts';

const put = (store: Store, id: string, body: Record<string, unknown>, expectedVersion: number, second = 1, kind: ConfigKind = 'channel') =>
  store.configs.put({ kind, id, body, updatedAt: t(second) }, expectedVersion);

/** A pending `incident.opened` page for one incident; a message with nesting and a dotted key, as JSON allows. */
function page(id: string, overrides: Partial<OutboxRecord> = {}): OutboxRecord {
  return {
    id,
    channelId: 'ch-slack',
    incidentIds: ['i1'],
    event: 'incident.opened',
    step: 0,
    message: { event: 'incident.opened', title: 'CRITICAL backend down', incident: { id: 'i1', labels: { 'com.docker.compose.service': 'backend' } }, evidence: ['exit 137'] },
    state: 'pending',
    attempts: 0,
    createdAt: t(1),
    nextAttemptAt: t(1),
    ...overrides,
  };
}

const ids = (records: readonly OutboxRecord[]): string[] => records.map((r) => r.id);

export function pagingContract(ctx: StoreTestContext): void {
  describe('paging config documents', () => {
    it('creates, reads, lists, counts, replaces by version and deletes, each kind apart', async () => {
      const store = await ctx.open();
      const webhook = { name: 'ops hook', type: 'webhook', config: { url: 'https://hooks.example/x', secret: { iv: 'a', data: 'b' } } };
      expect(await put(store, 'c2', webhook, 0, 2)).toEqual({ ok: true, version: 1 });
      expect(await put(store, 'c1', { name: 'slack' }, 0, 1)).toEqual({ ok: true, version: 1 });
      // The same id under another kind is another document.
      expect(await put(store, 'c1', { name: 'a policy', steps: [{ afterSeconds: 0, targets: [{ channelId: 'c1' }] }] }, 0, 3, 'policy')).toEqual({ ok: true, version: 1 });

      expect(await store.configs.get('channel', 'c2')).toStrictEqual({ kind: 'channel', id: 'c2', body: webhook, version: 1, updatedAt: t(2) });
      expect(await store.configs.get('channel', 'missing')).toBeNull();
      expect(await store.configs.get('schedule', 'c2')).toBeNull();
      expect((await store.configs.list('channel')).map((d) => d.id)).toEqual(['c1', 'c2']);
      expect((await store.configs.list('policy')).map((d) => [d.kind, d.id, d.body['name']])).toEqual([['policy', 'c1', 'a policy']]);
      expect(await store.configs.list('contact')).toEqual([]);
      expect(await store.configs.count('channel')).toBe(2);
      expect(await store.configs.count('policy')).toBe(1);
      expect(await store.configs.count('maintenance')).toBe(0);

      // Replacing: the version read is the one expected; a stale or skipped-ahead one is refused with the stored one.
      expect(await put(store, 'c1', { name: 'slack, renamed' }, 1, 5)).toEqual({ ok: true, version: 2 });
      expect(await put(store, 'c1', { name: 'stale' }, 1, 6)).toEqual({ ok: false, currentVersion: 2 });
      expect(await put(store, 'c1', { name: 'ahead' }, 7, 6)).toEqual({ ok: false, currentVersion: 2 });
      expect(await put(store, 'c1', { name: 'create again' }, 0, 6)).toEqual({ ok: false, currentVersion: 2 });
      expect(await put(store, 'nobody', { name: 'replace what is not there' }, 1, 6)).toEqual({ ok: false, currentVersion: 0 });
      expect(await store.configs.get('channel', 'nobody')).toBeNull();
      expect(await store.configs.get('channel', 'c1')).toStrictEqual({ kind: 'channel', id: 'c1', body: { name: 'slack, renamed' }, version: 2, updatedAt: t(5) });
      // The policy with the same id was not touched, and a replace moves the document to the end (oldest first).
      expect((await store.configs.get('policy', 'c1'))?.version).toBe(1);
      expect((await store.configs.list('channel')).map((d) => d.id)).toEqual(['c2', 'c1']);

      expect(await store.configs.delete('channel', 'c1')).toBe(true);
      expect(await store.configs.delete('channel', 'c1')).toBe(false);
      expect(await store.configs.get('channel', 'c1')).toBeNull();
      expect(await store.configs.get('policy', 'c1')).not.toBeNull();
      expect(await store.configs.count('channel')).toBe(1);
      // Deleted, the id can be created again from version 0.
      expect(await put(store, 'c1', { name: 'back' }, 0, 7)).toEqual({ ok: true, version: 1 });
    });

    it('lets exactly one of concurrent writers at the same version win', async () => {
      const store = await ctx.open();
      const created = await Promise.all([1, 2, 3].map((n) => put(store, 'p1', { name: `writer ${n}` }, 0, n, 'schedule')));
      expect(created.filter((r) => r.ok)).toEqual([{ ok: true, version: 1 }]);
      expect(created.filter((r) => !r.ok)).toEqual([{ ok: false, currentVersion: 1 }, { ok: false, currentVersion: 1 }]);
      const replaced = await Promise.all([1, 2, 3, 4].map((n) => put(store, 'p1', { name: `editor ${n}` }, 1, 10 + n, 'schedule')));
      expect(replaced.filter((r) => r.ok)).toEqual([{ ok: true, version: 2 }]);
      expect(replaced.filter((r) => !r.ok)).toHaveLength(3);
      expect((await store.configs.get('schedule', 'p1'))?.version).toBe(2);
    });

    it(`lists at most ${CONFIG_LIST_LIMIT} of a kind`, async () => {
      const store = await ctx.open();
      const total = CONFIG_LIST_LIMIT + 3;
      // Written all at once, in no particular order: "oldest first" is the store's order by updatedAt.
      const written = Array.from({ length: total }, (_, n) => ({ id: `m${n.toString().padStart(5, '0')}`, updatedAt: new Date(Date.parse(t(0)) + n).toISOString() }));
      const results = await Promise.all([...written].reverse().map(({ id, updatedAt }) => store.configs.put({ kind: 'maintenance', id, body: { id }, updatedAt }, 0)));
      expect(results.filter((r) => r.ok)).toHaveLength(total);
      await put(store, 'elsewhere', {}, 0, 0, 'contact');
      expect(await store.configs.count('maintenance')).toBe(total);
      const listed = await store.configs.list('maintenance');
      expect(listed.map((d) => d.id)).toEqual(written.slice(0, CONFIG_LIST_LIMIT).map((w) => w.id));
    });
  });

  describe('paging outbox', () => {
    it('enqueues idempotently by delivery id, returning only the new records in input order', async () => {
      const store = await ctx.open();
      const a = page('d-a');
      const b = page('d-b', { userId: 'u-alice', incidentIds: ['i1', 'i2'], event: 'digest', ackTokenHash: 'hash-b', ackExpiresAt: t(50) });
      expect(await store.outbox.enqueue([b, a])).toEqual([b, a]);
      expect(await store.outbox.get('d-a')).toStrictEqual(a);
      expect(await store.outbox.get('d-b')).toStrictEqual(b);
      expect(await store.outbox.get('d-none')).toBeNull();

      // Enqueued again (a re-plan after a restart): nothing new, nothing changed.
      expect(await store.outbox.enqueue([page('d-a', { message: { changed: true }, nextAttemptAt: t(9) })])).toEqual([]);
      expect(await store.outbox.get('d-a')).toStrictEqual(a);
      const c = page('d-c', { event: 'incident.resolved' });
      delete c.step;
      expect(await store.outbox.enqueue([a, c, c, b])).toEqual([c]);
      expect(await store.outbox.get('d-c')).toStrictEqual(c);
      expect(Object.keys((await store.outbox.get('d-c')) ?? {})).not.toContain('step');
      expect(await store.outbox.enqueue([])).toEqual([]);
      expect(await store.outbox.forIncident('i1', 10)).toHaveLength(3);
    });

    it('refuses a batch carrying another page\'s ack token hash, storing none of it', async () => {
      const store = await ctx.open();
      await store.outbox.enqueue([page('d-1', { ackTokenHash: 'hash-1' }), page('d-2')]);
      // Two pages without an ack link are no clash: only a hash that is there counts.
      await expect(store.outbox.enqueue([page('d-3'), page('d-4', { ackTokenHash: 'hash-1' })])).rejects.toBeInstanceOf(StoreConflictError);
      expect(await store.outbox.get('d-3')).toBeNull();
      expect(await store.outbox.get('d-4')).toBeNull();
      expect((await store.outbox.byAckTokenHash('hash-1'))?.id).toBe('d-1');
      expect(ids(await store.outbox.enqueue([page('d-3'), page('d-4', { ackTokenHash: 'hash-4' })]))).toEqual(['d-3', 'd-4']);
    });

    it('hands out due pending records earliest first, at most a limit, and says when the next is due', async () => {
      const store = await ctx.open();
      expect(await store.outbox.nextDue()).toBeNull();
      expect(await store.outbox.due(t(59), 10)).toEqual([]);
      await store.outbox.enqueue([
        page('late', { nextAttemptAt: t(30) }),
        page('b-early', { nextAttemptAt: t(10) }),
        page('a-early', { nextAttemptAt: t(10) }),
        page('middle', { nextAttemptAt: t(20) }),
        page('sent', { nextAttemptAt: t(5), state: 'delivered', attempts: 1, deliveredAt: t(5), lastStatus: 200 }),
        page('gave-up', { nextAttemptAt: t(6), state: 'failed', attempts: 5, lastError: 'HTTP 404', lastStatus: 404 }),
        page('called-off', { nextAttemptAt: t(7), state: 'cancelled' }),
      ]);
      expect(await store.outbox.nextDue()).toBe(t(10));
      expect(await store.outbox.due(t(9, 999), 10)).toEqual([]);
      expect(ids(await store.outbox.due(t(10), 10))).toEqual(['a-early', 'b-early']);
      expect(ids(await store.outbox.due(t(25), 10))).toEqual(['a-early', 'b-early', 'middle']);
      expect(ids(await store.outbox.due(t(59), 2))).toEqual(['a-early', 'b-early']);
      expect(ids(await store.outbox.due(t(59), 10))).toEqual(['a-early', 'b-early', 'middle', 'late']);
      expect(ids(await store.outbox.due(t(59), 0))).toHaveLength(1); // a limit below 1 is 1, never "all"

      // Delivered, and retried later: the first due record is now the other one.
      expect(await store.outbox.update('a-early', { state: 'delivered', attempts: 1, deliveredAt: t(11), lastStatus: 200 })).toBe(true);
      expect(await store.outbox.update('b-early', { state: 'pending', attempts: 1, nextAttemptAt: t(40), lastError: 'HTTP 503', lastStatus: 503 })).toBe(true);
      expect(await store.outbox.nextDue()).toBe(t(20));
      expect(ids(await store.outbox.due(t(59), 10))).toEqual(['middle', 'late', 'b-early']);
    });

    it('update records an attempt\'s outcome, replacing the last one; an unknown id is false', async () => {
      const store = await ctx.open();
      const original = page('d-1', { ackTokenHash: 'hash-1', ackExpiresAt: t(50) });
      await store.outbox.enqueue([original]);
      expect(await store.outbox.update('d-1', { state: 'pending', attempts: 1, nextAttemptAt: t(3), lastError: 'HTTP 503', lastStatus: 503 })).toBe(true);
      expect(await store.outbox.get('d-1')).toStrictEqual({ ...original, attempts: 1, nextAttemptAt: t(3), lastError: 'HTTP 503', lastStatus: 503 });
      // A refused connection has no status: the last one must not linger beside the new error.
      expect(await store.outbox.update('d-1', { state: 'pending', attempts: 2, nextAttemptAt: t(7), lastError: 'connect ECONNREFUSED' })).toBe(true);
      expect(await store.outbox.get('d-1')).toStrictEqual({ ...original, attempts: 2, nextAttemptAt: t(7), lastError: 'connect ECONNREFUSED' });
      // Delivered: no error any more; the next attempt time is left as it was.
      expect(await store.outbox.update('d-1', { state: 'delivered', attempts: 3, deliveredAt: t(8), lastStatus: 200 })).toBe(true);
      expect(await store.outbox.get('d-1')).toStrictEqual({ ...original, state: 'delivered', attempts: 3, nextAttemptAt: t(7), deliveredAt: t(8), lastStatus: 200 });
      expect(await store.outbox.update('d-none', { state: 'failed', attempts: 1 })).toBe(false);
      expect(await store.outbox.get('d-none')).toBeNull();
    });

    it('forIncident finds every record naming the incident, digests too, oldest first, at most a limit', async () => {
      const store = await ctx.open();
      await store.outbox.enqueue([
        page('i1-escalated', { incidentIds: ['i1'], event: 'incident.escalated', step: 1, createdAt: t(20) }),
        page('digest', { incidentIds: ['i0', 'i1', 'i2'], event: 'digest', createdAt: t(5), ackTokenHash: 'hash-digest' }),
        page('i1-opened-b', { incidentIds: ['i1'], createdAt: t(2), channelId: 'ch-b' }),
        page('i1-opened-a', { incidentIds: ['i1'], createdAt: t(2), channelId: 'ch-a' }),
        page('i2-opened', { incidentIds: ['i2'], createdAt: t(1) }),
        page('twice', { incidentIds: ['i3', 'i3'], createdAt: t(1) }),
      ]);
      expect(ids(await store.outbox.forIncident('i1', 10))).toEqual(['i1-opened-a', 'i1-opened-b', 'digest', 'i1-escalated']);
      expect(ids(await store.outbox.forIncident('i1', 2))).toEqual(['i1-opened-a', 'i1-opened-b']);
      expect(ids(await store.outbox.forIncident('i2', 10))).toEqual(['i2-opened', 'digest']);
      expect(ids(await store.outbox.forIncident('i0', 10))).toEqual(['digest']);
      expect(ids(await store.outbox.forIncident('i3', 10))).toEqual(['twice']);
      expect(await store.outbox.forIncident('i9', 10)).toEqual([]);
      expect((await store.outbox.forIncident('i0', 10))[0]?.incidentIds).toEqual(['i0', 'i1', 'i2']);
    });

    it('byAckTokenHash finds the page an ack link belongs to', async () => {
      const store = await ctx.open();
      const acked = page('d-ack', { ackTokenHash: 'a'.repeat(64), ackExpiresAt: t(50), userId: 'u-bob' });
      await store.outbox.enqueue([page('d-plain'), acked, page('d-other', { ackTokenHash: 'b'.repeat(64) })]);
      expect(await store.outbox.byAckTokenHash('a'.repeat(64))).toStrictEqual(acked);
      expect(await store.outbox.byAckTokenHash('c'.repeat(64))).toBeNull();
      expect(await store.outbox.byAckTokenHash('')).toBeNull();
    });

    it('recentForChannel lists a channel\'s records newest first, at most a limit', async () => {
      const store = await ctx.open();
      await store.outbox.enqueue([
        page('s1', { channelId: 'ch-slack', createdAt: t(1) }),
        page('s3', { channelId: 'ch-slack', createdAt: t(3), incidentIds: ['i2'] }),
        page('s2b', { channelId: 'ch-slack', createdAt: t(2), state: 'failed', lastError: 'HTTP 404' }),
        page('s2a', { channelId: 'ch-slack', createdAt: t(2) }),
        page('m1', { channelId: 'ch-mail', createdAt: t(4) }),
      ]);
      expect(ids(await store.outbox.recentForChannel('ch-slack', 10))).toEqual(['s3', 's2b', 's2a', 's1']);
      expect(ids(await store.outbox.recentForChannel('ch-slack', 2))).toEqual(['s3', 's2b']);
      expect(ids(await store.outbox.recentForChannel('ch-mail', 10))).toEqual(['m1']);
      expect(await store.outbox.recentForChannel('ch-none', 10)).toEqual([]);
    });

    it('cancelPending cancels only pending records of that incident with one of those events', async () => {
      const store = await ctx.open();
      const escalations: PageEvent[] = ['incident.escalated'];
      await store.outbox.enqueue([
        page('step1', { event: 'incident.escalated', step: 1, nextAttemptAt: t(30) }),
        page('step2', { event: 'incident.escalated', step: 2, nextAttemptAt: t(40), channelId: 'ch-mail' }),
        page('step1-sent', { event: 'incident.escalated', step: 1, state: 'delivered', attempts: 1, deliveredAt: t(31) }),
        page('step1-failed', { event: 'incident.escalated', step: 1, state: 'failed', attempts: 5, lastError: 'HTTP 500' }),
        page('opened', { event: 'incident.opened', nextAttemptAt: t(2) }),
        page('other-incident', { event: 'incident.escalated', incidentIds: ['i2'], nextAttemptAt: t(30) }),
        page('digest', { event: 'digest', incidentIds: ['i0', 'i1'], nextAttemptAt: t(6) }),
      ]);
      expect(await store.outbox.cancelPending('i1', escalations)).toBe(2);
      const state = async (id: string) => (await store.outbox.get(id))?.state;
      expect(await state('step1')).toBe('cancelled');
      expect(await state('step2')).toBe('cancelled');
      expect(await state('step1-sent')).toBe('delivered');
      expect(await state('step1-failed')).toBe('failed');
      expect(await state('opened')).toBe('pending');
      expect(await state('other-incident')).toBe('pending');
      expect(await state('digest')).toBe('pending');
      expect(ids(await store.outbox.due(t(59), 10))).toEqual(['opened', 'digest', 'other-incident']);
      // Again: nothing left to cancel. No events: nothing at all.
      expect(await store.outbox.cancelPending('i1', escalations)).toBe(0);
      expect(await store.outbox.cancelPending('i1', [])).toBe(0);
      // Several events, and a digest naming the incident among others.
      expect(await store.outbox.cancelPending('i1', ['incident.opened', 'digest'])).toBe(2);
      expect(ids(await store.outbox.due(t(59), 10))).toEqual(['other-incident']);
    });

    it('keeps config documents and outbox records across close and reopen', async () => {
      const first = await ctx.open();
      await put(first, 'c1', { name: 'ops', config: { url: 'https://hooks.example/x' } }, 0, 1);
      const pending = page('d-pending', { incidentIds: ['i1', 'i2'], event: 'digest', ackTokenHash: 'hash-1', ackExpiresAt: t(50), nextAttemptAt: t(9) });
      await first.outbox.enqueue([pending, page('d-sent', { state: 'delivered', attempts: 1, deliveredAt: t(2), lastStatus: 200 })]);
      await first.close();

      const second = await ctx.reopen();
      expect(await second.configs.get('channel', 'c1')).toStrictEqual({ kind: 'channel', id: 'c1', body: { name: 'ops', config: { url: 'https://hooks.example/x' } }, version: 1, updatedAt: t(1) });
      expect(await put(second, 'c1', { name: 'stale' }, 0, 2)).toEqual({ ok: false, currentVersion: 1 });
      expect(await second.outbox.get('d-pending')).toStrictEqual(pending);
      expect(await second.outbox.nextDue()).toBe(t(9));
      expect(ids(await second.outbox.due(t(59), 10))).toEqual(['d-pending']);
      expect(ids(await second.outbox.forIncident('i2', 10))).toEqual(['d-pending']);
      expect((await second.outbox.byAckTokenHash('hash-1'))?.id).toBe('d-pending');
      // Still idempotent, and the ack token still unique, after reopening.
      expect(await second.outbox.enqueue([pending])).toEqual([]);
      await expect(second.outbox.enqueue([page('d-new', { ackTokenHash: 'hash-1' })])).rejects.toBeInstanceOf(StoreConflictError);
    });
  });
}
