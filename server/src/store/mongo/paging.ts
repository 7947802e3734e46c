// Keyset paging on MongoDB: every ordered read sorts by one field and then `_id`, and the next page
// starts strictly beyond the last (field, _id) handed out, so equal times never skip or repeat.
import type { Collection, Filter, WithId } from 'mongodb';
import { pageLimit } from '../records.ts';
import type { WritePosition, Written } from '../types.ts';

/** Strictly after (`$gt`) or before (`$lt`) the position (`value`, `id`) in the order (`field`, `_id`). */
export function beyond<D>(field: keyof D & string, value: string, id: string, direction: '$gt' | '$lt'): Filter<D> {
  const filter = { $or: [{ [field]: { [direction]: value } }, { [field]: value, _id: { [direction]: id } }] };
  return filter as Filter<D>;
}

/** Write order, as the `by_write` indexes hold it. */
const WRITE_ORDER = { recordedAt: 1, _id: 1 } as const;

/** Written at or after `since` and, when paging, strictly after the last position handed out. */
export async function writtenSince<D extends { _id: string; recordedAt?: string }, T>(
  collection: Collection<D>,
  toItem: (doc: WithId<D>) => T,
  page: { since: string; limit: number; after: WritePosition | undefined },
): Promise<Array<Written<T>>> {
  const from = { recordedAt: { $gte: page.since } };
  const filter = page.after ? { $and: [from, beyond<D>('recordedAt', page.after.recordedAt, page.after.id, '$gt')] } : from;
  const docs = await collection.find(filter as Filter<D>).sort(WRITE_ORDER).limit(pageLimit(page.limit)).toArray();
  return docs.map((doc) => ({ item: toItem(doc), recordedAt: doc.recordedAt ?? page.since }));
}
