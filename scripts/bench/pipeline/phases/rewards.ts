// Granting must not slow the vote path: our workers drain the same votes of many voters on
// boards without reward rules and on boards with active rules (points every 3rd vote, a coupon for
// the first of the day), alternated after a warm-up drain, each on a board of its own, in the same
// run. The rewards settle afterwards, timed apart.
import { rewardModels } from '@rallyboard/core/db';
import { stockCoupons } from '@rallyboard/core/redis';
import { type Ctx, log, REWARD_BOARDS } from '../context.js';
import { format as fmt } from '../format.js';
import type { DrainFigures } from '../results.js';
import { batchedVotesPerJob, drainOurs } from './throughput.js';

/** The voters of the drains: each has several votes, so every-3rd and first-of-day both grant. */
const VOTERS = 2_000;

/** Reward rules on the board, as a host's would be (written as the server writes them). */
async function addRules(ctx: Ctx, boardId: string, n: number): Promise<void> {
  const models = rewardModels(ctx.mongo);
  const poolId = `cpbenchpool${n}`;
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
      _id: `rrbenchpnt${n}`,
      name: 'points',
      trigger: { kind: 'every-nth', n: 3 },
      reward: { kind: 'points', points: 1 },
    },
    {
      ...base,
      _id: `rrbenchcpn${n}`,
      name: 'coupon',
      trigger: { kind: 'first-of-day' },
      reward: { kind: 'coupon', poolId },
    },
  ]);
  await ctx.redis.sadd(ctx.keys.rewards.campaigns, boardId);
}

const mean = (drains: DrainFigures[]) => drains.reduce((sum, d) => sum + d.perS, 0) / drains.length;

/**
 * The drains in the order run, each on a board of its own: off, on, on, off, then on, off, off,
 * on. The pattern and its mirror cancel a drift in the rate that is linear or bent in time (the
 * ledger grows, FerretDB slows), which one off, on, on, off did not: its last drain fell by a
 * quarter more than the others and the ratio swung from 0.88x to 1.30x between runs.
 */
const PATTERN = ['off', 'on', 'on', 'off', 'on', 'off', 'off', 'on'] as const;

export async function phaseRewards(ctx: Ctx): Promise<void> {
  const batched = batchedVotesPerJob(ctx);
  const votesPerJob = 'perJob' in batched ? batched.perJob : 20;
  for (const [i, boardId] of REWARD_BOARDS.on.entries()) await addRules(ctx, boardId, i + 1);
  const off: DrainFigures[] = [];
  const on: DrainFigures[] = [];
  const next = { off: [...REWARD_BOARDS.off], on: [...REWARD_BOARDS.on] };
  // Half the pre-fill a drain, so that the nine drains cost about what four did.
  const prefill = ctx.options.prefill;
  ctx.options.prefill = Math.max(1, Math.round(prefill / 2));
  let warmup: DrainFigures;
  try {
    // A warm-up drain goes first and is not counted: a run's first drain was always its fastest
    // (7,449 votes/s, then 4,496 on a fresh board).
    log('ours: without reward rules (warm-up, not counted)');
    [warmup] = await drainOurs(ctx, REWARD_BOARDS.warm, votesPerJob, [], { kind: 'numbered', count: VOTERS });
    for (const step of PATTERN) {
      log(`ours: ${step === 'on' ? 'with' : 'without'} reward rules`);
      const boardId = next[step].shift() as string;
      const [drain] = await drainOurs(ctx, boardId, votesPerJob, [], { kind: 'numbered', count: VOTERS });
      (step === 'on' ? on : off).push(drain);
    }
  } finally {
    ctx.options.prefill = prefill;
  }
  const drained = Date.now();
  const deadline = drained + 600_000;
  while ((await ctx.redis.hlen(ctx.keys.rewards.dirty)) > 0 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  const settleMs = Date.now() - drained;
  const unsettled = await ctx.redis.hlen(ctx.keys.rewards.dirty);
  const grants = await rewardModels(ctx.mongo).grants.countDocuments({
    campaignId: { $in: REWARD_BOARDS.on },
  });
  const ratio = mean(on) / mean(off);
  ctx.results.rewards = {
    votesPerJob,
    voters: VOTERS,
    warmup,
    pattern: [...PATTERN],
    off,
    on,
    ratio,
    settleMs,
    ...(unsettled > 0 ? { unsettled } : {}),
    grants,
  };
  log(
    `  → with rules ${fmt.int(mean(on))} votes/s, without ${fmt.int(mean(off))}: ${ratio.toFixed(2)}×; ${unsettled > 0 ? `${fmt.int(unsettled)} participants not settled after` : 'settled in'} ${fmt.ms(settleMs)}`,
  );
}
