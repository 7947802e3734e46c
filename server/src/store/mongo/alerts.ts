// The MongoDB store's alert history (store/alerts.ts): three small collections written by the
// ingest commit (idempotent upserts, before the "applied" mark, so a crash re-derives them), and a
// one-time backfill from the stored signals and timeline at start.
import type { Collection, Filter } from 'mongodb';
import type { Decision } from '../../domain/decision.ts';
import type { AlertFact, AlertLink, AlertPeriods, AlertQuery, AlertRecord, AlertRepository } from '../alerts.ts';
import { alertFact, alertProjection } from '../alerts.ts';
import { pageLimit } from '../records.ts';
import type { Collections, MongoHandle } from './collections.ts';
import { insertNew } from './collections.ts';
import type { AlertDoc, AlertPeriodDoc, SettingDoc, SignalDoc, TimelineDoc } from './documents.ts';
import { docToEntry, docToSignal } from './documents.ts';

const BACKFILL_SETTING = 'alert_history_backfilled_v1';
const BACKFILL_CHUNK = 500;

/**
 * Few round trips: FerretDB 1.24 runs every write one by one and a bulk of upserts made it hang
 * (commit.ts), so what is new goes in with one unordered insert per collection, and only what was
 * there already and changes (an alert seen again, a period that ends) is updated, one by one.
 */
export async function writeAlertProjection(c: Collections, facts: readonly AlertFact[], links: readonly AlertLink[]): Promise<void> {
  const alerts = new Map<string, AlertDoc>();
  const periods = new Map<string, AlertPeriodDoc>();
  for (const f of facts) {
    const known = alerts.get(f.fingerprint);
    const latest = known === undefined || f.at >= known.lastAt;
    alerts.set(f.fingerprint, {
      _id: f.fingerprint,
      alertname: f.alertname,
      ...(latest ? (f.service === undefined ? {} : { service: f.service }) : (known?.service === undefined ? {} : { service: known.service })),
      labels: f.labels,
      labelPairs: Object.entries(f.labels).map(([k, v]) => `${k}=${v}`),
      firstAt: known === undefined || f.startsAt < known.firstAt ? f.startsAt : known.firstAt,
      lastAt: latest ? f.at : known.lastAt,
    });
    const id = JSON.stringify([f.fingerprint, f.startsAt]);
    const period = periods.get(id) ?? { _id: id, fingerprint: f.fingerprint, startsAt: f.startsAt, endsAt: null };
    if (f.endsAt !== undefined) period.endsAt = f.endsAt;
    periods.set(id, period);
  }
  const alertDocs = [...alerts.values()];
  if (alertDocs.length > 0) {
    const there = await insertNew(() => c.alerts.insertMany(alertDocs, { ordered: false }));
    for (const i of there) {
      const a = alertDocs[i];
      if (a === undefined) continue;
      await c.alerts.updateOne({ _id: a._id }, {
        $set: { alertname: a.alertname, labels: a.labels, labelPairs: a.labelPairs, ...(a.service === undefined ? {} : { service: a.service }) },
        $min: { firstAt: a.firstAt },
        $max: { lastAt: a.lastAt },
      });
    }
  }
  const periodDocs = [...periods.values()];
  if (periodDocs.length > 0) {
    const there = await insertNew(() => c.alertPeriods.insertMany(periodDocs, { ordered: false }));
    // A firing signal never takes an end away; a resolve sets it whichever came first.
    for (const i of there) {
      const p = periodDocs[i];
      if (p !== undefined && p.endsAt !== null) await c.alertPeriods.updateOne({ _id: p._id }, { $set: { endsAt: p.endsAt } });
    }
  }
  if (links.length > 0) {
    const docs = links.map((l) => ({ _id: JSON.stringify([l.fingerprint, l.incidentId]), fingerprint: l.fingerprint, incidentId: l.incidentId, at: l.at }));
    await insertNew(() => c.alertIncidents.insertMany(docs, { ordered: false }));
  }
}

/** What a commit adds to the projection (see store/alerts.ts). */
export async function projectCommit(c: Collections, fresh: Parameters<typeof alertProjection>[0], decisions: readonly Decision[]): Promise<void> {
  const { facts, links } = alertProjection(fresh, decisions);
  await writeAlertProjection(c, facts, links);
}

async function inChunks<T>(cursor: AsyncIterable<T>, work: (chunk: T[]) => Promise<void>): Promise<void> {
  let chunk: T[] = [];
  for await (const doc of cursor) {
    chunk.push(doc);
    if (chunk.length >= BACKFILL_CHUNK) {
      await work(chunk);
      chunk = [];
    }
  }
  if (chunk.length > 0) await work(chunk);
}

/**
 * Alerts stored before the history existed: read once (the signals of alert kinds, the timeline
 * entries of alert sources), then a setting says it is done. Idempotent: several replicas starting
 * at once write the same documents.
 */
export async function backfillAlertHistory(c: Collections): Promise<number> {
  const settings = c.settings as Collection<SettingDoc>;
  if (await settings.findOne({ _id: BACKFILL_SETTING }) !== null) return 0;
  let facts = 0;
  await inChunks(c.signals.find({ kind: { $in: ['alert.firing', 'alert.resolved'] } } as Filter<SignalDoc>), async (docs) => {
    const found = docs.map((d) => alertFact(docToSignal(d))).filter((f): f is AlertFact => f !== null);
    facts += found.length;
    await writeAlertProjection(c, found, []);
  });
  await inChunks(c.timeline.find({ source: { $in: ['alertmanager', 'prometheus'] } } as Filter<TimelineDoc>), async (docs) => {
    const appended: Decision[] = docs.map((d) => ({ type: 'timeline:append', entry: docToEntry(d) }));
    await writeAlertProjection(c, [], alertProjection([], appended).links);
  });
  await settings.updateOne({ _id: BACKFILL_SETTING }, { $set: { value: new Date().toISOString() } }, { upsert: true });
  return facts;
}

function escapeRegex(value: string): string {
  return value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function toAlert(doc: AlertDoc): AlertRecord {
  return {
    fingerprint: doc._id, alertname: doc.alertname, ...(doc.service === undefined || doc.service === null ? {} : { service: doc.service }),
    labels: doc.labels, firstAt: doc.firstAt, lastAt: doc.lastAt,
  };
}

export class MongoAlerts implements AlertRepository {
  private readonly handle: MongoHandle;

  constructor(handle: MongoHandle) {
    this.handle = handle;
  }

  async list(q: AlertQuery): Promise<AlertRecord[]> {
    const and: Filter<AlertDoc>[] = [];
    if (q.service !== undefined) and.push({ service: q.service });
    if (q.alertname !== undefined) and.push({ alertname: q.alertname });
    if (q.labels.length > 0) and.push({ labelPairs: { $all: q.labels.map(([k, v]) => `${k}=${v}`) } });
    if (q.text !== undefined) {
      const re = { $regex: escapeRegex(q.text), $options: 'i' };
      and.push({ $or: [{ alertname: re }, { service: re }, { labelPairs: re }] });
    }
    if (q.after !== undefined) {
      and.push({ $or: [{ lastAt: { $lt: q.after.lastAt } }, { lastAt: q.after.lastAt, _id: { $lt: q.after.fingerprint } }] });
    }
    const docs = await this.handle.collections.alerts.find(and.length > 0 ? { $and: and } : {}).sort({ lastAt: -1, _id: -1 }).limit(pageLimit(q.limit)).toArray();
    return docs.map(toAlert);
  }

  async get(fingerprint: string): Promise<AlertRecord | null> {
    const doc = await this.handle.collections.alerts.findOne({ _id: fingerprint });
    return doc === null ? null : toAlert(doc);
  }

  async periods(fingerprint: string, window: { from: string; to: string }, limit: number, before?: string): Promise<AlertPeriods> {
    const c = this.handle.collections.alertPeriods;
    const overlap: Filter<AlertPeriodDoc> = {
      fingerprint, startsAt: { $lt: window.to }, $or: [{ endsAt: null }, { endsAt: { $gt: window.from } }],
    };
    const page: Filter<AlertPeriodDoc> = before === undefined ? overlap : { $and: [overlap, { startsAt: { $lt: before } }] };
    const toPeriod = (d: AlertPeriodDoc) => ({ startsAt: d.startsAt, ...(d.endsAt === null ? {} : { endsAt: d.endsAt }) });
    const items = (await c.find(page).sort({ startsAt: -1 }).limit(pageLimit(limit)).toArray()).map(toPeriod);
    const total = await c.countDocuments(overlap);
    const latest = await c.find({ fingerprint }).sort({ startsAt: -1 }).limit(1).next();
    return { items, total, ...(latest === null ? {} : { latest: toPeriod(latest) }) };
  }

  async incidents(fingerprint: string, limit: number): Promise<AlertLink[]> {
    const docs = await this.handle.collections.alertIncidents.find({ fingerprint }).sort({ at: -1, incidentId: -1 }).limit(pageLimit(limit)).toArray();
    return docs.map((d) => ({ fingerprint, incidentId: d.incidentId, at: d.at }));
  }
}
