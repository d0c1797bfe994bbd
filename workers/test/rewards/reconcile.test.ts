import { ledgerModel, type RewardGrantDoc, rewardGrantIdOf } from '@rallyboard/core/db';
import { createKeys, rewardMarksOf, stockCoupons } from '@rallyboard/core/redis';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { randomId, testConfig } from '../../../test/support/config.js';
import { reconcileRewards } from '../../src/rewards/reconcile.js';
import { openRewardStores } from '../support/deps.js';

const config = testConfig();
const keys = createKeys(config.keyPrefix);
let stores: Awaited<ReturnType<typeof openRewardStores>>;
beforeAll(async () => {
  stores = await openRewardStores(config);
});
afterAll(() => stores.close());

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const DAY = '2026-12-07';
const depsOf = () => ({
  redis: stores.redis,
  keys,
  rewards: stores.rewards,
  ledger: ledgerModel(stores.mongo),
});

/** A campaign with an empty coupon pool and a rule giving one of its codes for the first vote of each day. */
async function couponCampaign() {
  const [campaignId, poolId, ruleId] = [
    randomId('c'),
    `cp${randomId('')}`.slice(0, 12),
    `rr${randomId('')}`.slice(0, 12),
  ];
  await stores.rewards.pools.create({
    _id: poolId,
    campaignId,
    name: '券',
    perParticipant: 1,
    expiresAt: new Date('2099-01-01T00:00:00Z'),
    createdAt: new Date(),
  });
  await stores.rewards.rules.create({
    _id: ruleId,
    campaignId,
    name: '每日领券',
    trigger: { kind: 'first-of-day' },
    reward: { kind: 'coupon', poolId },
    enabled: true,
    createdAt: new Date(),
    createdBy: 'h-1',
  });
  /** The participant's grant of the rule for DAY, waiting for a code since `at`. */
  const waiting = (
    participantId: string,
    at = Date.now(),
    fields: Partial<RewardGrantDoc> = {},
  ): RewardGrantDoc => ({
    _id: rewardGrantIdOf(ruleId, participantId, `day:${DAY}`),
    campaignId,
    ruleId,
    participantId,
    key: `day:${DAY}`,
    voteId: randomId('v'),
    status: 'unfilled',
    poolId,
    grantedAt: new Date(at),
    ...fields,
  });
  /** A counted vote of the participant on DAY, on the ledger. */
  const counted = (participantId: string) =>
    ledgerModel(stores.mongo).collection.insertOne({
      _id: randomId('v'),
      boardId: campaignId,
      candidateId: 'alice',
      action: 'vote',
      voterId: participantId,
      verdict: 'counted',
      delta: 1,
      seq: 1,
      day: DAY,
      acceptedAt: new Date(),
      decidedAt: new Date(),
    } as never);
  const grantOf = (participantId: string) =>
    stores.rewards.grants.findById(rewardGrantIdOf(ruleId, participantId, `day:${DAY}`)).lean();
  return { campaignId, poolId, waiting, counted, grantOf };
}

describe("a campaign's rewards pass", () => {
  it('keeps its lock while it runs longer than the lock lasts, so the next pass starts after it, not beside it', async () => {
    const deps = depsOf();
    const campaignId = randomId('c');
    const events: string[] = [];
    const find = stores.rewards.rules.find.bind(stores.rewards.rules);
    let calls = 0;
    // The first pass's read of the rules is slow (a store under load): three times the lock's life.
    const rules = vi.spyOn(stores.rewards.rules, 'find').mockImplementation(((filter: object) => {
      calls++;
      if (calls === 1) {
        events.push('first pass reads');
        return {
          sort: () => ({
            lean: async () => {
              await sleep(900);
              events.push('first pass read');
              return [];
            },
          }),
        };
      }
      events.push('second pass reads');
      return find(filter);
    }) as never);
    try {
      const first = reconcileRewards(deps, campaignId, ['p-1'], { lockTtlMs: 300 });
      await sleep(50);
      const second = reconcileRewards(deps, campaignId, ['p-2'], { lockTtlMs: 300 });
      await Promise.all([first, second]);
    } finally {
      rules.mockRestore();
    }
    expect(events).toEqual(['first pass reads', 'first pass read', 'second pass reads']);
  });
});

describe('a coupon grant waiting for a code', () => {
  it('is filled in the same pass that moves it onto another counted vote of its day', async () => {
    const { campaignId, poolId, waiting, counted, grantOf } = await couponCampaign();
    const participantId = randomId('p');
    // The grant was earned by v1 when the pool was empty; v1 was voided since, and another vote of
    // the same day still counts. A code has come back to the pool.
    await stores.rewards.grants.create(waiting(participantId, Date.now(), { voteId: 'v1' }));
    await counted(participantId);
    await stockCoupons(stores.redis, keys, poolId, ['CODE-1']);

    await reconcileRewards(depsOf(), campaignId, [participantId]);
    const grant = await grantOf(participantId);
    expect(grant).toMatchObject({ status: 'active', code: 'CODE-1' });
    expect(grant?.voteId).not.toBe('v1');
  });
});

describe('participants waiting for a code', () => {
  it('are woken, longest waiting first, when a grant that waited before them is revoked while the pool has a code', async () => {
    const { campaignId, poolId, waiting, counted, grantOf } = await couponCampaign();
    const [gone, next] = [randomId('p-gone'), randomId('p-next')];
    // Both waited for a code; the first's vote no longer counts (voided), the second's does.
    await stores.rewards.grants.insertMany([
      waiting(gone, Date.now() - 2_000),
      waiting(next, Date.now() - 1_000),
    ]);
    await counted(next);
    // One code came; the import woke the one who waited longest, whose grant the pass revokes.
    await stockCoupons(stores.redis, keys, poolId, ['CODE-2']);
    await reconcileRewards(depsOf(), campaignId, [gone]);
    expect(await grantOf(gone)).toMatchObject({ status: 'revoked' });
    // The next in line is woken for the code.
    expect(await rewardMarksOf(stores.redis, keys, campaignId, next)).toBeGreaterThan(0);
    await reconcileRewards(depsOf(), campaignId, [next]);
    expect(await grantOf(next)).toMatchObject({ status: 'active', code: 'CODE-2' });
  });

  it('are not woken by a pass over a grant revoked long ago, whose code went back then', async () => {
    const { campaignId, poolId, waiting } = await couponCampaign();
    const [old, waiter] = [randomId('p-old'), randomId('p-wait')];
    const dayAgo = Date.now() - 86_400_000;
    await stores.rewards.grants.insertMany([
      waiting(old, dayAgo, { status: 'revoked', revokedAt: new Date(dayAgo + 60_000) }),
      waiting(waiter),
    ]);
    await stockCoupons(stores.redis, keys, poolId, ['CODE-3']);
    await reconcileRewards(depsOf(), campaignId, [old]);
    expect(await rewardMarksOf(stores.redis, keys, campaignId, waiter)).toBe(0);
  });

  it('are woken when a pass leaves them waiting while an import stocks the pool beside it', async () => {
    const { campaignId, poolId, counted, grantOf } = await couponCampaign();
    const participantId = randomId('p');
    await counted(participantId);
    // The pool is empty when the pass plans the grant; the host's import lands before its write.
    const insert = stores.rewards.grants.insertMany.bind(stores.rewards.grants);
    const spy = vi.spyOn(stores.rewards.grants, 'insertMany').mockImplementation((async (
      ...args: Parameters<typeof insert>
    ) => {
      await stockCoupons(stores.redis, keys, poolId, ['CODE-4']);
      return insert(...args);
    }) as never);
    try {
      await reconcileRewards(depsOf(), campaignId, [participantId]);
    } finally {
      spy.mockRestore();
    }
    expect(await grantOf(participantId)).toMatchObject({ status: 'unfilled' });
    expect(await rewardMarksOf(stores.redis, keys, campaignId, participantId)).toBeGreaterThan(0);
    await reconcileRewards(depsOf(), campaignId, [participantId]);
    expect(await grantOf(participantId)).toMatchObject({ status: 'active', code: 'CODE-4' });
  });
});
