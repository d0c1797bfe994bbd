import { type JobsOptions, Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import { boardIdSchema, candidateIdSchema, voteIdSchema } from '../protocol/ids.js';
import type { KeyBuilder } from '../redis/keys.js';

export const QUEUE_NAMES = {
  votes: 'votes',
} as const;
export type QueueName = (typeof QUEUE_NAMES)[keyof typeof QUEUE_NAMES];

/** Job name of an accepted vote on the votes queue. */
export const VOTE_JOB = 'vote' as const;

/**
 * An accepted vote as it travels through the queue. Validated by ingest before it is added and
 * again by the worker, since a job can have been written by an older deploy.
 */
export const voteJobSchema = z.object({
  voteId: voteIdSchema,
  boardId: boardIdSchema,
  candidateId: candidateIdSchema,
  /** When ingest accepted the vote, in epoch milliseconds. */
  acceptedAt: z.number().int().positive(),
});
export type VoteJob = z.infer<typeof voteJobSchema>;

/**
 * BullMQ job id for a vote. The vote id makes duplicate adds collapse into one job; the prefix
 * keeps an all-digit idempotency key from being read as a numeric id.
 */
export const voteJobId = (voteId: string): string => `vote-${voteId}`;

/** Options for every vote job. Retries are safe: applying is idempotent by vote id. */
export const VOTE_JOB_OPTIONS = {
  attempts: 8,
  backoff: { type: 'exponential', delay: 200 },
  removeOnComplete: { age: 3_600, count: 50_000 },
  removeOnFail: { age: 7 * 86_400 },
} as const satisfies JobsOptions;

/** The producer side of the votes queue. Give it a `producer` connection (fails fast). */
export function createVoteQueue(connection: Redis, keys: KeyBuilder): Queue<VoteJob> {
  return new Queue<VoteJob>(QUEUE_NAMES.votes, {
    connection,
    prefix: keys.queuePrefix,
    defaultJobOptions: VOTE_JOB_OPTIONS,
  });
}
