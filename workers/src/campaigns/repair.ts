import {
  type CampaignInPlay,
  type CampaignModel,
  type CampaignSerializer,
  findCampaignsInPlay,
} from '@rallyboard/core/db';
import { type CampaignScheduleJob, queueScheduleEvent } from '@rallyboard/core/queue';
import { type BoardMeta, readBoardMeta, setBoardStatus } from '@rallyboard/core/redis';
import type { Queue } from 'bullmq';
import type { WorkerDeps } from '../deps.js';
import { type Periodic, runEvery } from '../every.js';

export interface RepairDeps extends Pick<WorkerDeps, 'logger' | 'redis' | 'keys'> {
  campaigns: CampaignModel;
  /** The campaign lock of host changes and schedule jobs: every repair is made under it. */
  serialize: CampaignSerializer;
  /** Where a start or end that is due is queued again. */
  campaignQueue: Queue<CampaignScheduleJob>;
}

/** What one pass did: the campaigns it read, the boards it set, the jobs it queued again. */
export interface RepairReport {
  checked: number;
  boardsSet: number;
  jobsQueued: number;
}

/** Whether Redis has the campaign's board with another status than MongoDB's. */
export const boardDisagrees = (
  campaign: Pick<CampaignInPlay, 'status'>,
  meta: BoardMeta | undefined,
): boolean => meta !== undefined && meta.status !== campaign.status;

/** The schedule event still due for a campaign in this status whose time has passed, if any. */
function dueEvent(campaign: CampaignInPlay, now: number): CampaignScheduleJob | undefined {
  const { status, schedule } = campaign;
  const startAt = new Date(schedule.startAt).getTime();
  const endAt = new Date(schedule.endAt).getTime();
  if (status === 'scheduled' && startAt <= now)
    return { campaignId: campaign._id, event: 'start', at: startAt };
  if ((status === 'live' || status === 'paused' || status === 'frozen') && endAt <= now) {
    return { campaignId: campaign._id, event: 'end', at: endAt };
  }
  return undefined;
}

/**
 * Repairs one campaign under its lock, reading both stores again there (the first read was
 * outside it, and a move may have finished since): the board's status set to MongoDB's when they
 * differ, and a start or end that is due queued again (a pending job is kept as it is).
 */
async function repairOne(
  deps: RepairDeps,
  campaignId: string,
  now: number,
  report: RepairReport,
): Promise<void> {
  await deps.serialize(campaignId, async () => {
    const campaign = await deps.campaigns
      .findById(campaignId, { status: 1, schedule: 1 })
      .lean<CampaignInPlay>();
    if (!campaign) return;
    const meta = await readBoardMeta(deps.redis, deps.keys, campaignId);
    // A board Redis lost is the rebuild's to restore, with the status MongoDB has.
    if (boardDisagrees(campaign, meta)) {
      await setBoardStatus(deps.redis, deps.keys, campaignId, campaign.status, { origin: 'repair' });
      report.boardsSet += 1;
      deps.logger.warn(
        { campaignId, board: meta?.status ?? null, campaign: campaign.status },
        "campaign repair: the board's status set to the campaign's",
      );
    }
    const due = dueEvent(campaign, now);
    if (due) {
      await queueScheduleEvent(deps.campaignQueue, due);
      report.jobsQueued += 1;
    }
  });
}

/**
 * One pass over every campaign in play (scheduled to ended; not drafts, not archived), a page at
 * a time: converges each board's status in Redis to the campaign's status in MongoDB, the system
 * of record, and queues again the start or end of a campaign whose time has passed while it is
 * still in the status that event moves. Idempotent: a pass over agreeing stores changes nothing.
 * Costs one MongoDB query and one pipelined round of board reads per page; only the campaigns
 * that need it take the lock.
 * @param options.pageSize @default 200
 */
export async function repairCampaigns(
  deps: RepairDeps,
  options: { pageSize?: number; now?: number } = {},
): Promise<RepairReport> {
  const report: RepairReport = { checked: 0, boardsSet: 0, jobsQueued: 0 };
  const now = options.now ?? Date.now();
  let after: string | undefined;
  for (;;) {
    const page = await findCampaignsInPlay(deps.campaigns, { after, limit: options.pageSize ?? 200 });
    if (page.length === 0) return report;
    // Sent together on the one connection: one round trip for the page, in effect.
    const boards = await Promise.all(page.map((c) => readBoardMeta(deps.redis, deps.keys, c._id)));
    for (const [i, campaign] of page.entries()) {
      report.checked += 1;
      if (!boardDisagrees(campaign, boards[i]) && dueEvent(campaign, now) === undefined) continue;
      try {
        await repairOne(deps, campaign._id, now, report);
      } catch (error) {
        // One campaign's failure (a busy lock, a store away) waits for the next pass.
        deps.logger.warn(
          { err: error, campaignId: campaign._id },
          'campaign repair failed; retried next pass',
        );
      }
    }
    after = page.at(-1)?._id;
  }
}

/** The periodic repair, as the workers process runs it. */
/**
 * Runs repairCampaigns every `everyMs`, the first pass at once (a restart repairs first). Every
 * workers process runs it; passes are idempotent and each repair takes the campaign's lock, so
 * two processes repairing at once do it once. A failed pass is logged and the loop goes on.
 * @param options.everyMs the pause between passes, which bounds how long a board can disagree
 *   with its campaign or a due start or end wait after a failure @default 15_000
 */
export function startCampaignRepair(deps: RepairDeps, options: { everyMs?: number } = {}): Periodic {
  return runEvery(async () => {
    try {
      const report = await repairCampaigns(deps);
      if (report.boardsSet + report.jobsQueued > 0) deps.logger.info(report, 'campaign repair pass');
    } catch (error) {
      deps.logger.warn({ err: error }, 'campaign repair pass failed; trying again next interval');
    }
  }, options.everyMs ?? 15_000);
}
