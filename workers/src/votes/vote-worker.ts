import { QUEUE_NAMES, type VoteJob } from '@rallyboard/core/queue';
import type { ApplyVoteResult } from '@rallyboard/core/redis';
import { Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { WorkerDeps } from '../deps.js';
import { processVote } from './process-vote.js';

/**
 * Builds the BullMQ Worker that consumes the votes queue.
 * @param connection a `worker` connection (maxRetriesPerRequest: null), used only by BullMQ
 */
export function createVoteWorker(deps: WorkerDeps, connection: Redis): Worker<VoteJob, ApplyVoteResult> {
  const { worker: options } = deps.config;
  const worker = new Worker<VoteJob, ApplyVoteResult>(QUEUE_NAMES.votes, (job) => processVote(job, deps), {
    connection,
    prefix: deps.keys.queuePrefix,
    concurrency: options.concurrency,
    lockDuration: options.lockDurationMs,
    stalledInterval: options.stalledIntervalMs,
    // A vote that keeps stalling is still retried: re-applying is idempotent.
    maxStalledCount: 5,
    autorun: false,
  });
  // Long-running loops log, never throw.
  worker.on('error', (error) => deps.logger.error({ err: error }, 'vote worker error'));
  worker.on('failed', (job, error) =>
    deps.logger.warn({ jobId: job?.id, attemptsMade: job?.attemptsMade, err: error }, 'vote job failed'),
  );
  return worker;
}
