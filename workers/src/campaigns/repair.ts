import { settleBoard } from '@rallyboard/core/campaigns';
import {
  type CampaignDoc,
  type CampaignInPlay,
  type CampaignModel,
  type CampaignSerializer,
  findCampaignsInPlay,
} from '@rallyboard/core/db';
import type { CampaignStatus } from '@rallyboard/core/protocol';
import { type CampaignScheduleJob, queueScheduleEvent } from '@rallyboard/core/queue';
import { type BoardMeta, readBoardMeta } from '@rallyboard/core/redis';
import type { Queue } from 'bullmq';
import type { WorkerDeps } from '../deps.js';
import { type Periodic, runEvery } from '../every.js';

export interface RepairDeps extends Pick<WorkerDeps, 'logger' | 'redis' | 'keys' | 'config' | 'boards'> {
  campaigns: CampaignModel;
  /** The campaign lock of host changes and schedule jobs: every repair is made under it. */
  serialize: CampaignSerializer;
  /** Where a start or end that is due is queued again. */
  campaignQueue: Queue<CampaignScheduleJob>;
}

/**
 * What one pass did: the campaigns it read, the boards it set (or registered), the jobs it queued
 * again, and the boards Redis lost once their campaigns had been live (left to a rebuild).
 */
export interface RepairReport {
  checked: number;
  boardsSet: number;
  jobsQueued: number;
  boardsLost: number;
}

/** Whether Redis has the campaign's board with another status than MongoDB's. */
export const boardDisagrees = (
  campaign: Pick<CampaignInPlay, 'status'>,
  meta: BoardMeta | undefined,
): boolean => meta !== undefined && meta.status !== campaign.status;

/** The statuses whose board's end matters: it may take votes, now or later. */
const MAY_TAKE_VOTES: readonly CampaignStatus[] = ['scheduled', 'live', 'paused', 'frozen'];

/**
 * Whether the board needs the repair: its status differs from the campaign's, or its end does while
 * the campaign may still take votes (a board registered before ends were recorded, or by a
 * rebuild), or Redis does not have it at all (registered if the campaign has never been live,
 * else reported for a rebuild; an archived campaign's takes no votes either way).
 */
const boardOutOfStep = (campaign: CampaignInPlay, meta: BoardMeta | undefined): boolean =>
  meta === undefined
    ? campaign.status !== 'archived'
    : boardDisagrees(campaign, meta) ||
      (MAY_TAKE_VOTES.includes(campaign.status) &&
        meta.endAt !== new Date(campaign.schedule.endAt).getTime());

/** The schedule event still due for a campaign in this status whose time has passed, if any. */
function dueEvent(campaign: CampaignInPlay, now: number): CampaignScheduleJob | undefined {
  const { status, schedule } = campaign;
  const startAt = new Date(schedule.startAt).getTime();
  const endAt = new Date(schedule.endAt).getTime();
  // A start is not due once the end has passed too: the start job would not start it (it stays
  // scheduled for its host), and queued again every pass it would run for nothing.
  if (status === 'scheduled' && startAt <= now && now < endAt)
    return { campaignId: campaign._id, event: 'start', at: startAt };
  if ((status === 'live' || status === 'paused' || status === 'frozen') && endAt <= now) {
    return { campaignId: campaign._id, event: 'end', at: endAt };
  }
  return undefined;
}

/**
 * Puts the campaign's board in step under its lock (settleBoard): its status and end set to
 * MongoDB's when they differ, a board Redis does not have registered while the campaign has never
 * been live (a creation or a move whose Redis write failed), and one Redis lost after that
 * reported, at every pass, for a rebuild to restore from the ledger.
 */
async function repairBoard(deps: RepairDeps, campaign: CampaignDoc, report: RepairReport): Promise<void> {
  const meta = await readBoardMeta(deps.redis, deps.keys, campaign._id);
  if (!boardOutOfStep(campaign, meta)) return;
  const settled = await settleBoard(deps, campaign, { origin: 'repair' });
  if (settled === 'board-missing') {
    report.boardsLost += 1;
    deps.logger.error(
      { campaignId: campaign._id, campaign: campaign.status },
      `campaign repair: Redis has lost the board of a campaign that has been live; its votes wait until \`npm run rebuild -- ${campaign._id}\``,
    );
  } else if (settled !== 'unchanged') {
    report.boardsSet += 1;
    deps.logger.warn(
      { campaignId: campaign._id, board: meta?.status ?? null, campaign: campaign.status, settled },
      "campaign repair: the board set to the campaign's status and end",
    );
  }
}

/**
 * Repairs one campaign under its lock, reading both stores again there (the first read was
 * outside it, and a move may have finished since): the board put in step (repairBoard), and a
 * start or end that is due queued again (a pending job is kept as it is).
 */
async function repairOne(
  deps: RepairDeps,
  campaignId: string,
  now: number,
  report: RepairReport,
): Promise<void> {
  await deps.serialize(campaignId, async () => {
    const campaign = await deps.campaigns.findById(campaignId).lean<CampaignDoc>();
    if (!campaign) return;
    await repairBoard(deps, campaign, report);
    const due = dueEvent(campaign, now);
    if (due) {
      await queueScheduleEvent(deps.campaignQueue, due);
      report.jobsQueued += 1;
    }
  });
}

/**
 * One pass over every campaign in play (scheduled to ended, and those archived lately; not
 * drafts), a page at a time: converges each board's status and end in Redis to the campaign's in
 * MongoDB, the system of record, registers the missing board of a campaign that has never been
 * live, reports the one Redis lost after that, and queues again the start or end of a campaign
 * whose time has passed while it is still in the status that event moves. Idempotent: a pass over
 * agreeing stores changes nothing. Costs one MongoDB query and one pipelined round of board reads
 * per page; only the campaigns that need it take the lock.
 * @param options.pageSize @default 200
 */
export async function repairCampaigns(
  deps: RepairDeps,
  options: { pageSize?: number; now?: number } = {},
): Promise<RepairReport> {
  const report: RepairReport = { checked: 0, boardsSet: 0, jobsQueued: 0, boardsLost: 0 };
  const now = options.now ?? Date.now();
  let after: string | undefined;
  for (;;) {
    const page = await findCampaignsInPlay(deps.campaigns, { after, limit: options.pageSize ?? 200, now });
    if (page.length === 0) return report;
    // Sent together on the one connection: one round trip for the page, in effect.
    const boards = await Promise.all(page.map((c) => readBoardMeta(deps.redis, deps.keys, c._id)));
    for (const [i, campaign] of page.entries()) {
      report.checked += 1;
      if (!boardOutOfStep(campaign, boards[i]) && dueEvent(campaign, now) === undefined) continue;
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
      if (report.boardsSet + report.jobsQueued + report.boardsLost > 0) {
        deps.logger.info(report, 'campaign repair pass');
      }
    } catch (error) {
      deps.logger.warn({ err: error }, 'campaign repair pass failed; trying again next interval');
    }
  }, options.everyMs ?? 15_000);
}
