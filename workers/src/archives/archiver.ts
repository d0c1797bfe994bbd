import { archiveEndedPeriods, type CampaignModel } from '@rallyboard/core/db';
import type { WorkerDeps } from '../deps.js';

export interface ArchiverDeps extends Pick<WorkerDeps, 'logger' | 'ledger' | 'boards' | 'archives'> {
  campaigns: CampaignModel;
}

/** How long after a period ends its archive is written: votes accepted before the end are counted by then. */
export const ARCHIVE_GRACE_MS = 10 * 60_000;
/** Campaigns ended longer ago than this have nothing left to archive: their last month has ended too. */
const ENDED_WITHIN_MS = 40 * 86_400_000;

/**
 * One pass: the ended periods of every campaign that takes or took votes recently, archived from
 * the ledger (archiveEndedPeriods). A board is looked at again only once its day has changed
 * since its last complete pass (`done`, kept by the caller): nothing ends in between.
 * @returns the archives created
 */
export async function archivePass(
  deps: ArchiverDeps,
  done: Map<string, string>,
  now = new Date(),
): Promise<number> {
  const campaigns = await deps.campaigns
    .find(
      {
        status: { $in: ['live', 'paused', 'frozen', 'ended'] },
        'schedule.endAt': { $gt: new Date(now.getTime() - ENDED_WITHIN_MS) },
      },
      { _id: 1 },
    )
    .lean();
  let created = 0;
  for (const { _id: boardId } of campaigns) {
    const seen = done.get(boardId);
    const result = await archiveEndedPeriods(deps, boardId, {
      now,
      graceMs: ARCHIVE_GRACE_MS,
      ...(seen === undefined ? {} : { skipIfToday: seen }),
    });
    created += result.created;
    done.set(boardId, result.today);
  }
  return created;
}

export interface Archiver {
  stop(): Promise<void>;
}

/** Runs archivePass every `everyMs` (a minute by default) until stopped; a failed pass is tried again next time. */
export function startArchiver(deps: ArchiverDeps, options: { everyMs?: number } = {}): Archiver {
  const everyMs = options.everyMs ?? 60_000;
  const done = new Map<string, string>();
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();
  const pass = async () => {
    try {
      const created = await archivePass(deps, done);
      if (created > 0) deps.logger.info({ created }, 'archived ended periods');
    } catch (error) {
      deps.logger.warn({ err: error }, 'archive pass failed; trying again next interval');
    }
  };
  const tick = () => {
    running = pass().finally(() => {
      if (!stopped) timer = setTimeout(tick, everyMs);
    });
  };
  tick();
  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
