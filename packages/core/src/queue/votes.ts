import { type JobsOptions, Queue } from 'bullmq';
import { z } from 'zod';
import { boardIdSchema, candidateIdSchema, voteIdSchema, voterIdSchema } from '../protocol/ids.js';
import { voteContextSchema } from '../protocol/vote-context.js';
import { voteActionSchema } from '../protocol/votes.js';
import type { RedisClient } from '../redis/connection.js';
import type { KeyBuilder } from '../redis/keys.js';

export const QUEUE_NAMES = {
  votes: 'votes',
} as const;

/** Job name of a batch of accepted votes on the votes queue. */
export const VOTE_JOB = 'votes' as const;

/** The last moment a vote can be accepted at: the end of 9999-12-30 UTC, a day before any timezone's 10000. */
const LAST_ACCEPTED_AT = Date.UTC(9999, 11, 30, 23, 59, 59, 999);

/** One accepted vote as it travels through the queue. */
export const queuedVoteSchema = z.object({
  voteId: voteIdSchema,
  candidateId: candidateIdSchema,
  action: voteActionSchema,
  /** The participant who cast it. Jobs of older deploys may lack it (votes before login). */
  voterId: voterIdSchema.optional(),
  /**
   * When ingest accepted the vote, in epoch milliseconds. Decides its day, which must be a
   * calendar date of four digits: a later one could be counted by no board and recorded by no
   * ledger, and would fail every vote applied with it.
   */
  acceptedAt: z.number().int().positive().max(LAST_ACCEPTED_AT),
  /** Risk context, for the ledger. Jobs of older deploys lack it. */
  context: voteContextSchema.optional(),
});
export type QueuedVote = z.infer<typeof queuedVoteSchema>;

/**
 * A job: the votes ingest accepted for one board within one gathering window (one, when
 * traffic is light). Validated by ingest before it is added and again by the worker, since a
 * job can have been written by an older deploy. Each vote is applied exactly once by its id,
 * however often the job runs.
 */
export const voteJobSchema = z.object({
  boardId: boardIdSchema,
  votes: z.array(queuedVoteSchema).min(1).max(1_000),
});
export type VoteJob = z.infer<typeof voteJobSchema>;

/**
 * Options for every vote job. Retries are safe: applying is idempotent by vote id. `attempts`
 * and `backoff` are for errors of the job itself; a store outage uses none of them (see
 * `storeRetryDelayMs`), and a job that runs out of them is dead-lettered, never dropped.
 */
export const VOTE_JOB_OPTIONS = {
  attempts: 8,
  backoff: { type: 'exponential', delay: 200 },
  removeOnComplete: { age: 3_600, count: 50_000 },
  // A job that failed for good holds accepted votes: it stays, dead-lettered, until replayed.
  removeOnFail: false,
} as const satisfies JobsOptions;

/**
 * How long a vote job waits before its next run when a store (MongoDB, Redis) was unreachable:
 * 200 ms doubling up to 5 s, for as long as the outage lasts. Such a run uses no attempt: a
 * vote answered 202 is never failed for an outage, however long it is.
 * @param runs the job's runs so far that used no attempt (`attemptsStarted - attemptsMade`)
 */
export function storeRetryDelayMs(runs: number): number {
  return Math.min(STORE_RETRY_MAX_MS, STORE_RETRY_BASE_MS * 2 ** Math.max(0, Math.min(runs - 1, 16)));
}
const STORE_RETRY_BASE_MS = 200;
const STORE_RETRY_MAX_MS = 5_000;

/** The producer side of the votes queue. Give it a `producer` connection (fails fast). */
export function createVoteQueue(connection: RedisClient, keys: KeyBuilder): Queue<VoteJob> {
  return new Queue<VoteJob>(QUEUE_NAMES.votes, {
    connection,
    prefix: keys.queuePrefix,
    defaultJobOptions: VOTE_JOB_OPTIONS,
  });
}

/**
 * The votes queue's lag: the age in milliseconds of its oldest job not yet done, 0 when there is
 * none. BullMQ adds jobs to the head of the wait list and workers take from its tail, so the
 * oldest waiting job is the first in ascending order; an active job older than that (a big
 * batch, a retry) counts too. What /readyz, the console's monitor and /metrics all report.
 */
export async function voteQueueLagMs(queue: Pick<Queue<VoteJob>, 'getJobs'>, now: number): Promise<number> {
  const [oldestWaiting, oldestActive] = await Promise.all([
    queue.getJobs(['wait'], 0, 0, true),
    queue.getJobs(['active'], 0, 0, true),
  ]);
  const oldest = Math.min(...[...oldestWaiting, ...oldestActive].map((job) => job.timestamp), now);
  return Math.max(0, now - oldest);
}

/**
 * Vote jobs not yet applied: waiting, being applied, or waiting to be retried. While any are, a
 * campaign that just ended may still have votes to count (they were accepted before its end).
 */
export async function votesInFlight(queue: Queue<VoteJob>): Promise<number> {
  const counts = await queue.getJobCounts('waiting', 'active', 'delayed', 'prioritized');
  return Object.values(counts).reduce((sum, n) => sum + n, 0);
}
