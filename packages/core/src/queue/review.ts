import { type JobsOptions, Queue } from 'bullmq';
import { z } from 'zod';
import { boardIdSchema, voteIdSchema } from '../protocol/ids.js';
import { riskClusterSchema, riskRuleIdSchema, voidRuleSchema } from '../protocol/risk.js';
import type { RedisClient } from '../redis/connection.js';
import type { KeyBuilder } from '../redis/keys.js';

/** The queue of review actions: hosts' approvals and voids, and risk control's cluster holds. */
export const REVIEW_QUEUE = 'review' as const;

const selection = z.union([
  z.object({ voteIds: z.array(voteIdSchema).min(1).max(5_000) }),
  z.object({ reason: riskRuleIdSchema }),
  z.object({ cluster: riskClusterSchema }),
]);

/**
 * A review job. Every kind is idempotent: it moves each vote it selects only from the state it
 * expects, by vote ids whose application is exactly-once, so a retry or a re-run changes nothing
 * that was done.
 */
export const reviewJobSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('approve'),
    campaignId: boardIdSchema,
    select: selection,
    by: z.string(),
    note: z.string().optional(),
  }),
  z.object({
    kind: z.literal('void'),
    campaignId: boardIdSchema,
    select: selection,
    by: z.string(),
    note: z.string().optional(),
  }),
  z.object({
    kind: z.literal('void-by-rule'),
    campaignId: boardIdSchema,
    rule: voidRuleSchema,
    by: z.string(),
  }),
  /** Holds the counted votes of a cluster risk control found, from `since` to `until` (epoch ms). */
  z.object({
    kind: z.literal('hold-cluster'),
    campaignId: boardIdSchema,
    cluster: riskClusterSchema,
    since: z.number().int(),
    until: z.number().int(),
    by: z.literal('risk'),
  }),
]);
export type ReviewJob = z.infer<typeof reviewJobSchema>;

/** What a finished review job reports (its BullMQ return value; also its progress while it runs). */
export const reviewJobResultSchema = z.object({
  matched: z.number().int(),
  changed: z.number().int(),
  unchanged: z.number().int(),
});
export type ReviewJobResult = z.infer<typeof reviewJobResultSchema>;

const REVIEW_JOB_OPTIONS = {
  attempts: 10,
  backoff: { type: 'exponential', delay: 500 },
  removeOnComplete: { age: 30 * 86_400 },
  removeOnFail: { age: 30 * 86_400 },
} as const satisfies JobsOptions;

export function createReviewQueue(
  connection: RedisClient,
  keys: KeyBuilder,
): Queue<ReviewJob, ReviewJobResult> {
  return new Queue<ReviewJob, ReviewJobResult>(REVIEW_QUEUE, {
    connection,
    prefix: keys.queuePrefix,
    defaultJobOptions: REVIEW_JOB_OPTIONS,
  });
}
