import { z } from 'zod';

/** The message applyVote-5.lua publishes on a board's change channel. */
export const boardChangeSchema = z.object({
  boardId: z.string(),
  candidateId: z.string(),
  score: z.number(),
  seq: z.number().int(),
  /** Instance id of the worker that applied the change. */
  origin: z.string(),
});
export type BoardChange = z.infer<typeof boardChangeSchema>;
