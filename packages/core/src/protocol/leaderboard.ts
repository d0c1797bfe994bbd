import { z } from 'zod';
import { boardIdSchema, candidateIdSchema } from './ids.js';

export const leaderboardEntrySchema = z.object({
  /** 1-based rank. */
  rank: z.number().int().positive(),
  candidateId: candidateIdSchema,
  score: z.number().int().nonnegative(),
});
export type LeaderboardEntry = z.infer<typeof leaderboardEntrySchema>;

/**
 * A ranking as read at one instant. `seq` is the board's change sequence number at that
 * instant: a client that later sees `seq` jump by more than one knows it missed a change.
 */
export const leaderboardSnapshotSchema = z.object({
  boardId: boardIdSchema,
  seq: z.number().int().nonnegative(),
  entries: z.array(leaderboardEntrySchema),
});
export type LeaderboardSnapshot = z.infer<typeof leaderboardSnapshotSchema>;

export const leaderboardQuerySchema = z.strictObject({
  limit: z.coerce.number().int().min(1).max(100).default(10),
});
export type LeaderboardQuery = z.infer<typeof leaderboardQuerySchema>;
