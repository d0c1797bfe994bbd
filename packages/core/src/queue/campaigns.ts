import { type JobsOptions, Queue } from 'bullmq';
import { z } from 'zod';
import { boardIdSchema } from '../protocol/ids.js';
import type { RedisClient } from '../redis/connection.js';
import type { KeyBuilder } from '../redis/keys.js';
import { addAgain } from './add-again.js';

/** The queue of campaign schedule events. */
export const CAMPAIGN_QUEUE = 'campaigns' as const;

/** A scheduled start or end. `at` is the schedule time it was made for, in epoch ms. */
export const campaignScheduleJobSchema = z.object({
  campaignId: boardIdSchema,
  event: z.enum(['start', 'end']),
  at: z.number().int().positive(),
});
export type CampaignScheduleJob = z.infer<typeof campaignScheduleJobSchema>;

/**
 * One job per campaign, event and time: rescheduling adds a job for the new time, and the job for
 * the old time finds, when it runs, that the campaign's schedule no longer says so and does
 * nothing. Delayed jobs live in Redis, so a start or end still happens after a restart.
 */
export const campaignScheduleJobId = (job: CampaignScheduleJob): string =>
  `${job.event}-${job.campaignId}-${job.at}`;

const CAMPAIGN_JOB_OPTIONS = {
  attempts: 10,
  backoff: { type: 'exponential', delay: 1_000 },
  removeOnComplete: { age: 7 * 86_400 },
  removeOnFail: { age: 30 * 86_400 },
} as const satisfies JobsOptions;

export function createCampaignQueue(connection: RedisClient, keys: KeyBuilder): Queue<CampaignScheduleJob> {
  return new Queue<CampaignScheduleJob>(CAMPAIGN_QUEUE, {
    connection,
    prefix: keys.queuePrefix,
    defaultJobOptions: CAMPAIGN_JOB_OPTIONS,
  });
}

/**
 * Puts one scheduled start or end on the queue, delayed until its time (now if past).
 *
 * BullMQ ignores an add whose job id it still keeps, finished jobs included (kept for days). A
 * campaign scheduled, moved back to draft, and scheduled again for the same times would then get
 * no new job, and never start: so a finished job of the same id is removed first. A pending one
 * (waiting, delayed or running) is kept, and the add is a no-op: it already does what the new one
 * would. The schedule repair relies on this to queue a start or end again safely.
 */
export async function queueScheduleEvent(
  queue: Queue<CampaignScheduleJob>,
  data: CampaignScheduleJob,
): Promise<void> {
  await addAgain(queue, data.event, data, {
    jobId: campaignScheduleJobId(data),
    delay: Math.max(0, data.at - Date.now()),
  });
}

/** Puts a campaign's start and end on the queue (see queueScheduleEvent). */
export async function scheduleCampaign(
  queue: Queue<CampaignScheduleJob>,
  campaign: { campaignId: string; startAt: Date; endAt: Date },
): Promise<void> {
  await Promise.all(
    (['start', 'end'] as const).map((event) =>
      queueScheduleEvent(queue, {
        campaignId: campaign.campaignId,
        event,
        at: (event === 'start' ? campaign.startAt : campaign.endAt).getTime(),
      }),
    ),
  );
}
