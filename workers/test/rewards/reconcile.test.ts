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

describe("a campaign's rewards pass", () => {
  it('keeps its lock while it runs longer than the lock lasts, so the next pass starts after it, not beside it', async () => {
    const deps = { redis: stores.redis, keys, rewards: stores.rewards, ledger: ledgerModel(stores.mongo) };
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
    const deps = { redis: stores.redis, keys, rewards: stores.rewards, ledger: ledgerModel(stores.mongo) };
    const [campaignId, poolId, ruleId, participantId] = [
      randomId('c'),
      `cp${randomId('')}`.slice(0, 12),
      `rr${randomId('')}`.slice(0, 12),
      randomId('p'),
    ];
    const day = '2026-12-07';
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
    // The grant was earned by v1, when the pool was empty; v1 was voided since, and v2 of the same
    // day still counts. A code has come back to the pool.
    const grantId = rewardGrantIdOf(ruleId, participantId, `day:${day}`);
    await stores.rewards.grants.create({
      _id: grantId,
      campaignId,
      ruleId,
      participantId,
      key: `day:${day}`,
      voteId: 'v1',
      status: 'unfilled',
      poolId,
      grantedAt: new Date(),
    } satisfies RewardGrantDoc);
    await deps.ledger.collection.insertOne({
      _id: randomId('v2'),
      boardId: campaignId,
      candidateId: 'alice',
      action: 'vote',
      voterId: participantId,
      verdict: 'counted',
      delta: 1,
      seq: 2,
      day,
      acceptedAt: new Date(),
      decidedAt: new Date(),
    } as never);
    await stockCoupons(stores.redis, keys, poolId, ['CODE-1']);

    await reconcileRewards(deps, campaignId, [participantId]);
    const grant = await stores.rewards.grants.findById(grantId).lean();
    expect(grant).toMatchObject({ status: 'active', code: 'CODE-1' });
    expect(grant?.voteId).not.toBe('v1');
  });
});

describe('participants waiting for a code', () => {
  it('are woken, longest waiting first, when a grant that waited before them is revoked while the pool has a code', async () => {
    const deps = { redis: stores.redis, keys, rewards: stores.rewards, ledger: ledgerModel(stores.mongo) };
    const [campaignId, poolId, ruleId] = [
      randomId('c'),
      `cp${randomId('')}`.slice(0, 12),
      `rr${randomId('')}`.slice(0, 12),
    ];
    const [gone, next] = [randomId('p-gone'), randomId('p-next')];
    const day = '2026-12-07';
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
    // Both waited for a code; the first's vote no longer counts (voided), the second's does.
    const waiting = (participantId: string, at: number): RewardGrantDoc => ({
      _id: rewardGrantIdOf(ruleId, participantId, `day:${day}`),
      campaignId,
      ruleId,
      participantId,
      key: `day:${day}`,
      voteId: randomId('v'),
      status: 'unfilled',
      poolId,
      grantedAt: new Date(at),
    });
    await stores.rewards.grants.insertMany([
      waiting(gone, Date.now() - 2_000),
      waiting(next, Date.now() - 1_000),
    ]);
    await deps.ledger.collection.insertOne({
      _id: randomId('v'),
      boardId: campaignId,
      candidateId: 'alice',
      action: 'vote',
      voterId: next,
      verdict: 'counted',
      delta: 1,
      seq: 1,
      day,
      acceptedAt: new Date(),
      decidedAt: new Date(),
    } as never);
    // One code came; the import woke the one who waited longest, whose grant the pass revokes.
    await stockCoupons(stores.redis, keys, poolId, ['CODE-2']);
    await reconcileRewards(deps, campaignId, [gone]);
    expect(
      await stores.rewards.grants.findById(rewardGrantIdOf(ruleId, gone, `day:${day}`)).lean(),
    ).toMatchObject({ status: 'revoked' });
    // The next in line is woken for the code.
    expect(await rewardMarksOf(stores.redis, keys, campaignId, next)).toBeGreaterThan(0);
    await reconcileRewards(deps, campaignId, [next]);
    expect(
      await stores.rewards.grants.findById(rewardGrantIdOf(ruleId, next, `day:${day}`)).lean(),
    ).toMatchObject({ status: 'active', code: 'CODE-2' });
  });

  it('are not woken by a pass over a grant revoked long ago, whose code went back then', async () => {
    const deps = { redis: stores.redis, keys, rewards: stores.rewards, ledger: ledgerModel(stores.mongo) };
    const [campaignId, poolId] = [randomId('c'), `cp${randomId('')}`.slice(0, 12)];
    const [old, waiter] = [randomId('p-old'), randomId('p-wait')];
    await stores.rewards.pools.create({
      _id: poolId,
      campaignId,
      name: '券',
      perParticipant: 1,
      expiresAt: new Date('2099-01-01T00:00:00Z'),
      createdAt: new Date(),
    });
    await stores.rewards.grants.insertMany([
      {
        _id: randomId('g'),
        campaignId,
        ruleId: 'rrOLD0000001',
        participantId: old,
        key: 'day:2026-12-01',
        voteId: randomId('v'),
        status: 'revoked',
        poolId,
        grantedAt: new Date(Date.now() - 86_400_000),
        revokedAt: new Date(Date.now() - 80_000_000),
      },
      {
        _id: randomId('g'),
        campaignId,
        ruleId: 'rrOLD0000001',
        participantId: waiter,
        key: 'day:2026-12-07',
        voteId: randomId('v'),
        status: 'unfilled',
        poolId,
        grantedAt: new Date(),
      },
    ] satisfies RewardGrantDoc[]);
    await stockCoupons(stores.redis, keys, poolId, ['CODE-3']);
    await reconcileRewards(deps, campaignId, [old]);
    expect(await rewardMarksOf(stores.redis, keys, campaignId, waiter)).toBe(0);
  });

  it('are woken when a pass leaves them waiting while an import stocks the pool beside it', async () => {
    const deps = { redis: stores.redis, keys, rewards: stores.rewards, ledger: ledgerModel(stores.mongo) };
    const [campaignId, poolId, ruleId, participantId] = [
      randomId('c'),
      `cp${randomId('')}`.slice(0, 12),
      `rr${randomId('')}`.slice(0, 12),
      randomId('p'),
    ];
    const day = '2026-12-07';
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
    await deps.ledger.collection.insertOne({
      _id: randomId('v'),
      boardId: campaignId,
      candidateId: 'alice',
      action: 'vote',
      voterId: participantId,
      verdict: 'counted',
      delta: 1,
      seq: 1,
      day,
      acceptedAt: new Date(),
      decidedAt: new Date(),
    } as never);
    // The pool is empty when the pass plans the grant; the host's import lands before its write.
    const insert = stores.rewards.grants.insertMany.bind(stores.rewards.grants);
    const spy = vi.spyOn(stores.rewards.grants, 'insertMany').mockImplementation((async (
      ...args: Parameters<typeof insert>
    ) => {
      await stockCoupons(stores.redis, keys, poolId, ['CODE-4']);
      return insert(...args);
    }) as never);
    try {
      await reconcileRewards(deps, campaignId, [participantId]);
    } finally {
      spy.mockRestore();
    }
    const grant = await stores.rewards.grants
      .findById(rewardGrantIdOf(ruleId, participantId, `day:${day}`))
      .lean();
    expect(grant).toMatchObject({ status: 'unfilled' });
    expect(await rewardMarksOf(stores.redis, keys, campaignId, participantId)).toBeGreaterThan(0);
    await reconcileRewards(deps, campaignId, [participantId]);
    expect(await stores.rewards.grants.findById(grant?._id).lean()).toMatchObject({
      status: 'active',
      code: 'CODE-4',
    });
  });
});
