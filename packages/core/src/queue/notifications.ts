import { type JobsOptions, Queue } from 'bullmq';
import { z } from 'zod';
import { boardIdSchema } from '../protocol/ids.js';
import { notificationEventSchema } from '../protocol/notifications.js';
import type { RedisClient } from '../redis/connection.js';
import type { KeyBuilder } from '../redis/keys.js';
import { addAgain } from './add-again.js';

/** The queue of subscribe messages: an event fans out to one send job per participant with a grant. */
export const NOTIFICATION_QUEUE = 'notifications' as const;

/** Something happened that participants may have asked to hear about. */
export const notificationEventJobSchema = z.object({
  kind: z.literal('event'),
  event: notificationEventSchema,
  campaignId: boardIdSchema,
  /** A subject event's subject (an entry id): the event goes to its author only. */
  subject: z.string().min(1).max(64).optional(),
});
export type NotificationEventJob = z.infer<typeof notificationEventJobSchema>;

/** One message to one participant, with the event's values (the same for every participant). */
export const notificationSendJobSchema = z.object({
  kind: z.literal('send'),
  event: notificationEventSchema,
  campaignId: boardIdSchema,
  userId: z.string().min(1).max(64),
  subject: z.string().min(1).max(64).optional(),
  values: z.record(z.string(), z.string()),
});
export type NotificationSendJob = z.infer<typeof notificationSendJobSchema>;

export const notificationJobSchema = z.discriminatedUnion('kind', [
  notificationEventJobSchema,
  notificationSendJobSchema,
]);
export type NotificationJob = z.infer<typeof notificationJobSchema>;

/**
 * Job ids make each event happen once per campaign (and subject), and each participant's message
 * once per event: BullMQ ignores an add whose id it keeps (BullMQ ids may not hold `:`).
 */
export const notificationJobId = (job: NotificationJob): string => {
  const subject = job.subject === undefined ? '' : `.${job.subject}`;
  return job.kind === 'event'
    ? `${job.event}.${job.campaignId}${subject}`
    : `send.${job.event}.${job.campaignId}.${job.userId}${subject}`;
};

/**
 * A send retries with exponential backoff from 5 s (WeChat's rate limits, a WeChat that does not
 * answer), for about 40 minutes in all; a refusal that retrying cannot change fails it at once.
 */
const NOTIFICATION_JOB_OPTIONS = {
  attempts: 10,
  backoff: { type: 'exponential', delay: 5_000 },
  removeOnComplete: { age: 30 * 86_400 },
  removeOnFail: { age: 30 * 86_400 },
} as const satisfies JobsOptions;

export function createNotificationQueue(connection: RedisClient, keys: KeyBuilder): Queue<NotificationJob> {
  return new Queue<NotificationJob>(NOTIFICATION_QUEUE, {
    connection,
    prefix: keys.queuePrefix,
    defaultJobOptions: NOTIFICATION_JOB_OPTIONS,
  });
}

/**
 * Queues an event of a campaign. A pending one of the same id is kept (the add is a no-op); a
 * finished one (completed, or failed for good) is removed first, so the event runs again: its
 * fan-out queues only sends not queued before, and a send that ended stays done (send.ts).
 */
export async function queueNotificationEvent(
  queue: Queue<NotificationJob>,
  event: Omit<NotificationEventJob, 'kind'>,
): Promise<void> {
  const job: NotificationEventJob = { kind: 'event', ...event };
  await addAgain(queue, job.kind, job, { jobId: notificationJobId(job) });
}

/** How long after a late grant its event runs again: past a run of it that may still be going. */
const LATE_GRANT_DELAY_MS = 2_000;

/**
 * Queues a subject event again for a grant that came while it happened (a participant's, `userId`),
 * under an id of its own and a little later: the event's own job may still be running, past its
 * read of the grants, and an add under its id would then be a no-op.
 */
export async function queueLateGrantEvent(
  queue: Queue<NotificationJob>,
  event: Omit<NotificationEventJob, 'kind'>,
  userId: string,
): Promise<void> {
  const job: NotificationEventJob = { kind: 'event', ...event };
  await addAgain(queue, job.kind, job, {
    jobId: `${notificationJobId(job)}.late.${userId}`,
    delay: LATE_GRANT_DELAY_MS,
  });
}

/**
 * Queues one participant's send, again if one of its id ran already: its log decides whether
 * anything goes out (a send that ended is done, unless it ended for want of a grant).
 */
export async function queueSendAgain(
  queue: Queue<NotificationJob>,
  send: NotificationSendJob,
): Promise<void> {
  await addAgain(queue, send.kind, send, { jobId: notificationJobId(send) });
}

/** Queues the review message (审核结果) of a decided entry to its author, once per entry. */
export const queueEntryReviewed = (
  queue: Queue<NotificationJob>,
  entry: { _id: string; campaignId: string },
): Promise<void> =>
  queueNotificationEvent(queue, {
    event: 'entry-reviewed',
    campaignId: entry.campaignId,
    subject: entry._id,
  });
