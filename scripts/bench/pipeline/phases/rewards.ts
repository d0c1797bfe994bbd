// Granting must not slow the vote path: our workers drain the same votes of many voters on a
// board without reward rules and on one with active rules (points every 3rd vote, a coupon for
// the first of the day), alternated, in the same run. The rewards settle afterwards, timed apart.
import { rewardModels } from '@rallyboard/core/db';
import { stockCoupons } from '@rallyboard/core/redis';
import { BOARDS, type Ctx, log } from '../context.js';
import { format as fmt } from '../format.js';
import type { DrainFigures } from '../results.js';
import { batchedVotesPerJob, drainOurs } from './throughput.js';

/** The voters of the drains: each has several votes, so every-3rd and first-of-day both grant. */
const VOTERS = 2_000;

/** Reward rules on the board, as a host's would be (written as the server writes them). */
async function addRules(ctx: Ctx, boardId: string): Promise<void> {
  const models = rewardModels(ctx.mongo);
  const poolId = 'cpbenchpool1';
  await models.pools.create({
    _id: poolId,
    campaignId: boardId,
    name: 'bench',
    perParticipant: 1,
    expiresAt: new Date(Date.now() + 86_400_000),
    createdAt: new Date(),
  });
  const codes = Array.from({ length: VOTERS }, (_, i) => `BENCH-${i}`);
  await models.codes.insertMany(
    codes.map((code) => ({ _id: `${poolId}:${code}`, poolId, code, importedAt: new Date() })),
  );
  await stockCoupons(ctx.redis, ctx.keys, poolId, codes);
  const base = { campaignId: boardId, enabled: true, createdAt: new Date(), createdBy: 'bench' };
  await models.rules.create([
    {
      ...base,
      _id: 'rrbenchpoint',
      name: 'points',
      trigger: { kind: 'every-nth', n: 3 },
      reward: { kind: 'points', points: 1 },
    },
    {
      ...base,
      _id: 'rrbenchcoupn',
      name: 'coupon',
      trigger: { kind: 'first-of-day' },
      reward: { kind: 'coupon', poolId },
    },
  ]);
  await ctx.redis.sadd(ctx.keys.rewards.campaigns, boardId);
}

const mean = (drains: DrainFigures[]) => drains.reduce((sum, d) => sum + d.perS, 0) / drains.length;

export async function phaseRewards(ctx: Ctx): Promise<void> {
  const batched = batchedVotesPerJob(ctx);
  const votesPerJob = 'perJob' in batched ? batched.perJob : 20;
  await addRules(ctx, BOARDS.rewardsOn);
  const off: DrainFigures[] = [];
  const on: DrainFigures[] = [];
  for (const withRules of [false, true, true, false]) {
    log(`ours: ${withRules ? 'with' : 'without'} reward rules`);
    const [drain] = await drainOurs(ctx, withRules ? BOARDS.rewardsOn : BOARDS.rewardsOff, votesPerJob, [], {
      kind: 'numbered',
      count: VOTERS,
    });
    (withRules ? on : off).push(drain);
  }
  const drained = Date.now();
  const deadline = drained + 600_000;
  while ((await ctx.redis.hlen(ctx.keys.rewards.dirty)) > 0 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  const settleMs = Date.now() - drained;
  const grants = await rewardModels(ctx.mongo).grants.countDocuments({ campaignId: BOARDS.rewardsOn });
  const ratio = mean(on) / mean(off);
  ctx.results.rewards = { votesPerJob, voters: VOTERS, off, on, ratio, settleMs, grants };
  log(
    `  → with rules ${fmt.int(mean(on))} votes/s, without ${fmt.int(mean(off))}: ${ratio.toFixed(2)}×; settled in ${fmt.ms(settleMs)}`,
  );
}
