import { createBatcher } from '@rallyboard/core/batch';
import { toFieldIssues } from '@rallyboard/core/protocol';
import {
  isStoreUnavailable,
  QUEUE_NAMES,
  storeRetryDelayMs,
  type VoteJob,
  voteJobSchema,
} from '@rallyboard/core/queue';
import type { RedisClient } from '@rallyboard/core/redis';
import { DelayedError, type Job, UnrecoverableError, Worker } from 'bullmq';
import type { WorkerDeps } from '../deps.js';
import {
  type BatchItem,
  createVoteApplier,
  type Failed,
  slotsByBoard,
  type VoteOutcome,
} from './apply-votes.js';
import { createDeadLetterHandler, failedForGood } from './dead-letter.js';

/** What a finished vote job reports (kept by BullMQ as the job's return value). */
export interface VoteJobResult {
  counted: number;
  unchanged: number;
  held: number;
  rejected: number;
  /** Votes that had been applied by an earlier run of the job. */
  duplicates: number;
}

function summarize(outcomes: VoteOutcome[]): VoteJobResult {
  const result: VoteJobResult = { counted: 0, unchanged: 0, held: 0, rejected: 0, duplicates: 0 };
  for (const o of outcomes) {
    if (o.verdict === 'retry') continue;
    result[o.verdict]++;
    if (o.duplicate) result.duplicates++;
  }
  return result;
}

/**
 * Applies a batch; when that fails, not for an outage, applies each board's votes of it again on
 * their own, one board at a time: one board's failure (a script error on a damaged key, say) then
 * fails its own jobs only, not every job batched with them, which would otherwise fail together
 * again at each retry until all were dead-lettered. Votes the failed run had applied answer as
 * duplicates the second time, with the same verdicts (their follow-up runs again if stopped; the
 * dashboard's verdict tallies and the interests miss them, as for any re-delivered vote).
 */
async function applyEachBoardOnFailure(
  apply: (items: BatchItem[]) => Promise<(VoteOutcome | Failed)[]>,
  items: BatchItem[],
): Promise<(VoteOutcome | Failed)[]> {
  try {
    return await apply(items);
  } catch (error) {
    const boards = slotsByBoard(items);
    if (boards.size === 1 || isStoreUnavailable(error)) throw error;
    const decided: (VoteOutcome | Failed)[] = [];
    for (const slots of boards.values()) {
      try {
        const outcomes = await apply(slots.map((slot) => slot.item));
        slots.forEach((slot, j) => {
          decided[slot.at] = outcomes[j] as VoteOutcome | Failed;
        });
      } catch (failed) {
        for (const slot of slots) decided[slot.at] = { verdict: 'failed', failed };
      }
    }
    return decided;
  }
}

/**
 * Builds the BullMQ Worker that consumes the votes queue. Each processed job hands its votes to
 * one shared batcher, so the votes of all jobs in flight are applied together (see
 * apply-votes.ts). A job whose board is fenced or missing goes back to the delayed set, without
 * using up an attempt, and runs again after `FENCE_RETRY_MS`; so does a job that met a store
 * outage, after `storeRetryDelayMs`, for as long as the outage lasts.
 * @param connection a `worker` connection (maxRetriesPerRequest: null), used only by BullMQ
 */
export function createVoteWorker(deps: WorkerDeps, connection: RedisClient): Worker<VoteJob, VoteJobResult> {
  const { worker: options } = deps.config;
  const apply = createVoteApplier(deps);
  const batcher = createBatcher<BatchItem, VoteOutcome | Failed>({
    maxItems: options.batchMax,
    maxWaitMs: options.batchWaitMs,
    run: (items) => applyEachBoardOnFailure(apply, items),
  });

  /** Decides the job's votes: a summary, or `retry` when a board is fenced or missing. */
  async function decide(job: Job<VoteJob>): Promise<VoteJobResult | 'retry'> {
    // Job data can come from an older deploy: validate it again, and don't retry what can't pass.
    const parsed = voteJobSchema.safeParse(job.data);
    if (!parsed.success) {
      const issues = toFieldIssues(parsed.error, 'data');
      deps.logger.error({ jobId: job.id, issues }, 'vote job has invalid data');
      throw new UnrecoverableError(
        `invalid vote job: ${issues.map((i) => `${i.path} ${i.message}`).join('; ')}`,
      );
    }
    const { boardId, votes } = parsed.data;
    const decided = await Promise.all(votes.map((vote) => batcher.add({ boardId, vote })));
    const failed = decided.find((o) => 'failed' in o);
    if (failed) throw failed.failed;
    const outcomes = decided as VoteOutcome[];
    if (outcomes.some((o) => o.verdict === 'retry')) return 'retry';
    const result = summarize(outcomes);
    if (result.duplicates > 0) {
      deps.logger.debug(
        { jobId: job.id, duplicates: result.duplicates },
        'votes already applied; not counted again',
      );
    }
    return result;
  }

  async function process(job: Job<VoteJob>, token?: string): Promise<VoteJobResult> {
    let delayMs: number;
    try {
      const result = await decide(job);
      if (result !== 'retry') return result;
      delayMs = options.fenceRetryMs;
    } catch (error) {
      if (!isStoreUnavailable(error)) throw error;
      // An outage is not the job's fault: wait and run again, without using an attempt.
      delayMs = storeRetryDelayMs(job.attemptsStarted - job.attemptsMade);
      deps.logger.warn(
        { jobId: job.id, err: error, retryInMs: delayMs },
        'a store is unreachable; vote job waits',
      );
    }
    await job.moveToDelayed(Date.now() + delayMs, token);
    throw new DelayedError();
  }

  const worker = new Worker<VoteJob, VoteJobResult>(QUEUE_NAMES.votes, process, {
    connection,
    prefix: deps.keys.queuePrefix,
    concurrency: options.concurrency,
    lockDuration: options.lockDurationMs,
    stalledInterval: options.stalledIntervalMs,
    // A job that keeps stalling (its worker crash-loops, or loses Redis) is never failed for
    // that: re-applying is idempotent, and the votes were promised with a 202.
    maxStalledCount: Number.MAX_SAFE_INTEGER,
    autorun: false,
  });
  // Long-running loops log, never throw.
  worker.on('error', (error) => deps.logger.error({ err: error }, 'vote worker error'));
  const deadLetter = createDeadLetterHandler(deps);
  worker.on('failed', (job, error) => {
    if (job && failedForGood(job, error)) void deadLetter(job, error);
    else deps.logger.warn({ jobId: job?.id, attemptsMade: job?.attemptsMade, err: error }, 'vote job failed');
  });
  return worker;
}
