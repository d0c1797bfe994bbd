import { archiveEndedPeriods, type CampaignModel, recheckRecentArchives } from '@rallyboard/core/db';
import { dayOf } from '@rallyboard/core/protocol';
import type { WorkerDeps } from '../deps.js';
import { type Periodic, runEvery } from '../every.js';

export interface ArchiverDeps extends Pick<WorkerDeps, 'logger' | 'ledger' | 'boards' | 'archives'> {
  campaigns: CampaignModel;
}

/** How long after a period ends its archive is written: votes accepted before the end are counted by then. */
export const ARCHIVE_GRACE_MS = 10 * 60_000;
/** Campaigns ended longer ago than this have nothing left to archive: their last month has ended too. */
const ENDED_WITHIN_MS = 40 * 86_400_000;
/** Archives of periods that ended this recently are checked against the ledger on every pass. */
const RECHECK_MS = 3 * 86_400_000;

/**
 * One pass: the ended periods of every campaign that takes or took votes recently (archived ones
 * too: a campaign archived the evening it ends has its last periods still to end), archived from
 * the ledger (archiveEndedPeriods); a board is looked at again only once its day has changed
 * since its last complete pass, by this process or any other (recorded on the board): nothing
 * ends in between, and a workers process that starts the same day reads no ledger for it. And
 * the archives of periods that ended in the last three days, checked against the ledger on every
 * pass (recheckRecentArchives): a vote recorded after its period's archive was written (a queue
 * that fell behind past the grace) is taken in within a pass. A board that fails is logged and
 * the pass goes on with the others.
 * @returns the archives created or corrected
 */
export async function archivePass(deps: ArchiverDeps, now = new Date()): Promise<number> {
  const campaigns = await deps.campaigns
    .find(
      {
        status: { $in: ['live', 'paused', 'frozen', 'ended', 'archived'] },
        'schedule.endAt': { $gt: new Date(now.getTime() - ENDED_WITHIN_MS) },
      },
      { _id: 1, schedule: 1 },
    )
    .lean();
  let written = 0;
  for (const { _id: boardId, schedule } of campaigns) {
    try {
      // An archive's end is a day in the board's timezone (the campaign's): a period ended within
      // the last three days if its last day is on or after the day of three days ago there (a UTC
      // date would be up to a day later west of UTC, and leave out periods not yet three days old).
      const since = dayOf(now.getTime() - RECHECK_MS, schedule.timezone);
      written += await recheckRecentArchives(deps, boardId, since, now);
      const result = await archiveEndedPeriods(deps, boardId, {
        now,
        graceMs: ARCHIVE_GRACE_MS,
        resume: true,
      });
      written += result.created;
    } catch (error) {
      deps.logger.warn({ err: error, boardId }, 'could not archive a board; trying again next pass');
    }
  }
  return written;
}

/** Runs archivePass every `everyMs` (a minute by default) until stopped; a failed pass is tried again next time. */
export function startArchiver(deps: ArchiverDeps, options: { everyMs?: number } = {}): Periodic {
  return runEvery(async () => {
    try {
      const written = await archivePass(deps);
      if (written > 0) deps.logger.info({ written }, 'archived ended periods');
    } catch (error) {
      deps.logger.warn({ err: error }, 'archive pass failed; trying again next interval');
    }
  }, options.everyMs ?? 60_000);
}
