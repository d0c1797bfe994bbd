import { z } from 'zod';
import { candidateIdSchema, voteIdSchema, voterIdSchema } from './ids.js';

/**
 * What a vote does. A `vote` board takes `vote` (+1 each). A `like` board takes `like` and
 * `unlike`, a per-voter toggle: a voter's like counts at most once.
 */
export const VOTE_ACTIONS = ['vote', 'like', 'unlike'] as const;
export const voteActionSchema = z.enum(VOTE_ACTIONS);
export type VoteAction = z.infer<typeof voteActionSchema>;

/** Body of `POST /api/boards/:boardId/votes`. Unknown fields are refused, not ignored. */
export const castVoteBodySchema = z.strictObject({
  candidateId: candidateIdSchema,
  action: voteActionSchema.default('vote'),
  voterId: voterIdSchema.optional(),
});
export type CastVoteBody = z.infer<typeof castVoteBodySchema>;

/**
 * The `Idempotency-Key` header: a client's id for one intended vote. The same key on the same
 * board always names the same vote, so a retried request can never count twice.
 */
export const idempotencyKeySchema = z
  .string()
  .min(8)
  .max(128)
  .regex(/^[A-Za-z0-9_.:-]+$/, 'may contain only letters, digits and "_.:-"');

/** The `202 Accepted` answer: the vote is queued, not yet counted. */
export const castVoteAcceptedSchema = z.object({
  voteId: voteIdSchema,
  status: z.literal('queued'),
});
export type CastVoteAccepted = z.infer<typeof castVoteAcceptedSchema>;
