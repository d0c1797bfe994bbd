import { z } from 'zod';
import { candidateIdSchema, voteIdSchema, voterIdSchema } from './ids.js';
import { nextCursorSchema, pageCursorSchema } from './pages.js';
import { riskClusterSchema, riskReasonSchema, riskRuleIdSchema } from './risk.js';
import { clientIpSchema, deviceFingerprintSchema, deviceIdSchema } from './vote-context.js';

/**
 * Review: what hosts list of the votes risk control held, and what they do about them (approve,
 * void) as background actions. Void by rule's conditions (voidRuleSchema) are in risk.ts.
 */

export const REVIEW_STATES = ['held', 'approved', 'voided'] as const;
export type ReviewState = (typeof REVIEW_STATES)[number];

const isoDate = z.iso.datetime({ offset: true });

/** A vote as the review queue shows it. */
export const heldVoteSchema = z.object({
  voteId: voteIdSchema,
  candidateId: candidateIdSchema,
  action: z.string(),
  voterId: voterIdSchema.optional(),
  acceptedAt: isoDate,
  /** `held`: never counted; `counted`: counted, then held when its cluster was found. */
  counted: z.boolean(),
  ip: clientIpSchema.optional(),
  deviceId: deviceIdSchema.optional(),
  fingerprint: deviceFingerprintSchema.optional(),
  score: z.number(),
  reasons: z.array(riskReasonSchema),
  clusters: z.array(z.string()),
});
export type HeldVote = z.infer<typeof heldVoteSchema>;

export const heldGroupSchema = z.object({
  /** A rule id (grouped by reason) or a cluster (grouped by cluster). */
  key: z.string(),
  /** The group in one sentence. */
  label: z.string(),
  votes: z.number().int(),
  voters: z.number().int(),
  candidates: z.array(z.object({ candidateId: candidateIdSchema, votes: z.number().int() })),
});
export type HeldGroup = z.infer<typeof heldGroupSchema>;

/** `limit` and `cursor` page the votes (newest first); `groupBy` answers groups instead. */
export const heldQuerySchema = z.strictObject({
  groupBy: z.enum(['reason', 'cluster']).optional(),
  reason: riskRuleIdSchema.optional(),
  cluster: riskClusterSchema.optional(),
  limit: z.coerce.number().int().min(1).max(500).optional(),
  cursor: pageCursorSchema.optional(),
});

export const heldListSchema = z.object({
  /** How many votes are held (of the rule or cluster asked for). */
  held: z.number().int(),
  groups: z.array(heldGroupSchema).optional(),
  /**
   * True when more votes are held than grouping reads (the oldest 20,000): the groups count
   * those, and `held` counts all.
   */
  partial: z.boolean().optional(),
  votes: z.array(heldVoteSchema).optional(),
  nextCursor: nextCursorSchema.optional(),
});

/** Which votes a review action takes: listed ids, or every held vote with a reason or cluster. */
export const reviewSelectionSchema = z.union([
  z.strictObject({ voteIds: z.array(voteIdSchema).min(1).max(5_000) }),
  z.strictObject({ reason: riskRuleIdSchema }),
  z.strictObject({ cluster: riskClusterSchema }),
]);

export const reviewBodySchema = z.strictObject({
  decision: z.enum(['approve', 'void']),
  select: reviewSelectionSchema,
  note: z.string().trim().max(500).optional(),
});
export type ReviewBody = z.infer<typeof reviewBodySchema>;

export const REVIEW_JOB_STATES = ['queued', 'running', 'done', 'failed'] as const;

/** A review action running in the background, with its progress. */
export const reviewActionSchema = z.object({
  id: z.string(),
  kind: z.enum(['approve', 'void', 'void-by-rule', 'hold-cluster']),
  state: z.enum(REVIEW_JOB_STATES),
  /** Votes the selection matched so far. */
  matched: z.number().int(),
  /** Votes this action changed (a re-run changes none). */
  changed: z.number().int(),
  /** Votes that needed nothing: already in the wanted state. */
  unchanged: z.number().int(),
  progress: z.number().min(0).max(1),
  error: z.string().optional(),
  requestedBy: z.string(),
  requestedAt: isoDate,
  finishedAt: isoDate.optional(),
});
export type ReviewAction = z.infer<typeof reviewActionSchema>;
