// One ingest commit on MongoDB, without transactions (a standalone server and FerretDB have none):
// 1. The signals are inserted unordered; the duplicate-key errors say which were new (no query
//    before: on FerretDB a lookup of many ids reads the whole collection). Each carries `storedAt`.
// 2. The engine decides from the new ones.
// 3. One bulk write per collection, every write idempotent by id: timeline removals, then appends
//    (the first write of an entry wins), then incidents, then the cursors with, last, the mark
//    "applied up to this storedAt".
// A crash anywhere before the mark leaves signals newer than it: `unappliedSignals` gives them back,
// and the engine, restored, re-derives their services from their signals, removals allowed — what a
// half-written commit left is then corrected, what it did not write is written. A crash after the
// mark left nothing unwritten.
import type { AnyBulkWriteOperation, Collection, Filter, WithoutId } from 'mongodb';
import type { Decision } from '../../domain/decisions.ts';
import type { Signal } from '../../domain/signal.ts';
import type { CommitBatch, CommitResult, CursorUpdate } from '../types.ts';
import type { Collections } from './collections.ts';
import { insertNew } from './collections.ts';
import { projectCommit } from './alerts.ts';
import type { CursorDoc, IncidentAliasDoc, IncidentDoc, TimelineDoc } from './documents.ts';
import { docToSignal, entryToDoc, incidentToDoc, signalToDoc } from './documents.ts';

export type CommitStep = 'signals' | 'timeline' | 'incidents' | 'cursors';

/** Where the "applied up to" mark lives: a cursor of its own. */
const APPLIED: Pick<CursorUpdate, 'source' | 'host'> = { source: 'vigil', host: 'ingest-applied' };

export function cursorId(source: string, host: string): string {
  return JSON.stringify([source, host]);
}

/** The mark: signals stored after it (`storedAt`) may lack the decisions they cause. */
export class AppliedMark {
  private lastMs = 0;
  /** The newest `storedAt` handed back by `unappliedSignals`: the next commit marks it applied. */
  pending: string | undefined;

  /** A `storedAt` later than every one this process gave before (the clock may stand still or step back). */
  next(): string {
    this.lastMs = Math.max(Date.now(), this.lastMs + 1);
    return new Date(this.lastMs).toISOString();
  }
}

async function writeDecisions(c: Collections, decisions: readonly Decision[], now: string, fault: (step: CommitStep) => void): Promise<void> {
  const removals: AnyBulkWriteOperation<TimelineDoc>[] = [];
  const entries: TimelineDoc[] = [];
  const removedIncidents: string[] = [];
  const aliases: IncidentAliasDoc[] = [];
  const unaliased: string[] = [];
  const incidents: IncidentDoc[] = [];
  for (const d of decisions) {
    switch (d.type) {
      case 'timeline:remove': removals.push({ deleteOne: { filter: { _id: d.entryId } } }); break;
      case 'incident:remove':
        removals.push({ deleteMany: { filter: { incidentId: d.incidentId } } });
        removedIncidents.push(d.incidentId);
        if (d.replacedBy !== undefined) aliases.push({ _id: d.incidentId, successor: d.replacedBy, recordedAt: now });
        else unaliased.push(d.incidentId);
        break;
      case 'incident:upsert': incidents.push({ ...incidentToDoc(d.incident), recordedAt: now }); break;
      case 'timeline:append': entries.push({ ...entryToDoc(d.entry), recordedAt: now }); break;
    }
  }
  if (removals.length > 0) await c.timeline.bulkWrite(removals, { ordered: true });
  // An append never changes an entry that is there: the first write of an id wins, as in SQLite.
  if (entries.length > 0) await insertNew(() => c.timeline.insertMany(entries, { ordered: false }));
  fault('timeline');
  // Where a removed incident went, before it goes: a crash in between re-derives the same removal.
  await replaceEach(c.incidentAliases, aliases);
  if (unaliased.length > 0) await c.incidentAliases.deleteMany({ _id: { $in: unaliased } });
  if (removedIncidents.length > 0) await c.incidents.bulkWrite(removedIncidents.map((id) => ({ deleteOne: { filter: { _id: id } } })), { ordered: true });
  await replaceEach(c.incidents, incidents);
  fault('incidents');
}

/**
 * Upserts one request per document, in order. A bulk of several upserts made FerretDB 1.24 on
 * PostgreSQL hang (reproduced with the ingest bench); FerretDB runs a bulk's writes one by one
 * anyway, and a commit upserts only a few incidents (one per incident, however many signals).
 */
async function replaceEach<T extends { _id: string }>(collection: Collection<T>, docs: readonly T[]): Promise<void> {
  for (const doc of docs) await collection.replaceOne({ _id: doc._id } as Filter<T>, doc as WithoutId<T>, { upsert: true });
}

/** Deletes what a commit inserted before it gave up (the engine threw): the batch leaves nothing. */
async function forget(c: Collections, ids: readonly string[]): Promise<void> {
  if (ids.length > 0) await c.signals.bulkWrite(ids.map((id) => ({ deleteOne: { filter: { _id: id } } })), { ordered: false });
}

/**
 * A leader that lost its lease while the batch's signals went in: they go to the forwarded queue
 * (the current leader applies them) and out of `signals` again, before the refusal is passed on.
 */
async function handOver(c: Collections, fresh: readonly Signal[], now: string): Promise<void> {
  if (fresh.length === 0) return;
  await insertNew(() => c.forwarded.insertMany(fresh.map((s) => signalToDoc(s, s.receivedAt ?? now)), { ordered: false }));
  await forget(c, fresh.map((s) => s.id));
}

export async function commitBatch(c: Collections, batch: CommitBatch, mark: AppliedMark, fault: (step: CommitStep) => void): Promise<CommitResult> {
  await batch.fence?.();
  const now = new Date().toISOString();
  const fresh: Signal[] = [];
  let storedAt: string | undefined;
  if (batch.signals.length > 0) {
    storedAt = mark.next();
    const stored = batch.signals.map((s) => (s.receivedAt === undefined ? { ...s, receivedAt: now } : s));
    const docs = stored.map((s) => ({ ...signalToDoc(s, s.receivedAt ?? now), storedAt }));
    const there = await insertNew(() => c.signals.insertMany(docs, { ordered: false }));
    stored.forEach((s, i) => { if (!there.has(i)) fresh.push(s); });
  }
  fault('signals');
  let decisions: Decision[];
  try {
    decisions = batch.decide(fresh);
  } catch (err) {
    await forget(c, fresh.map((s) => s.id));
    throw err;
  }
  if (batch.fence) {
    try {
      await batch.fence();
    } catch (err) {
      await handOver(c, fresh, now);
      throw err;
    }
  }
  await writeDecisions(c, decisions, now, fault);
  // Before the mark: a crash here leaves the signals unapplied, and their restore re-appends the entries that carry them.
  await projectCommit(c, fresh, decisions);
  const cursors: CursorDoc[] = (batch.cursors ?? []).map((u) => ({ _id: cursorId(u.source, u.host), source: u.source, host: u.host, value: u.value }));
  const applied = [fresh.length > 0 ? storedAt : undefined, mark.pending].filter((x): x is string => x !== undefined).sort().at(-1);
  // Last, after the cursors: everything before it is written.
  if (applied !== undefined) cursors.push({ _id: cursorId(APPLIED.source, APPLIED.host), ...APPLIED, value: applied });
  await replaceEach(c.cursors, cursors);
  if (applied !== undefined && applied === mark.pending) mark.pending = undefined;
  fault('cursors');
  return { fresh, decisions };
}

/** Signals stored after the applied mark, oldest first; the next commit moves the mark past them. */
export async function unappliedSignals(c: Collections, mark: AppliedMark): Promise<Signal[]> {
  const applied = await c.cursors.findOne({ _id: cursorId(APPLIED.source, APPLIED.host) });
  const docs = await c.signals.find({ storedAt: { $gt: applied?.value ?? '' } }).sort({ storedAt: 1, _id: 1 }).toArray();
  const newest = docs.at(-1)?.storedAt;
  if (newest !== undefined && (mark.pending === undefined || newest > mark.pending)) mark.pending = newest;
  return docs.map(docToSignal);
}
