import { z } from 'zod';

/**
 * What applyVotes-9+.lua publishes on a board's change channel once per batch that changed
 * something, and installBoard-7+.lua after a rebuild (`reset`, no members).
 */
export const boardChangeSchema = z.object({
  boardId: z.string(),
  /** The board's seq after the change. */
  seq: z.number().int(),
  /** The members whose score changed. */
  members: z.array(z.string()).default([]),
  /** The board was rebuilt: every watcher should take a fresh snapshot. */
  reset: z.boolean().default(false),
  /** Instance id of the process that made the change. */
  origin: z.string(),
});
export type BoardChange = z.infer<typeof boardChangeSchema>;
