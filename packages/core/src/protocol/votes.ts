import { z } from 'zod';
import { candidateIdSchema, voteIdSchema } from './ids.js';
import { dwellMsSchema, shareTokenSchema } from './vote-context.js';

/**
 * What a vote does. A `vote` board takes `vote` (+1 each). A `like` board takes `like` and
 * `unlike`, a per-voter toggle: a voter's like counts at most once.
 */
export const VOTE_ACTIONS = ['vote', 'like', 'unlike'] as const;
export const voteActionSchema = z.enum(VOTE_ACTIONS);
export type VoteAction = z.infer<typeof voteActionSchema>;

/**
 * Body of `POST /api/boards/:boardId/votes`. Unknown fields are refused, not ignored; in
 * particular the voter is never named here: it is the participant of the token.
 */
export const castVoteBodySchema = z.strictObject({
  candidateId: candidateIdSchema,
  action: voteActionSchema.default('vote'),
  /** Milliseconds from the page being shown to the tap (risk context). */
  dwellMs: dwellMsSchema.optional(),
  /** The share link that brought the voter, if any (referral attribution). */
  shareToken: shareTokenSchema.optional(),
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

/**
 * Where a participant's vote stands. `queued`: accepted, not decided yet. `counted`: it changed
 * the ranking. `unchanged`: a like that already stood, or an unlike without a like. `held`: kept
 * back for review by risk control, not counted unless approved. `rejected`: not counted, with the
 * catalogue code saying why.
 */
export const VOTE_STATUSES = ['queued', 'counted', 'unchanged', 'held', 'rejected'] as const;
export const voteStatusSchema = z.object({
  voteId: voteIdSchema,
  boardId: z.string(),
  status: z.enum(VOTE_STATUSES),
  /** For `rejected`: the catalogue code and its message. */
  reason: z.string().optional(),
  message: z.string().optional(),
  candidateId: candidateIdSchema.optional(),
  action: voteActionSchema.optional(),
  /** When it was decided, for a decided vote whose record is written. */
  decidedAt: z.iso.datetime().optional(),
});
export type VoteStatus = z.infer<typeof voteStatusSchema>;

const quotaCount = z.number().int().nonnegative();

/**
 * A participant's quotas on a board: each limit with what is used and what remains. `null`
 * limits and remainders mean no limit. The daily counts reset at `resetsAt` (the next midnight in
 * the board's timezone); the total never does.
 */
export const quotaStatusSchema = z.object({
  boardId: z.string(),
  /** The board's day the daily counts are for (YYYY-MM-DD). */
  day: z.iso.date(),
  resetsAt: z.iso.datetime(),
  limits: z.object({
    perDay: quotaCount.nullable(),
    perCandidatePerDay: quotaCount.nullable(),
    total: quotaCount.nullable(),
  }),
  used: z.object({ today: quotaCount, total: quotaCount, byCandidate: z.record(z.string(), quotaCount) }),
  /** Votes left today (the smaller of the daily and the total remainder), or null for no limit. */
  remainingToday: quotaCount.nullable(),
  /** Votes left over the campaign, or null for no limit. */
  remainingTotal: quotaCount.nullable(),
});
export type QuotaStatus = z.infer<typeof quotaStatusSchema>;

/** The most candidates one "liked by me" question may name. */
export const MY_LIKES_MAX = 100;

/**
 * `GET /api/boards/:boardId/likes/mine?candidateIds=a,b,c`: which of these candidates I like now,
 * on a like board. The ids are comma-separated, 1 to MY_LIKES_MAX of them.
 */
export const myLikesQuerySchema = z.strictObject({
  candidateIds: z
    .string()
    .transform((list) => [...new Set(list.split(','))])
    .pipe(
      z
        .array(candidateIdSchema)
        .min(1)
        .max(MY_LIKES_MAX, `at most ${MY_LIKES_MAX} candidate ids, comma-separated`),
    ),
});
export type MyLikesQuery = z.input<typeof myLikesQuerySchema>;

/** The asked candidates I like now, in the order asked; the others (unknown ones too) are not. */
export const myLikesSchema = z.object({ liked: z.array(candidateIdSchema) });
export type MyLikes = z.infer<typeof myLikesSchema>;
