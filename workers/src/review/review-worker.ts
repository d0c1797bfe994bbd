import { toFieldIssues } from '@rallyboard/core/protocol';
import {
  isStoreUnavailable,
  REVIEW_QUEUE,
  type ReviewJob,
  type ReviewJobResult,
  reviewJobSchema,
  storeRetryDelayMs,
} from '@rallyboard/core/queue';
import type { RedisClient } from '@rallyboard/core/redis';
import { DelayedError, type Job, UnrecoverableError, Worker } from 'bullmq';
import type { WorkerDeps } from '../deps.js';
import { BoardBusyError } from './apply-moves.js';
import { createReviewActions } from './review-actions.js';

/**
 * How long a review job waits, without using its attempts, for a board being rebuilt (or whose
 * state Redis lost, until its rebuild) or a store that is down: an hour. A move applied to Redis
 * and not yet written to the ledger is finished by the job's next run, so it must have one.
 */
const WAIT_FOR_MS = 3_600_000;

/**
 * Builds the BullMQ Worker of the review queue: hosts' approvals and voids, void by rule, and
 * risk control's cluster holds (see review-actions.ts). Progress is the job's progress
 * (`{ matched, changed, unchanged, progress }`), which the console polls; a failed attempt is
 * retried with backoff, and changes nothing twice.
 * @param connection a `worker` connection (maxRetriesPerRequest: null), used only by BullMQ
 */
export function createReviewWorker(
  deps: WorkerDeps,
  connection: RedisClient,
): Worker<ReviewJob, ReviewJobResult> {
  const run = createReviewActions(deps);
  async function process(job: Job<ReviewJob, ReviewJobResult>, token?: string): Promise<ReviewJobResult> {
    const parsed = reviewJobSchema.safeParse(job.data);
    if (!parsed.success) {
      const issues = toFieldIssues(parsed.error, 'data');
      throw new UnrecoverableError(
        `invalid review job: ${issues.map((i) => `${i.path} ${i.message}`).join('; ')}`,
      );
    }
    let delayMs: number;
    try {
      // A board being rebuilt refuses every move: no selection or review lock (which the rebuild
      // waits for) until its fence lifts.
      if ((await deps.redis.exists(deps.keys.board(parsed.data.campaignId).fence)) === 1) {
        throw new BoardBusyError(`board ${parsed.data.campaignId} is being rebuilt`);
      }
      const result = await run(parsed.data, String(job.id), (p) => job.updateProgress(p));
      deps.logger.info(
        { jobId: job.id, kind: parsed.data.kind, campaignId: parsed.data.campaignId, ...result },
        'review job done',
      );
      return result;
    } catch (error) {
      // A busy board or an outage is not the job's fault: it waits and runs again, without
      // using an attempt, up to WAIT_FOR_MS after it was queued; past that it uses them.
      const busy = error instanceof BoardBusyError;
      if ((!busy && !isStoreUnavailable(error)) || Date.now() - job.timestamp > WAIT_FOR_MS) {
        throw error;
      }
      delayMs = busy
        ? deps.config.worker.fenceRetryMs
        : storeRetryDelayMs(job.attemptsStarted - job.attemptsMade);
      deps.logger.warn({ jobId: job.id, err: error, retryInMs: delayMs }, 'review job waits');
    }
    await job.moveToDelayed(Date.now() + delayMs, token);
    throw new DelayedError();
  }
  const worker = new Worker<ReviewJob, ReviewJobResult>(REVIEW_QUEUE, process, {
    connection,
    prefix: deps.keys.queuePrefix,
    concurrency: 2,
    // A job that keeps stalling (its worker crash-loops) is never failed for that: a move run
    // again changes nothing twice, and one half made is finished by the next run.
    maxStalledCount: Number.MAX_SAFE_INTEGER,
    autorun: false,
  });
  worker.on('error', (error) => deps.logger.error({ err: error }, 'review worker error'));
  worker.on('failed', (job, error) =>
    deps.logger.warn({ jobId: job?.id, attemptsMade: job?.attemptsMade, err: error }, 'review job failed'),
  );
  return worker;
}
