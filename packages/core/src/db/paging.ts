import type { Model } from 'mongoose';
import { cursorAfter, parseCursor } from '../protocol/pages.js';

/**
 * The order of a paged list: by a time field, then by id; `newest` first (most lists) or
 * `oldest` first (a queue of work, read in the order it came).
 */
type PageOrder = 'newest' | 'oldest';

/**
 * The filter of the page after `cursor`, in a list ordered by `{ [timeField]: ∓1, _id: ∓1 }`:
 * items past the cursor's time, or at it with an id past the cursor's.
 */
function afterCursor(
  cursor: string | undefined,
  timeField: string,
  order: PageOrder,
): Record<string, unknown> {
  if (cursor === undefined) return {};
  const { at, id } = parseCursor(cursor);
  const past = order === 'newest' ? '$lt' : '$gt';
  return { $or: [{ [timeField]: { [past]: at } }, { [timeField]: at, _id: { [past]: id } }] };
}

/** The sort that afterCursor pages through. */
const sortOf = (timeField: string, order: PageOrder): Record<string, 1 | -1> => {
  const way = order === 'newest' ? -1 : 1;
  return { [timeField]: way, _id: way };
};

/**
 * A page from `limit + 1` documents read in that order: the first `limit`, and the cursor after
 * the last of them when there was one more.
 */
function pageOf<D extends { _id: string }>(
  docs: D[],
  limit: number,
  timeOf: (doc: D) => Date,
): { items: D[]; nextCursor: string | null } {
  const items = docs.slice(0, limit);
  const last = items.at(-1);
  return {
    items,
    nextCursor: docs.length > limit && last ? cursorAfter({ at: timeOf(last), id: last._id }) : null,
  };
}

/** A page of a list ordered by `timeField`, then by id. */
export interface Page<D> {
  items: D[];
  nextCursor: string | null;
}

/** The time a document is ordered by, as a Date (lean documents hold Dates already). */
function timeOf(doc: object, field: string): Date {
  const value: unknown = Reflect.get(doc, field);
  return value instanceof Date ? value : new Date(String(value));
}

/**
 * Reads the page after `query.cursor` of the documents matching `filter`, newest first by
 * `timeField` (a Date field) then by id, or oldest first when `order` says so: `limit + 1`
 * documents read, so the cursor is given only when there is more.
 */
export async function findPage<D extends { _id: string }>(
  model: Model<D>,
  filter: Record<string, unknown>,
  timeField: string,
  query: { limit: number; cursor?: string | undefined },
  projection?: Record<string, 0 | 1>,
  order: PageOrder = 'newest',
): Promise<Page<D>> {
  const after = afterCursor(query.cursor, timeField, order);
  const filters = [filter, after].filter((f) => Object.keys(f).length > 0);
  const docs = await model
    .find(filters.length > 0 ? { $and: filters } : {}, projection)
    .sort(sortOf(timeField, order))
    .limit(query.limit + 1)
    .lean<D[]>();
  return pageOf(docs, query.limit, (doc) => timeOf(doc, timeField));
}
