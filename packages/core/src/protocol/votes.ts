import { z } from 'zod';
import { candidateIdSchema, voteIdSchema } from './ids.js';

/** Body of `POST /api/boards/:boardId/votes`. Unknown fields are refused, not ignored. */
export const castVoteBodySchema = z.strictObject({
  candidateId: candidateIdSchema,
});
export type CastVoteBody = z.infer<typeof castVoteBodySchema>;

/** The `202 Accepted` answer: the vote is queued, not yet counted. */
export const castVoteAcceptedSchema = z.object({
  voteId: voteIdSchema,
  status: z.literal('queued'),
});
export type CastVoteAccepted = z.infer<typeof castVoteAcceptedSchema>;
