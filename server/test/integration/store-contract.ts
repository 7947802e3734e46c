// The one contract every store implementation must meet. Each store's test file calls
// storeContract with a factory; the assertions are the same for MongoDB and the embedded store.
import { afterEach, describe, expect, it } from 'vitest';
import type { Incident, TimelineEntry } from '../../src/contract/index.ts';
import type { Signal } from '../../src/domain/signal.ts';
import type { Store } from '../../src/store/types.ts';
import { InvalidCursorError, StoreUnavailableError } from '../../src/store/types.ts';
import { accessContract } from './store-contract-access.ts';
import { accountsContract } from './store-contract-accounts.ts';
import { changesContract } from './store-contract-changes.ts';
import { pagingContract } from './store-contract-paging.ts';
import { syncContract } from './store-contract-sync.ts';


/** A server time strictly after every write so far: waits for the clock to move on by a millisecond. */
async function nextMillisecond(): Promise<string> {
  const start = Date.now();
  while (Date.now() <= start) await new Promise((r) => setTimeout(r, 1));
  return new Date().toISOString();
}

export interface StoreHandle {
  /** Not yet initialised. */
  store: Store;
  /** A second store over the same data (same directory / same database). Not yet initialised. */
  reopen(): Store;
}

export interface StoreTestContext {
  /** An initialised store over empty data; closed after the test. */
  open(): Promise<Store>;
  /** A second initialised store over the data of the last one opened; closed after the test. */
  reopen(): Promise<Store>;
}

export const t = (second: number, ms = 0): string => new Date(Date.UTC(2026, 10, 24, 9, 0, second, ms)).toISOString();

export function signal(id: string, at: string, overrides: Partial<Signal> = {}): Signal {
  return {
    id,
    source: 'docker',
    host: 'local',
    at,
    kind: 'container.die',
    service: 'backend',
    container: 'abc123',
    attributes: { exitCode: '137', 'com.docker.compose.service': 'backend', nested: { a: [1, 2, { b: null }] } },
    raw: { Type: 'container', Action: 'die', Actor: { ID: 'abc123', Attributes: { 'com.docker.compose.project': 'users' } }, timeNano: 1764000000123456 },
    ...overrides,
  };
}

export function incident(id: string, openedAt: string, overrides: Partial<Incident> = {}): Incident {
  return {
    id,
    title: `backend down (${id})`,
    service: 'backend',
    host: 'local',
    status: 'open',
    severity: 'critical',
    openedAt,
    lastEventAt: openedAt,
    sources: ['docker'],
    ...overrides,
  };
}

export function entry(id: string, incidentId: string, at: string, overrides: Partial<TimelineEntry> = {}): TimelineEntry {
  return {
    id,
    incidentId,
    at,
    source: 'docker',
    kind: 'container.die',
    message: 'backend died (exit 137)',
    data: { exitCode: 137, labels: { 'com.docker.compose.service': 'backend' } },
    ...overrides,
  };
}

/** `makeStore` gives a store over new, empty data; it is called once per test. */
export function storeContract(name: string, makeStore: () => StoreHandle): void {
  describe(`store contract: ${name}`, () => {
    const opened: Store[] = [];
    let last: StoreHandle | null = null;
    const ctx: StoreTestContext = {
      async open() {
        last = makeStore();
        opened.push(last.store);
        await last.store.init();
        return last.store;
      },
      async reopen() {
        if (!last) throw new Error('open() a store before reopening it');
        const again = last.reopen();
        opened.push(again);
        await again.init();
        return again;
      },
    };
    afterEach(async () => {
      await Promise.all(opened.splice(0).map((store) => store.close()));
      last = null;
    });

    it('answers ping, and refuses work once closed', async () => {
      const store = await ctx.open();
      await expect(store.ping()).resolves.toBeUndefined();
      await store.init(); // a second init is harmless
      await store.close();
      await expect(store.ping()).rejects.toThrow();
      await expect(store.signals.count()).rejects.toBeInstanceOf(StoreUnavailableError);
    });

    describe('signals', () => {
      it('stores a signal once by id and reads it back intact', async () => {
        const store = await ctx.open();
        const s = signal('sig-1', t(1));
        expect(await store.signals.insert(s)).toBe(true);
        expect(await store.signals.insert({ ...s, kind: 'container.start' })).toBe(false);
        expect(await store.signals.count()).toBe(1);
        const back = await store.signals.get('sig-1');
        expect(back).toStrictEqual({ ...s, receivedAt: expect.any(String) });
        expect(back?.receivedAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
        expect(await store.signals.get('nope')).toBeNull();
      });

      it('keeps a receivedAt the caller gives, and optional fields stay absent', async () => {
        const store = await ctx.open();
        const bare: Signal = { id: 'bare', source: 'alertmanager', host: 'am', at: t(2), kind: 'alert.firing', attributes: {}, raw: null, receivedAt: t(3) };
        expect(await store.signals.insert(bare)).toBe(true);
        expect(await store.signals.get('bare')).toStrictEqual(bare);
      });

      it('insertMany stores each id once and returns only the new signals, in input order', async () => {
        const store = await ctx.open();
        await store.signals.insert(signal('b', t(2)));
        const fresh = await store.signals.insertMany([signal('c', t(3)), signal('a', t(1)), signal('b', t(2)), signal('c', t(3)), signal('d', t(4))]);
        expect(fresh.map((s) => s.id)).toEqual(['c', 'a', 'd']);
        for (const s of fresh) expect(typeof s.receivedAt).toBe('string');
        expect(await store.signals.count()).toBe(4);
        expect(await store.signals.insertMany([])).toEqual([]);
        expect(await store.signals.insertMany([signal('a', t(1))])).toEqual([]);
      });

      it('lists in (at, id) order strictly after a position', async () => {
        const store = await ctx.open();
        await store.signals.insertMany([signal('s3', t(3)), signal('s1b', t(1)), signal('s1a', t(1)), signal('s2', t(2))]);
        const all = await store.signals.listAfter(null, 10);
        expect(all.map((s) => s.id)).toEqual(['s1a', 's1b', 's2', 's3']);
        expect((await store.signals.listAfter(null, 2)).map((s) => s.id)).toEqual(['s1a', 's1b']);
        expect((await store.signals.listAfter({ at: t(1), id: 's1a' }, 2)).map((s) => s.id)).toEqual(['s1b', 's2']);
        expect((await store.signals.listAfter({ at: t(3), id: 's3' }, 10))).toEqual([]);
      });
    });

    describe('incidents', () => {
      it('upserts by id: the second write replaces the first, cleared fields included', async () => {
        const store = await ctx.open();
        const acked = incident('i1', t(1), { status: 'acknowledged', acknowledgedAt: t(2), acknowledgedBy: 'alice', lastEventAt: t(2) });
        await store.incidents.upsert(acked);
        expect(await store.incidents.get('i1')).toStrictEqual(acked);
        const reopened = incident('i1', t(1), { lastEventAt: t(5), sources: ['docker', 'alertmanager'], severity: 'warning' });
        await store.incidents.upsert(reopened);
        expect(await store.incidents.get('i1')).toStrictEqual(reopened);
        expect(await store.incidents.get('missing')).toBeNull();
      });

      it('lists newest first and pages with cursors until nextCursor is null', async () => {
        const store = await ctx.open();
        // Two incidents share an opening time: the id breaks the tie (descending).
        const ids = ['i0', 'i1', 'i2', 'i3', 'i4', 'i5', 'i6'];
        for (const [n, id] of ids.entries()) await store.incidents.upsert(incident(id, n === 6 ? t(5) : t(n)));
        const expected = ['i6', 'i5', 'i4', 'i3', 'i2', 'i1', 'i0'];
        const seen: string[] = [];
        let cursor: string | undefined;
        let pages = 0;
        do {
          const page = await store.incidents.list({ limit: 3, ...(cursor ? { cursor } : {}) });
          seen.push(...page.items.map((i) => i.id));
          cursor = page.nextCursor ?? undefined;
          pages += 1;
          if (cursor) expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
        } while (cursor && pages < 10);
        expect(seen).toEqual(expected);
        expect(pages).toBe(3);
        // A page that ends exactly at the last item says there is no next one.
        const first = await store.incidents.list({ limit: 7 });
        expect(first.items).toHaveLength(7);
        expect(first.nextCursor).toBeNull();
      });

      it('filters by status (active = not resolved) and service, also across pages', async () => {
        const store = await ctx.open();
        await store.incidents.upsert(incident('o1', t(1)));
        await store.incidents.upsert(incident('a1', t(2), { status: 'acknowledged' }));
        await store.incidents.upsert(incident('m1', t(3), { status: 'mitigated' }));
        await store.incidents.upsert(incident('r1', t(4), { status: 'resolved', resolvedAt: t(9) }));
        await store.incidents.upsert(incident('o2', t(5), { service: 'frontend' }));
        const ids = async (query: Parameters<Store['incidents']['list']>[0]): Promise<string[]> =>
          (await store.incidents.list(query)).items.map((i) => i.id);
        expect(await ids({ limit: 10, status: 'open' })).toEqual(['o2', 'o1']);
        expect(await ids({ limit: 10, status: 'acknowledged' })).toEqual(['a1']);
        expect(await ids({ limit: 10, status: 'mitigated' })).toEqual(['m1']);
        expect(await ids({ limit: 10, status: 'resolved' })).toEqual(['r1']);
        expect(await ids({ limit: 10, status: 'active' })).toEqual(['o2', 'm1', 'a1', 'o1']);
        expect(await ids({ limit: 10, status: 'all' })).toEqual(['o2', 'r1', 'm1', 'a1', 'o1']);
        expect(await ids({ limit: 10 })).toEqual(['o2', 'r1', 'm1', 'a1', 'o1']);
        expect(await ids({ limit: 10, status: 'active', service: 'backend' })).toEqual(['m1', 'a1', 'o1']);
        const page1 = await store.incidents.list({ limit: 2, status: 'active', service: 'backend' });
        expect(page1.items.map((i) => i.id)).toEqual(['m1', 'a1']);
        const page2 = await store.incidents.list({ limit: 2, status: 'active', service: 'backend', cursor: page1.nextCursor ?? 'missing' });
        expect(page2.items.map((i) => i.id)).toEqual(['o1']);
        expect(page2.nextCursor).toBeNull();
      });

      it('rejects a cursor it did not hand out', async () => {
        const store = await ctx.open();
        await expect(store.incidents.list({ limit: 5, cursor: 'not-a-cursor' })).rejects.toBeInstanceOf(InvalidCursorError);
        const wrongShape = Buffer.from(JSON.stringify({ openedAt: t(1) })).toString('base64url');
        await expect(store.incidents.list({ limit: 5, cursor: wrongShape })).rejects.toBeInstanceOf(InvalidCursorError);
      });

      it('findActive finds the unresolved incident of a service on a host', async () => {
        const store = await ctx.open();
        await store.incidents.upsert(incident('old', t(1), { status: 'resolved', resolvedAt: t(2) }));
        expect(await store.incidents.findActive('backend', 'local')).toBeNull();
        await store.incidents.upsert(incident('other-host', t(3), { host: 'tcp://10.0.0.2:2376' }));
        await store.incidents.upsert(incident('other-service', t(3), { service: 'frontend' }));
        await store.incidents.upsert(incident('current', t(4), { status: 'mitigated', mitigatedAt: t(5) }));
        expect((await store.incidents.findActive('backend', 'local'))?.id).toBe('current');
        expect((await store.incidents.findActive('backend', 'tcp://10.0.0.2:2376'))?.id).toBe('other-host');
        expect(await store.incidents.findActive('db', 'local')).toBeNull();
      });

      it('changedSince returns incidents written at or after a server time, oldest write first', async () => {
        const store = await ctx.open();
        await store.incidents.upsert(incident('quiet', t(1), { lastEventAt: t(2) }));
        await store.incidents.upsert(incident('busy', t(1), { lastEventAt: t(8) }));
        const mark = await nextMillisecond();
        // Event times older than `mark`: what counts is when the server wrote them.
        await store.incidents.upsert(incident('new', t(6), { lastEventAt: t(6) }));
        await store.incidents.upsert(incident('quiet', t(1), { lastEventAt: t(2), status: 'acknowledged', acknowledgedAt: t(3), acknowledgedBy: 'alice' }));
        expect((await store.incidents.changedSince(mark, 10)).map((w) => w.item.id)).toEqual(['new', 'quiet']);
        expect((await store.incidents.changedSince(mark, 1)).map((w) => w.item.id)).toEqual(['new']);
        expect((await store.incidents.changedSince(mark, 10))[1]?.item).toMatchObject({ id: 'quiet', status: 'acknowledged' });
        expect(await store.incidents.changedSince(await nextMillisecond(), 10)).toEqual([]);
      });
    });

    describe('timeline', () => {
      it('appends idempotently and reads one incident in time order', async () => {
        const store = await ctx.open();
        const note = entry('e2', 'i1', t(2), { source: 'user', kind: 'note', message: 'restarting backend', actor: 'alice', data: undefined });
        expect(await store.timeline.append(entry('e3', 'i1', t(3)))).toBe(true);
        expect(await store.timeline.append(note)).toBe(true);
        expect(await store.timeline.append(entry('e1b', 'i1', t(1)))).toBe(true);
        expect(await store.timeline.append(entry('e1a', 'i1', t(1)))).toBe(true);
        expect(await store.timeline.append(entry('x1', 'i2', t(1)))).toBe(true);
        expect(await store.timeline.append(entry('e3', 'i1', t(9), { message: 'changed' }))).toBe(false);
        const entries = await store.timeline.forIncident('i1');
        expect(entries.map((e) => e.id)).toEqual(['e1a', 'e1b', 'e2', 'e3']);
        expect(entries[2]).toEqual(note);
        expect(entries[3]).toStrictEqual(entry('e3', 'i1', t(3)));
        expect(await store.timeline.forIncident('none')).toEqual([]);
      });

      it('since returns entries stored at or after a server time across incidents, oldest write first', async () => {
        const store = await ctx.open();
        await store.timeline.append(entry('a', 'i1', t(5)));
        const mark = await nextMillisecond();
        // Stored after `mark` although their events happened earlier (an alert's startsAt, a replay).
        for (const [id, incidentId, second] of [['b', 'i2', 2], ['c', 'i1', 1], ['d', 'i2', 4]] as const) {
          await store.timeline.append(entry(id, incidentId, t(second)));
          await nextMillisecond();
        }
        expect((await store.timeline.since(mark, 10)).map((w) => w.item.id)).toEqual(['b', 'c', 'd']);
        expect((await store.timeline.since(mark, 2)).map((w) => w.item.id)).toEqual(['b', 'c']);
        expect(await store.timeline.since(await nextMillisecond(), 10)).toEqual([]);
      });

      it('removes one entry, or an incident with its whole timeline', async () => {
        const store = await ctx.open();
        await store.incidents.upsert(incident('gone', t(1)));
        await store.incidents.upsert(incident('kept', t(2)));
        for (const [id, incidentId] of [['g1', 'gone'], ['g2', 'gone'], ['k1', 'kept'], ['k2', 'kept']] as const) {
          await store.timeline.append(entry(id, incidentId, t(3)));
        }
        expect(await store.timeline.remove('k1')).toBe(true);
        expect(await store.timeline.remove('k1')).toBe(false);
        expect((await store.timeline.forIncident('kept')).map((e) => e.id)).toEqual(['k2']);
        expect(await store.incidents.remove('gone')).toBe(true);
        expect(await store.incidents.remove('gone')).toBe(false);
        expect(await store.incidents.get('gone')).toBeNull();
        expect(await store.timeline.forIncident('gone')).toEqual([]);
        expect(await store.incidents.get('kept')).not.toBeNull();
      });
    });

    describe('cursors', () => {
      it('keeps one value per source and host', async () => {
        const store = await ctx.open();
        expect(await store.cursors.get('docker', 'local')).toBeNull();
        await store.cursors.set('docker', 'local', '1764000000.000000001');
        await store.cursors.set('docker', 'tcp://h2:2376', 'other');
        await store.cursors.set('docker', 'local', '1764000001.5');
        expect(await store.cursors.get('docker', 'local')).toBe('1764000001.5');
        expect(await store.cursors.get('docker', 'tcp://h2:2376')).toBe('other');
        expect(await store.cursors.get('prometheus', 'local')).toBeNull();
      });
    });

    describe('postmortems', () => {
      const save = (store: Store, expectedVersion: number, markdown: string, incidentId = 'i1') =>
        store.postmortems.save({ incidentId, markdown, author: 'alice', expectedVersion, savedAt: t(expectedVersion + 10) });

      it('saves numbered versions and refuses a stale or skipped-ahead version', async () => {
        const store = await ctx.open();
        expect(await store.postmortems.latest('i1')).toBeNull();
        expect(await store.postmortems.versions('i1')).toEqual([]);
        expect(await save(store, 0, '# v1')).toEqual({ ok: true, version: 1 });
        expect(await save(store, 0, '# stale')).toEqual({ ok: false, currentVersion: 1 });
        expect(await save(store, 1, '# v2')).toEqual({ ok: true, version: 2 });
        expect(await save(store, 5, '# ahead')).toEqual({ ok: false, currentVersion: 2 });
        expect(await save(store, 0, '# other incident', 'i2')).toEqual({ ok: true, version: 1 });
        expect(await store.postmortems.latest('i1')).toStrictEqual({ incidentId: 'i1', version: 2, markdown: '# v2', author: 'alice', savedAt: t(11) });
        expect((await store.postmortems.versions('i1')).map((v) => [v.version, v.markdown])).toEqual([[1, '# v1'], [2, '# v2']]);
      });

      it('lets exactly one of concurrent saves at the same version win', async () => {
        const store = await ctx.open();
        const firstRace = await Promise.all([save(store, 0, '# alice'), save(store, 0, '# bob')]);
        expect(firstRace.filter((r) => r.ok)).toEqual([{ ok: true, version: 1 }]);
        expect(firstRace.filter((r) => !r.ok)).toEqual([{ ok: false, currentVersion: 1 }]);
        const secondRace = await Promise.all([1, 2, 3, 4, 5].map((n) => save(store, 1, `# writer ${n}`)));
        expect(secondRace.filter((r) => r.ok)).toEqual([{ ok: true, version: 2 }]);
        expect(secondRace.filter((r) => !r.ok)).toHaveLength(4);
        const versions = await store.postmortems.versions('i1');
        expect(versions.map((v) => v.version)).toEqual([1, 2]);
      });
    });

    accessContract(ctx);
    accountsContract(ctx);
    syncContract(ctx);
    pagingContract(ctx);
    changesContract(ctx);
  });
}
