// The benchmark's live campaigns: the path users run. Each is a real campaign in MongoDB, live,
// with the demo's quotas and risk control at its defaults, and its board synced as the campaign
// routes sync it. Its votes are judged by risk control and some are held or rejected, which do not
// move the board's seq: progress on these boards is read from the votes the workers decided.
import { syncBoard } from '@rallyboard/core/campaigns';
import { boardModel, campaignModel } from '@rallyboard/core/db';
import { readVerdictTotals } from '@rallyboard/core/redis';
import type { Ctx } from './context.js';

/** The live campaigns' boards: ingest and latency on `main`, one per worker drain, capacity's. */
export const LIVE_BOARDS = {
  main: 'bench-live',
  capacity: 'bench-live-capacity',
  single: 'bench-live-drain-1',
  batched: 'bench-live-drain-n',
};

/** The demo campaign's quotas (scripts/demo-board.ts): what a host would set. */
export const LIVE_RULES = { votesPerUserPerDay: 20, votesPerUserPerCandidatePerDay: 10 };

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

/** What the workers decided on a board, by verdict. */
export const verdictsOf = (ctx: Pick<Ctx, 'redis' | 'keys'>, boardId: string) =>
  readVerdictTotals(ctx.redis, ctx.keys, boardId);
