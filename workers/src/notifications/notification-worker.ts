import { toFieldIssues } from '@rallyboard/core/protocol';
import { NOTIFICATION_QUEUE, type NotificationJob, notificationJobSchema } from '@rallyboard/core/queue';
import type { KeyBuilder, RedisClient } from '@rallyboard/core/redis';
import { type Job, UnrecoverableError, Worker } from 'bullmq';
import { type FanOutDeps, type FanOutOutcome, fanOut } from './fan-out.js';
import { type SendDeps, type SendOutcome, sendNotification } from './send.js';

export type NotificationDeps = FanOutDeps & SendDeps & { keys: KeyBuilder };
type Outcome = FanOutOutcome | SendOutcome;

async function runNotificationJob(job: Job<NotificationJob>, deps: NotificationDeps): Promise<Outcome> {
  const parsed = notificationJobSchema.safeParse(job.data);
  if (!parsed.success) {
    const issues = toFieldIssues(parsed.error, 'data');
    throw new UnrecoverableError(
      `invalid notification job: ${issues.map((i) => `${i.path} ${i.message}`).join('; ')}`,
    );
  }
  const data = parsed.data;
  if (data.kind === 'event') return fanOut(data, deps);
  return sendNotification(data, { made: job.attemptsMade, allowed: job.opts.attempts ?? 1 }, deps);
}

/**
 * The BullMQ worker of the notifications queue: an event job fans out into send jobs, and each
 * send job sends one subscribe message (send.ts says which answers retry).
 */
export function createNotificationWorker(
  deps: NotificationDeps,
  connection: RedisClient,
): Worker<NotificationJob, Outcome> {
  const worker = new Worker<NotificationJob, Outcome>(
    NOTIFICATION_QUEUE,
    (job) => runNotificationJob(job, deps),
    {
      connection,
      prefix: deps.keys.queuePrefix,
      concurrency: 8,
      autorun: false,
    },
  );
  worker.on('error', (error) => deps.logger.error({ err: error }, 'notification worker error'));
  worker.on('failed', (job, error) =>
    deps.logger.warn(
      { jobId: job?.id, attemptsMade: job?.attemptsMade, err: error },
      'notification job failed',
    ),
  );
  return worker;
}
