import type { BoardSettlement } from '@rallyboard/core/campaigns';
import {
  type CampaignDoc,
  type CampaignModel,
  type CampaignSerializer,
  transitionCampaign,
} from '@rallyboard/core/db';
import { type CampaignStatus, type NotificationEvent, toFieldIssues } from '@rallyboard/core/protocol';
import { CAMPAIGN_QUEUE, type CampaignScheduleJob, campaignScheduleJobSchema } from '@rallyboard/core/queue';
import type { RedisClient } from '@rallyboard/core/redis';
import { type Job, UnrecoverableError, Worker } from 'bullmq';
import type { WorkerDeps } from '../deps.js';

/** What a schedule job did, kept by BullMQ as its return value. */
export type ScheduleOutcome =
  | { done: 'moved'; from: CampaignStatus; to: CampaignStatus }
  | { done: 'nothing'; why: string };

/** The moves each event makes, by the status the campaign is in when it fires. */
const MOVES: Record<CampaignScheduleJob['event'], Partial<Record<CampaignStatus, CampaignStatus>>> = {
  start: { scheduled: 'live' },
  end: { live: 'ended', paused: 'ended', frozen: 'ended' },
};

export interface ScheduleDeps extends Pick<WorkerDeps, 'logger'> {
  campaigns: CampaignModel;
  serialize: CampaignSerializer;
  /**
   * Puts the campaign's board in step with its status after a move from `from`, or on a retry
   * that finds the move made (`from` undefined): settleBoard, which registers a board Redis does
   * not have only while the campaign has never been live.
   */
  settleBoard?: (campaign: CampaignDoc, from: CampaignStatus | undefined) => Promise<BoardSettlement>;
  /** Queues the event a start or an end is for participants who subscribed (once per campaign). */
  notify?: (event: NotificationEvent, campaignId: string) => Promise<void>;
  /** The clock a start is checked against the end by. @default Date.now */
  now?: () => number;
}

/** What participants hear of each event: a start opens voting, an end makes the results final. */
const NOTIFIES: Record<CampaignScheduleJob['event'], { status: CampaignStatus; event: NotificationEvent }> = {
  start: { status: 'live', event: 'campaign-started' },
  end: { status: 'ended', event: 'results-final' },
};

/**
 * Runs one scheduled start or end. A job made for a time the campaign's schedule no longer has
 * (it was rescheduled), or for a campaign that is not in a status the event moves (a draft, an
 * ended one), does nothing and says why: schedule jobs are never retried into a wrong move.
 *
 * Everything happens under the campaign's lock, the one host changes take: the campaign is read
 * inside it (read before, a reschedule or move made while the job waited for the lock would go
 * unseen), and the board's status is written inside it too, so a host's move cannot land in
 * Redis between this move's MongoDB write and its Redis write.
 */
async function runScheduleJob(job: Job<CampaignScheduleJob>, deps: ScheduleDeps): Promise<ScheduleOutcome> {
  const parsed = campaignScheduleJobSchema.safeParse(job.data);
  if (!parsed.success) {
    const issues = toFieldIssues(parsed.error, 'data');
    throw new UnrecoverableError(
      `invalid schedule job: ${issues.map((i) => `${i.path} ${i.message}`).join('; ')}`,
    );
  }
  const { campaignId, event, at } = parsed.data;
  return deps.serialize(campaignId, async (): Promise<ScheduleOutcome> => {
    const campaign = await deps.campaigns.findById(campaignId).lean<CampaignDoc>();
    if (!campaign) return { done: 'nothing', why: 'the campaign no longer exists' };
    const scheduled = event === 'start' ? campaign.schedule.startAt : campaign.schedule.endAt;
    if (new Date(scheduled).getTime() !== at) return { done: 'nothing', why: 'the campaign was rescheduled' };
    const notify = NOTIFIES[event];
    if (campaign.status === notify.status) {
      // A retry after the move, whose board write or notification failed: the board is set now
      // (until 2026-12-07 a retry found the move made and left the board counting until the
      // repair), then the notification queued.
      await settle(deps, campaign, undefined);
      await deps.notify?.(notify.event, campaignId);
    }
    const to = MOVES[event][campaign.status];
    if (!to) return { done: 'nothing', why: `a ${campaign.status} campaign does not ${event} on schedule` };
    if (event === 'start' && new Date(campaign.schedule.endAt).getTime() <= (deps.now ?? Date.now)()) {
      // Its end came first (the workers were down across both, and the end job, finding it
      // scheduled, did nothing): it stays scheduled for its host to schedule again, rather than
      // go live after its end and tell its subscribers it started.
      deps.logger.warn({ campaignId }, 'a scheduled campaign whose end has passed was not started');
      return { done: 'nothing', why: 'the campaign ended before it started' };
    }
    // The lock is held already: transitionCampaign's compare-and-set runs inside it.
    const { before, after } = await transitionCampaign(deps.campaigns, (_id, work) => work(), campaignId, to);
    // Should this fail, MongoDB has moved and the board has not: the job's retry (above) or the
    // schedule repair (repair.ts) brings the board to MongoDB's status.
    await settle(deps, { ...campaign, status: after }, before);
    if (after === notify.status) await deps.notify?.(notify.event, campaignId);
    deps.logger.info({ campaignId, event, from: before, to: after }, 'campaign moved on schedule');
    return { done: 'moved', from: before, to: after };
  });
}

/** settleBoard, and a board Redis lost once the campaign had been live reported for a rebuild. */
async function settle(deps: ScheduleDeps, campaign: CampaignDoc, from: CampaignStatus | undefined) {
  if ((await deps.settleBoard?.(campaign, from)) === 'board-missing') {
    deps.logger.error(
      { campaignId: campaign._id, status: campaign.status },
      `campaign moved on schedule, but Redis has lost its board: run \`npm run rebuild -- ${campaign._id}\``,
    );
  }
}

/** The BullMQ worker of the campaigns queue. */
export function createScheduleWorker(
  deps: ScheduleDeps & Pick<WorkerDeps, 'keys'>,
  connection: RedisClient,
): Worker<CampaignScheduleJob, ScheduleOutcome> {
  const worker = new Worker<CampaignScheduleJob, ScheduleOutcome>(
    CAMPAIGN_QUEUE,
    (job) => runScheduleJob(job, deps),
    { connection, prefix: deps.keys.queuePrefix, concurrency: 4, autorun: false },
  );
  worker.on('error', (error) => deps.logger.error({ err: error }, 'schedule worker error'));
  worker.on('failed', (job, error) =>
    deps.logger.warn({ jobId: job?.id, attemptsMade: job?.attemptsMade, err: error }, 'schedule job failed'),
  );
  return worker;
}
