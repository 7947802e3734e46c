// One ingest commit on MongoDB, atomic without transactions (a standalone server and FerretDB have
// none): the whole batch is first written as a redo record in `commits` (one document, or several
// parts of one commit), then applied with one bulk write per collection, all idempotent by id, then
// the record is deleted. A crash before the record is complete leaves nothing (the caller was not
// answered and retries); a crash after it is finished by `recover`, which init runs, replaying the
// record. So the store holds all of a batch or none of it, whatever instant the process dies at.
import type { AnyBulkWriteOperation } from 'mongodb';
import { MongoBulkWriteError } from 'mongodb';
import type { CommitBatch } from '../types.ts';
import type { Collections } from './collections.ts';
import type { CommitDoc, CursorDoc, IncidentDoc, SignalDoc, TimelineDoc } from './documents.ts';
import { entryToDoc, incidentToDoc, signalToDoc } from './documents.ts';

/** A redo record part stays far below MongoDB's 16 MB document limit. */
const PART_BYTES = 4 * 1024 * 1024;

export type CommitStep = 'record' | 'signals' | 'timeline' | 'incidents' | 'cursors' | 'done';

interface Ops {
  signals: SignalDoc[];
  entries: TimelineDoc[];
  removeEntries: string[];
  incidents: IncidentDoc[];
  removeIncidents: string[];
  cursors: CursorDoc[];
}

export function cursorId(source: string, host: string): string {
  return JSON.stringify([source, host]);
}

let sequence = 0;

/** Sorts in commit order within and across runs of this process. */
function commitId(): string {
  sequence = (sequence + 1) % 1_000_000;
  return `${Date.now().toString(36).padStart(10, '0')}-${sequence.toString(36).padStart(4, '0')}`;
}

function opsOf(batch: CommitBatch, now: string): Ops {
  const ops: Ops = { signals: [], entries: [], removeEntries: [], incidents: [], removeIncidents: [], cursors: [] };
  for (const s of batch.signals) ops.signals.push(signalToDoc(s, s.receivedAt ?? now));
  for (const d of batch.decisions) {
    switch (d.type) {
      case 'timeline:remove': ops.removeEntries.push(d.entryId); break;
      case 'incident:remove': ops.removeIncidents.push(d.incidentId); break;
      case 'incident:upsert': ops.incidents.push({ ...incidentToDoc(d.incident), recordedAt: now }); break;
      case 'timeline:append': ops.entries.push({ ...entryToDoc(d.entry), recordedAt: now }); break;
    }
  }
  for (const c of batch.cursors ?? []) ops.cursors.push({ _id: cursorId(c.source, c.host), source: c.source, host: c.host, value: c.value });
  return ops;
}

/** A rough size of a document: its long strings are what count. */
function weight(doc: object): number {
  let n = 256;
  for (const value of Object.values(doc)) if (typeof value === 'string') n += value.length;
  return n;
}

/** Splits the operations into parts of at most PART_BYTES each (a single huge document gets a part of its own). */
function partsOf(ops: Ops): Ops[] {
  const parts: Ops[] = [];
  let part: Ops | undefined;
  let size = 0;
  const add = <K extends keyof Ops>(key: K, item: Ops[K][number]): void => {
    const w = typeof item === 'string' ? item.length + 64 : weight(item);
    if (part === undefined || (size + w > PART_BYTES && size > 0)) {
      part = { signals: [], entries: [], removeEntries: [], incidents: [], removeIncidents: [], cursors: [] };
      parts.push(part);
      size = 0;
    }
    (part[key] as Array<Ops[K][number]>).push(item);
    size += w;
  };
  for (const key of ['signals', 'removeEntries', 'removeIncidents', 'incidents', 'entries', 'cursors'] as const) {
    for (const item of ops[key]) add(key, item);
  }
  return parts;
}

/** Inserts that may meet documents a replay already wrote: duplicates are fine, anything else is not. */
async function insertIgnoringDuplicates(insert: () => Promise<unknown>): Promise<void> {
  try {
    await insert();
  } catch (err) {
    if (!(err instanceof MongoBulkWriteError)) throw err;
    const writeErrors = Array.isArray(err.writeErrors) ? err.writeErrors : [err.writeErrors];
    if (writeErrors.length === 0 || writeErrors.some((e) => e.code !== 11000)) throw err;
  }
}

async function apply(c: Collections, ops: Ops, fault: (step: CommitStep) => void): Promise<void> {
  if (ops.signals.length > 0) await insertIgnoringDuplicates(() => c.signals.insertMany(ops.signals, { ordered: false }));
  fault('signals');
  const timeline: AnyBulkWriteOperation<TimelineDoc>[] = [
    ...ops.removeEntries.map((id) => ({ deleteOne: { filter: { _id: id } } })),
    ...ops.removeIncidents.map((id) => ({ deleteMany: { filter: { incidentId: id } } })),
    // An append never changes an entry that is there: the first write of an id wins.
    ...ops.entries.map((doc) => ({ updateOne: { filter: { _id: doc._id }, update: { $setOnInsert: doc }, upsert: true } })),
  ];
  if (timeline.length > 0) await c.timeline.bulkWrite(timeline, { ordered: true });
  fault('timeline');
  const incidents: AnyBulkWriteOperation<IncidentDoc>[] = [
    ...ops.removeIncidents.map((id) => ({ deleteOne: { filter: { _id: id } } })),
    ...ops.incidents.map((doc) => ({ replaceOne: { filter: { _id: doc._id }, replacement: doc, upsert: true } })),
  ];
  if (incidents.length > 0) await c.incidents.bulkWrite(incidents, { ordered: true });
  fault('incidents');
  if (ops.cursors.length > 0) {
    await c.cursors.bulkWrite(ops.cursors.map((doc) => ({ replaceOne: { filter: { _id: doc._id }, replacement: doc, upsert: true } })), { ordered: true });
  }
  fault('cursors');
}

export async function commitBatch(c: Collections, batch: CommitBatch, fault: (step: CommitStep) => void): Promise<void> {
  const ops = opsOf(batch, new Date().toISOString());
  const empty = Object.values(ops).every((list: unknown[]) => list.length === 0);
  if (empty) return;
  const id = commitId();
  const parts = partsOf(ops);
  const docs: CommitDoc[] = parts.map((p, i) => ({ _id: `${id}#${i}`, commit: id, part: i, parts: parts.length, ...p }));
  await c.commits.insertMany(docs, { ordered: true });
  fault('record');
  // One part applied at a time keeps each bulk write within the server's limits too.
  for (const p of parts) await apply(c, p, fault);
  await c.commits.deleteMany({ commit: id });
  fault('done');
}

/** Finishes every complete redo record left by a crash (in commit order) and drops incomplete ones. */
export async function recoverCommits(c: Collections): Promise<{ replayed: number; dropped: number }> {
  const docs = await c.commits.find({}).sort({ commit: 1, part: 1 }).toArray();
  const byCommit = new Map<string, CommitDoc[]>();
  for (const doc of docs) byCommit.set(doc.commit, [...(byCommit.get(doc.commit) ?? []), doc]);
  let replayed = 0;
  let dropped = 0;
  for (const [id, parts] of byCommit) {
    const complete = parts.length === parts[0]?.parts && parts.every((p, i) => p.part === i);
    if (complete) {
      for (const p of parts) await apply(c, p, () => undefined);
      replayed += 1;
    } else {
      dropped += 1;
    }
    await c.commits.deleteMany({ commit: id });
  }
  return { replayed, dropped };
}
