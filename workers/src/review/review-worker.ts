import { toFieldIssues } from '@rallyboard/core/protocol';
import { REVIEW_QUEUE, type ReviewJob, type ReviewJobResult, reviewJobSchema } from '@rallyboard/core/queue';
import type { RedisClient } from '@rallyboard/core/redis';
import { type Job, UnrecoverableError, Worker } from 'bullmq';
import type { WorkerDeps } from '../deps.js';
import { createReviewActions } from './review-actions.js';

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
  async function process(job: Job<ReviewJob, ReviewJobResult>): Promise<ReviewJobResult> {
    const parsed = reviewJobSchema.safeParse(job.data);
    if (!parsed.success) {
      const issues = toFieldIssues(parsed.error, 'data');
      throw new UnrecoverableError(
        `invalid review job: ${issues.map((i) => `${i.path} ${i.message}`).join('; ')}`,
      );
    }
    const result = await run(parsed.data, String(job.id), (p) => job.updateProgress(p));
    deps.logger.info(
      { jobId: job.id, kind: parsed.data.kind, campaignId: parsed.data.campaignId, ...result },
      'review job done',
    );
    return result;
  }
  const worker = new Worker<ReviewJob, ReviewJobResult>(REVIEW_QUEUE, process, {
    connection,
    prefix: deps.keys.queuePrefix,
    concurrency: 2,
    autorun: false,
  });
  worker.on('error', (error) => deps.logger.error({ err: error }, 'review worker error'));
  worker.on('failed', (job, error) =>
    deps.logger.warn({ jobId: job?.id, attemptsMade: job?.attemptsMade, err: error }, 'review job failed'),
  );
  return worker;
}
