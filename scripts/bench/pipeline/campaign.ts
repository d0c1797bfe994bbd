// The benchmark's live campaigns: the path users run. Each is a real campaign in MongoDB, live,
// with the demo's quotas and risk control at its defaults, and its board synced as the campaign
// routes sync it. Its votes are judged by risk control and some are held or rejected, which do not
// move the board's seq: progress on these boards is read from the votes the workers decided.
import { syncBoard } from '@rallyboard/core/campaigns';
import { boardModel, campaignModel } from '@rallyboard/core/db';
import { createReviewQueue } from '@rallyboard/core/queue';
import { readVerdictTotals } from '@rallyboard/core/redis';
import { type Ctx, log, sleep } from './context.js';
import type { ReviewSettle } from './results.js';

/** The live campaigns' boards: ingest and latency on `main`, one per worker drain, capacity's. */
export const LIVE_BOARDS = {
  main: 'bench-live',
  capacity: 'bench-live-capacity',
  single: 'bench-live-drain-1',
  batched: 'bench-live-drain-n',
};

/** The demo campaign's quotas (scripts/demo-board.ts): what a host would set. */
const LIVE_RULES = { votesPerUserPerDay: 20, votesPerUserPerCandidatePerDay: 10 };

/** Writes a live campaign whose id is the board's, then its board, as the campaign routes do. */
export async function seedLiveCampaign(
  ctx: Pick<Ctx, 'redis' | 'mongo' | 'keys' | 'config'>,
  campaignId: string,
  candidateIds: string[],
): Promise<void> {
  const now = Date.now();
  const campaign = await campaignModel(ctx.mongo).create({
    _id: campaignId,
    title: `benchmark ${campaignId}`,
    kind: 'vote',
    members: candidateIds.map((candidateId) => ({ candidateId, name: candidateId })),
    rules: LIVE_RULES,
    visibility: 'public',
    schedule: {
      startAt: new Date(now - 60_000),
      endAt: new Date(now + 86_400_000),
      timezone: 'Asia/Shanghai',
    },
    status: 'live',
    createdBy: 'bench',
  });
  await syncBoard(
    { redis: ctx.redis, keys: ctx.keys, config: ctx.config, boards: boardModel(ctx.mongo) },
    campaign.toObject(),
    // Created live just now: no vote can exist, so its board is registered as a new campaign's.
    { from: 'draft' },
  );
}

/**
 * The votes the workers decided on a board (counted, held or rejected), from the tallies they
 * write after the ledger: on a live campaign, what the board's seq is on a bare board.
 */
export async function decidedOf(ctx: Pick<Ctx, 'redis' | 'keys'>, boardId: string): Promise<number> {
  const totals = await readVerdictTotals(ctx.redis, ctx.keys, boardId);
  return totals.counted + totals.held + totals.rejected;
}

/** The review queue must stay empty this long to be dry: the workers queue a batch's holds after
 * its tallies, and a hold's delayed second pass 2 s after the first. */
const DRY_FOR_MS = 3_000;

/** How long the jobs already running may take to finish once the rest are dropped. */
const ACTIVE_FINISH_MS = 120_000;

/**
 * Waits for the review queue to run dry (the cluster holds risk control queued, each taking back
 * counted votes and writing the ledger), so the next phase does not pay for this one's holds;
 * answers how long that took after the phase's votes were decided. When it is not dry within
 * `timeoutMs`, the jobs not yet started are dropped and those running are waited for: the phases
 * after this one measure their own work, not this one's holds (the run's data is thrown away).
 */
export async function settleReviews(
  ctx: Pick<Ctx, 'redis' | 'keys'>,
  timeoutMs = 180_000,
): Promise<ReviewSettle> {
  const queue = createReviewQueue(ctx.redis, ctx.keys);
  queue.on('error', () => {});
  const started = Date.now();
  let jobs = 0;
  let emptySince: number | undefined;
  const count = async (...states: ('waiting' | 'active' | 'delayed' | 'prioritized')[]) =>
    Object.values(await queue.getJobCounts(...states)).reduce((a, b) => a + b, 0);
  try {
    while (Date.now() - started < timeoutMs) {
      const left = await count('waiting', 'active', 'delayed', 'prioritized');
      jobs = Math.max(jobs, left);
      if (left > 0) emptySince = undefined;
      else emptySince ??= Date.now();
      if (emptySince !== undefined && Date.now() - emptySince >= DRY_FOR_MS)
        return { ms: emptySince - started, settled: true, mostWaiting: jobs };
      await sleep(250);
    }
    const ms = Date.now() - started;
    const dropped = await count('waiting', 'delayed', 'prioritized');
    await queue.drain(true);
    const finishBy = Date.now() + ACTIVE_FINISH_MS;
    while ((await count('active')) > 0 && Date.now() < finishBy) await sleep(250);
    const running = await count('active');
    log(
      `  ! the review queue still had jobs after ${timeoutMs / 1000} s: ${dropped} not started were dropped${running > 0 ? `, ${running} still running` : ''}`,
    );
    return { ms, settled: false, mostWaiting: jobs, dropped, stillRunning: running };
  } finally {
    await queue.close();
  }
}

/** What the workers decided on a board, by verdict. */
export const verdictsOf = (ctx: Pick<Ctx, 'redis' | 'keys'>, boardId: string) =>
  readVerdictTotals(ctx.redis, ctx.keys, boardId);
