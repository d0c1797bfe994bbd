import { z } from 'zod';

/**
 * Where a page of a list left off: the sort time (epoch ms) and the id of its last item, as
 * `<ms>.<id>`. Lists are ordered by time, then by id (newest first; a queue of work, such as
 * entries waiting for review, oldest first), so a cursor names one place even when items share a
 * time, and items added meanwhile never shift a page. The id may itself contain dots (every vote
 * id does): the time ends at the first one.
 */
export const pageCursorSchema = z
  .string()
  .max(150)
  .regex(/^\d{1,15}\.[A-Za-z0-9_.-]{1,128}$/, 'is not a cursor this API gave');

/** `?limit=&cursor=` of a paged list: the first page without a cursor, then each page's `nextCursor`. */
export const pageQuerySchema = z.strictObject({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: pageCursorSchema.optional(),
});
export type PageQuery = z.infer<typeof pageQuerySchema>;

/** The cursor after an item: see pageCursorSchema. */
export const cursorAfter = (item: { at: Date; id: string }): string => `${item.at.getTime()}.${item.id}`;

/** The time and id a cursor names (the id is all after the first dot); validated by pageCursorSchema. */
export function parseCursor(cursor: string): { at: Date; id: string } {
  const dot = cursor.indexOf('.');
  return { at: new Date(Number(cursor.slice(0, dot))), id: cursor.slice(dot + 1) };
}

/** `nextCursor` of a page: null on the last one. */
export const nextCursorSchema = pageCursorSchema
  .nullable()
  .describe('Pass as `cursor` for the next page; null when this is the last.');
