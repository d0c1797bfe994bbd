import { couponCodeId, type RewardGrantDoc, rewardGrantIdOf, rewardModels } from '@rallyboard/core/db';
import { claimCoupon, forgetCouponClaim, stockCoupons } from '@rallyboard/core/redis';
import { describe, expect, it } from 'vitest';
import { randomId } from '../../../test/support/config.js';
import { seedBoard } from '../../../test/support/stack.js';
import { rebuild } from '../../src/recovery/rebuild.js';
import { runRewardPass } from '../../src/rewards/pass.js';
import { reconcileRewards } from '../../src/rewards/reconcile.js';
import { restoreCampaignRewards } from '../../src/rewards/restore.js';
import { loseBoardState, queuedVote } from '../support/deps.js';
import { apply, config, deps, mongo, options, useRebuildDeps } from '../support/rebuild-fixture.js';

// After Redis loses its data the board rebuild (the runbook's fix, docs/operations.md) puts back
// what a campaign's rewards keep only in Redis: the workers' list of campaigns with rules (without
// it no vote of the campaign earns again), the marks of voters not worked out yet, and the coupon
// pools' stock, each code handed out at most once.
useRebuildDeps();

const rewards = () => rewardModels(mongo);
const workerDeps = () => ({ ...deps, rewards: rewards() });
/** One rewards pass as the workers run it, far enough ahead that a backfill is due. */
const pass = () => runRewardPass(workerDeps(), Date.now() + 60_000);
const DAY_CODES = ['TEA-1', 'TEA-2', 'TEA-3', 'TEA-4', 'TEA-5'];

/** A board whose campaign gives a coupon (and points) for each participant's first vote of the day. */
async function couponCampaign(codes = DAY_CODES) {
  const campaignId = await seedBoard(config, deps.redis, mongo, ['alice', 'bob']);
  const poolId = `cp${randomId('').replace(/[^A-Za-z0-9]/g, '')}`.slice(0, 12);
  await rewards().pools.create({
    _id: poolId,
    campaignId,
    name: '奶茶券',
    perParticipant: 1,
    expiresAt: new Date('2099-01-01T00:00:00Z'),
    createdAt: new Date(),
  });
  await rewards().codes.insertMany(
    codes.map((code) => ({ _id: couponCodeId(poolId, code), poolId, code, importedAt: new Date() })),
  );
  await stockCoupons(deps.redis, deps.keys, poolId, codes);
  const ruleId = randomId('rr');
  const rule = (_id: string, reward: Record<string, unknown>) => ({
    _id,
    campaignId,
    name: _id,
    trigger: { kind: 'first-of-day' },
    reward,
    enabled: true,
    createdAt: new Date(),
    createdBy: 'h-test',
  });
  await rewards().rules.insertMany([
    rule(ruleId, { kind: 'coupon', poolId }),
    rule(randomId('rr'), { kind: 'points', points: 5 }),
  ]);
  await deps.redis.sadd(deps.keys.rewards.campaigns, campaignId);
  const vote = async (participantId: string) => {
    const item = { boardId: campaignId, vote: queuedVote('alice', { voterId: participantId }) };
    await apply([item]);
    return item.vote.voteId;
  };
  const couponOf = async (participantId: string) =>
    (await rewards().grants.find({ campaignId, ruleId, participantId }).lean<RewardGrantDoc[]>())[0];
  const pool = deps.keys.rewards.couponPool(poolId);
  const stock = async () => ({
    free: (await deps.redis.lrange(pool.free, 0, -1)).sort(),
    claims: await deps.redis.hgetall(pool.claims),
  });
  return { campaignId, poolId, ruleId, vote, couponOf, stock };
}

/** Redis loses everything it held of the campaign: its board, its rewards, its pool. */
async function loseRedis(campaignId: string, poolId: string) {
  await loseBoardState(deps.redis, deps.keys, campaignId);
  const { rewards: keys } = deps.keys;
  const { free, claims } = keys.couponPool(poolId);
  // One key at a time: on a Redis Cluster they are in different slots.
  for (const key of [keys.campaigns, keys.dirty, keys.pending, keys.backfill, free, claims])
    await deps.redis.del(key);
}

describe('a rebuild after Redis lost its data', () => {
  it("lists the campaign's rules again, restores its coupon stock, and works out the voters it had not yet", async () => {
    const { campaignId, poolId, vote, couponOf, stock } = await couponCampaign();
    const [ann, ben, cat, dan] = ['ann', 'ben', 'cat', 'dan'].map((p) => randomId(`p-${p}`)) as [
      string,
      string,
      string,
      string,
    ];
    const annVote = await vote(ann);
    await vote(ben);
    const catVote = await vote(cat);
    await reconcileRewards(workerDeps(), campaignId, [ann, ben, cat]);
    // ben's code redeemed at the counter; cat saw hers, and her vote was voided since: retired.
    const benCoupon = await couponOf(ben);
    await rewards().grants.updateOne({ _id: benCoupon?._id ?? '' }, { $set: { redeemedAt: new Date() } });
    await forgetCouponClaim(deps.redis, deps.keys, poolId, benCoupon?._id ?? '');
    await rewards().grants.updateOne(
      { _id: (await couponOf(cat))?._id ?? '' },
      { $set: { shownAt: new Date() } },
    );
    await deps.ledger.updateOne(
      { _id: catVote },
      { $set: { review: { state: 'voided', at: new Date(), by: 'h' } } },
    );
    await reconcileRewards(workerDeps(), campaignId, [cat]);
    // dan's vote is counted and marked; Redis goes before a pass works it out.
    await vote(dan);
    const annCode = (await couponOf(ann))?.code ?? '';
    const spent = new Set([annCode, benCoupon?.code, (await couponOf(cat))?.code]);
    const left = DAY_CODES.filter((code) => !spent.has(code));
    expect(await stock()).toMatchObject({ free: left });

    await loseRedis(campaignId, poolId);
    const report = await rebuild(deps, campaignId, options());
    expect(await deps.redis.sismember(deps.keys.rewards.campaigns, campaignId)).toBe(1);
    expect(await stock()).toEqual({ free: left, claims: { [(await couponOf(ann))?._id ?? '']: annCode } });
    expect(report.rewards).toEqual({ rules: 2, pools: 1, claims: 1, restocked: 2, removed: 0 });

    // The rewards pass backfills the campaign: dan gets the day's coupon, one of the codes left.
    await pass();
    const danCoupon = await couponOf(dan);
    expect(danCoupon).toMatchObject({ status: 'active' });
    expect(left).toContain(danCoupon?.code);
    // ann's vote voided: her code (never shown) goes back to the pool, its claim restored.
    await deps.ledger.updateOne(
      { _id: annVote },
      { $set: { review: { state: 'voided', at: new Date(), by: 'h' } } },
    );
    await reconcileRewards(workerDeps(), campaignId, [ann]);
    expect((await stock()).free).toEqual(
      [...left.filter((code) => code !== danCoupon?.code), annCode].sort(),
    );
  });
});

describe('a rebuild on a Redis that lost nothing', () => {
  it('hands no code out twice, and stocks the codes an import wrote without stocking them', async () => {
    const { campaignId, poolId, stock } = await couponCampaign(['TEA-1', 'TEA-2', 'TEA-3']);
    // A pass claimed a code for a grant it has not saved yet.
    const claimed = await claimCoupon(deps.redis, deps.keys, poolId, rewardGrantIdOf('rr-x', 'p-x', 'day:1'));
    // An import died after writing a code to MongoDB, before stocking it.
    await rewards().codes.create({
      _id: couponCodeId(poolId, 'TEA-9'),
      poolId,
      code: 'TEA-9',
      importedAt: new Date(),
    });
    const before = await stock();

    const report = await rebuild(deps, campaignId, options());
    expect(await stock()).toEqual({ free: [...before.free, 'TEA-9'].sort(), claims: before.claims });
    expect(before.free).not.toContain(claimed);
    expect(report.rewards).toMatchObject({ claims: 0, restocked: 1, removed: 0 });
    // Run again, it changes nothing.
    await rebuild(deps, campaignId, options());
    expect(await stock()).toEqual({ free: [...before.free, 'TEA-9'].sort(), claims: before.claims });
  });

  it("puts the campaign's voters in line as it lists it, however long it waited for its locks", async () => {
    const { campaignId } = await couponCampaign();
    // An import holds the campaign's lock for two seconds.
    await deps.redis.set(deps.keys.campaignLock(campaignId), 'an-import', 'PX', 2_000);
    await restoreCampaignRewards(workerDeps(), campaignId);
    const listedAt = Date.now();
    const entries = await deps.redis.zrange(deps.keys.rewards.backfill, '0', '-1', 'WITHSCORES');
    const dueFrom = entries.flatMap((entry, i) =>
      i % 2 === 0 && entry.startsWith(`${campaignId} `) ? [Number(entries[i + 1])] : [],
    );
    // Due a few seconds from its listing, when every worker has read the list, never before it.
    expect(dueFrom).toHaveLength(1);
    expect(dueFrom[0]).toBeGreaterThan(listedAt - 500);
  });
});
