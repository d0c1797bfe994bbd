import { cursorAfter, parseCursor } from '@rallyboard/core/protocol';

/**
 * The filter of the page after `cursor`, in a list ordered by `{ [timeField]: -1, _id: -1 }`
 * (newest first, then by id): items older than the cursor's, or as old with a smaller id.
 */
export function afterCursor(cursor: string | undefined, timeField: string): Record<string, unknown> {
  if (cursor === undefined) return {};
  const { at, id } = parseCursor(cursor);
  return { $or: [{ [timeField]: { $lt: at } }, { [timeField]: at, _id: { $lt: id } }] };
}

/** The sort that afterCursor pages through. */
export const newestFirst = (timeField: string): Record<string, -1> => ({ [timeField]: -1, _id: -1 });

/**
 * A page from `limit + 1` documents read in that order: the first `limit`, and the cursor after
 * the last of them when there was one more.
 */
export function pageOf<D extends { _id: string }>(
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
