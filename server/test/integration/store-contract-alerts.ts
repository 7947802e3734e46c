// The store contract for the alert history (store/alerts.ts): what commits project, idempotent for
// re-sent signals and re-derived timelines, independent of the order firing and resolved arrive,
// the filters and pages GET /api/alerts uses, and the backfill from alert signals stored before.
import { afterEach, describe, expect, it } from 'vitest';
import type { Decision } from '../../src/domain/decision.ts';
import type { Signal } from '../../src/domain/signal.ts';
import { alertToSignal, type AlertmanagerAlert } from '../../src/sources/alertmanager/normalize.ts';
import type { Store } from '../../src/store/types.ts';
import { entry } from './store-contract.ts';

export interface AlertStoreHandle {
  /** Not yet initialised. */
  store: Store;
  /** A second store over the same data. Not yet initialised. */
  reopen(): Store;
  /** Throws the projection away (with the store closed) so that the next open builds it from the stored signals. */
  forgetHistory(): Promise<void>;
}

const FOREVER = { from: '2000-01-01T00:00:00.000Z', to: '2100-01-01T00:00:00.000Z' };

function alert(name: string, labels: Record<string, string>, startsAt: string, endsAt?: string): AlertmanagerAlert {
  const fingerprint = `fp-${name}-${Object.values(labels).join('-')}`;
  return {
    status: endsAt === undefined ? 'firing' : 'resolved', labels: { alertname: name, ...labels }, annotations: {},
    startsAt, endsAt: endsAt ?? '0001-01-01T00:00:00Z', generatorURL: '', fingerprint,
  };
}

const sig = (a: AlertmanagerAlert): Signal => alertToSignal(a, 'am:9093', undefined, { receiver: 'vigil' });

/** A commit of these signals whose timeline puts each on `incidentId` (as the engine's entries do). */
async function commit(store: Store, signals: Signal[], incidentId = 'inc-1'): Promise<Signal[]> {
  const { fresh } = await store.commit({
    signals,
    decide: (news) => news.map((s): Decision => ({ type: 'timeline:append', entry: entry(`ent-${s.id}`, incidentId, s.at, { source: 'alertmanager', kind: s.kind, data: { signals: [s] } }) })),
  });
  return fresh;
}

const h = (hour: number, minute = 0) => new Date(Date.UTC(2026, 11, 1, hour, minute)).toISOString();

export function alertsContract(name: string, makeStore: () => AlertStoreHandle): void {
  describe(`alert history contract: ${name}`, () => {
    const opened: Store[] = [];
    let last: AlertStoreHandle | null = null;
    const open = async () => {
      last = makeStore();
      opened.push(last.store);
      await last.store.init();
      return last.store;
    };
    afterEach(async () => {
      await Promise.all(opened.splice(0).map((s) => s.close()));
      last = null;
    });

    const backendDown = alert('BackendDown', { service: 'backend', instance: 'b1' }, h(1));
    const backendDownEnd = alert('BackendDown', { service: 'backend', instance: 'b1' }, h(1), h(1, 30));
    const backendDown2 = alert('BackendDown', { service: 'backend', instance: 'b1' }, h(3));
    const diskFull = alert('DiskFull', { service: 'db', instance: 'd1', severity: 'warning' }, h(2));

    it('one record per alert, its periods newest first, the incidents it was on; re-sending changes nothing', async () => {
      const store = await open();
      await commit(store, [sig(backendDown), sig(diskFull)]);
      await commit(store, [sig(backendDownEnd)]);
      await commit(store, [sig(backendDown2)], 'inc-2');
      const all = await store.alerts.list({ labels: [], limit: 10 });
      expect(all.map((a) => a.alertname)).toEqual(['BackendDown', 'DiskFull']);
      expect(all[0]).toMatchObject({ fingerprint: backendDown.fingerprint, service: 'backend', labels: backendDown.labels, firstAt: h(1), lastAt: h(3) });
      const periods = await store.alerts.periods(backendDown.fingerprint, FOREVER, 10);
      expect(periods).toEqual({ items: [{ startsAt: h(3) }, { startsAt: h(1), endsAt: h(1, 30) }], total: 2, latest: { startsAt: h(3) } });
      expect((await store.alerts.incidents(backendDown.fingerprint, 10)).map((l) => l.incidentId)).toEqual(['inc-2', 'inc-1']);

      // The same signals again (a retry, an HA twin), and the same entries re-derived: nothing new.
      expect(await commit(store, [sig(backendDown), sig(backendDownEnd), sig(backendDown2), sig(diskFull)])).toEqual([]);
      await store.commit({ signals: [], decide: () => [{ type: 'timeline:append', entry: entry('ent-again', 'inc-1', h(1), { source: 'alertmanager', data: { signals: [sig(backendDown)] } }) }] });
      expect(await store.alerts.periods(backendDown.fingerprint, FOREVER, 10)).toEqual(periods);
      expect((await store.alerts.list({ labels: [], limit: 10 })).length).toBe(2);
      expect((await store.alerts.incidents(backendDown.fingerprint, 10)).length).toBe(2);
    });

    it('an HA twin (the same alert from another Alertmanager, another host) in the same commit is one signal', async () => {
      const store = await open();
      const twin = { ...sig(backendDown), host: 'am-2:9093' };
      expect(twin.id).toBe(sig(backendDown).id);
      expect((await commit(store, [sig(backendDown), twin])).map((s) => s.host)).toEqual(['am:9093']);
      expect(await commit(store, [twin])).toEqual([]);
      expect((await store.alerts.periods(backendDown.fingerprint, FOREVER, 10)).total).toBe(1);
    });

    it('a resolve stored before its firing keeps its end; a period is not ended by a later firing', async () => {
      const store = await open();
      await commit(store, [sig(backendDownEnd)]);
      await commit(store, [sig(backendDown)]);
      expect((await store.alerts.periods(backendDown.fingerprint, FOREVER, 10)).items).toEqual([{ startsAt: h(1), endsAt: h(1, 30) }]);
      // Go trims trailing zeros ("…:00Z"); the Prometheus path writes milliseconds: one period.
      await commit(store, [sig({ ...backendDown, startsAt: h(1).replace('.000Z', 'Z') })]);
      expect((await store.alerts.periods(backendDown.fingerprint, FOREVER, 10)).total).toBe(1);
    });

    it('filters by service, alert name, label pairs (all of them) and text; pages without repeats', async () => {
      const store = await open();
      const many = Array.from({ length: 7 }, (_, i) => alert('HighLatency', { service: 'api', instance: `i${i}`, zone: i % 2 === 0 ? 'eu' : 'us' }, h(4, i)));
      await commit(store, [sig(backendDown), sig(diskFull), ...many.map(sig)]);
      const names = async (q: Partial<Parameters<Store['alerts']['list']>[0]>) =>
        (await store.alerts.list({ labels: [], limit: 50, ...q })).map((a) => a.labels['instance'] ?? a.alertname);
      expect(await names({ service: 'db' })).toEqual(['d1']);
      expect(await names({ alertname: 'BackendDown' })).toEqual(['b1']);
      expect(await names({ labels: [['zone', 'eu']] })).toEqual(['i6', 'i4', 'i2', 'i0']);
      expect(await names({ labels: [['zone', 'eu'], ['instance', 'i4']] })).toEqual(['i4']);
      expect(await names({ labels: [['zone', 'mars']] })).toEqual([]);
      expect(await names({ text: 'WARN' })).toEqual(['d1']);
      expect(await names({ text: '%' })).toEqual([]);
      expect(await names({ service: 'api', alertname: 'BackendDown' })).toEqual([]);

      const seen: string[] = [];
      let after: { lastAt: string; fingerprint: string } | undefined;
      for (let page = 0; page < 10; page++) {
        const rows = await store.alerts.list({ labels: [], limit: 4, ...(after ? { after } : {}) });
        seen.push(...rows.map((r) => r.fingerprint));
        const tail = rows.at(-1);
        if (rows.length < 4 || tail === undefined) break;
        after = { lastAt: tail.lastAt, fingerprint: tail.fingerprint };
      }
      expect(seen.length).toBe(9);
      expect(new Set(seen).size).toBe(9);
    });

    it('periods in a window: overlapping ones, the count of all of them, and pages by startsAt', async () => {
      const store = await open();
      const base = { service: 'web', instance: 'w1' };
      const flaps = Array.from({ length: 6 }, (_, i) => [alert('Flap', base, h(i + 1)), alert('Flap', base, h(i + 1), h(i + 1, 10))]).flat();
      await commit(store, flaps.map(sig));
      const fp = flaps[0]?.fingerprint ?? '';
      const window = { from: h(2, 5), to: h(5) };
      const first = await store.alerts.periods(fp, window, 2);
      // 02:00–02:10 overlaps the start; 05:00 starts at the window's end and does not count.
      expect(first.total).toBe(3);
      expect(first.items.map((p) => p.startsAt)).toEqual([h(4), h(3)]);
      const next = await store.alerts.periods(fp, window, 2, first.items.at(-1)?.startsAt);
      expect(next.items.map((p) => p.startsAt)).toEqual([h(2)]);
      expect(first.latest).toEqual({ startsAt: h(6), endsAt: h(6, 10) });
      expect(await store.alerts.get(fp)).toMatchObject({ alertname: 'Flap', firstAt: h(1), lastAt: h(6, 10) });
      expect(await store.alerts.get('nope')).toBeNull();
      expect(await store.alerts.periods('nope', FOREVER, 5)).toEqual({ items: [], total: 0 });
    });

    it('alerts stored before the history existed are found after the next start', async () => {
      const store = await open();
      await commit(store, [sig(backendDown), sig(diskFull)]);
      await commit(store, [sig(backendDownEnd)]);
      const handle = last;
      if (handle === null) throw new Error('no store');
      await store.close();
      await handle.forgetHistory();
      const again = handle.reopen();
      opened.push(again);
      await again.init();
      // BackendDown was last seen resolving at 01:30, DiskFull firing at 02:00.
      expect((await again.alerts.list({ labels: [], limit: 10 })).map((a) => a.alertname)).toEqual(['DiskFull', 'BackendDown']);
      expect((await again.alerts.periods(backendDown.fingerprint, FOREVER, 10)).items).toEqual([{ startsAt: h(1), endsAt: h(1, 30) }]);
      expect((await again.alerts.list({ labels: [['severity', 'warning']], limit: 10 })).map((a) => a.alertname)).toEqual(['DiskFull']);
      expect((await again.alerts.incidents(diskFull.fingerprint, 10)).map((l) => l.incidentId)).toEqual(['inc-1']);
    });
  });
}
