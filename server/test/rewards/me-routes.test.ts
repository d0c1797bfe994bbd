import { type RewardGrantDoc, rewardModels } from '@rallyboard/core/db';
import type { MyRewards } from '@rallyboard/core/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLiveCampaign } from '../../../test/support/campaigns.js';
import { randomId, testConfig } from '../../../test/support/config.js';
import { participantToken } from '../../../test/support/participants.js';
import { seedBoard, startTestServer, type TestServer } from '../../../test/support/stack.js';

/**
 * 我的奖励 marks the codes it shows: a code its holder has seen is retired when its grant is
 * revoked (workers/src/rewards/reconcile.ts), never handed to someone else.
 */
const config = testConfig();
let server: TestServer;
let campaignId: string;
const ann = randomId('p-ann');
const ben = randomId('p-ben');

beforeAll(async () => {
  server = await startTestServer(config);
  campaignId = await seedBoard(config, server.deps.redis, server.deps.mongo, ['alice', 'bob']);
  await createLiveCampaign(server.deps.mongo, campaignId);
  const base = { campaignId, ruleId: 'rrSHOWNRULE1', poolId: 'cpSHOWNPOOL1', grantedAt: new Date() };
  await rewardModels(server.deps.mongo).grants.insertMany([
    {
      ...base,
      _id: 'g-shown-active',
      participantId: ann,
      key: 'day:2026-12-01',
      voteId: 'v-1',
      status: 'active',
      code: 'TEA-A',
    },
    {
      ...base,
      _id: 'g-shown-revoked',
      participantId: ann,
      key: 'day:2026-12-02',
      voteId: 'v-2',
      status: 'revoked',
      code: 'TEA-R',
      revokedAt: new Date(),
    },
    {
      ...base,
      _id: 'g-shown-ben',
      participantId: ben,
      key: 'day:2026-12-01',
      voteId: 'v-3',
      status: 'active',
      code: 'TEA-B',
    },
  ]);
});
afterAll(async () => {
  await server.close();
});

async function myRewards(participantId: string): Promise<MyRewards> {
  const res = await fetch(`${server.url}/api/me/rewards?campaignId=${campaignId}`, {
    headers: { authorization: `Bearer ${await participantToken(config, participantId)}` },
  });
  expect(res.status).toBe(200);
  return (await res.json()) as MyRewards;
}

const shownAt = async (id: string) =>
  (await rewardModels(server.deps.mongo).grants.findById(id).lean<RewardGrantDoc>())?.shownAt;

describe('我的奖励 (GET /api/me/rewards)', () => {
  it("marks the codes it shows as seen, only its reader's and only while their grants stand", async () => {
    expect(await shownAt('g-shown-active')).toBeUndefined();
    const answer = await myRewards(ann);
    expect(answer.grants.find((g) => g.id === 'g-shown-active')?.code).toBe('TEA-A');
    // A revoked grant's code is not shown, nor marked: its code is free to go back to the pool.
    expect(answer.grants.find((g) => g.id === 'g-shown-revoked')?.code).toBeUndefined();
    expect(await shownAt('g-shown-active')).toBeInstanceOf(Date);
    expect(await shownAt('g-shown-revoked')).toBeUndefined();
    // Ben has not looked: his code is not marked by Ann's read.
    expect(await shownAt('g-shown-ben')).toBeUndefined();

    // Read again, the first sight is kept.
    const first = await shownAt('g-shown-active');
    await myRewards(ann);
    expect(await shownAt('g-shown-active')).toEqual(first);
  });

  it('marks only the codes it lists: a code older than the newest 500 grants is not seen', async () => {
    const cy = randomId('p-cy');
    const at = (minutesAgo: number) => new Date(Date.now() - minutesAgo * 60_000);
    const base = { campaignId, ruleId: 'rrSHOWNRULE1', participantId: cy, status: 'active' as const };
    const points = Array.from({ length: 500 }, (_, i) => ({
      ...base,
      _id: `g-cy-points-${i}`,
      key: `vote:${i}`,
      voteId: `v-cy-${i}`,
      points: 1,
      grantedAt: at(i),
    }));
    const oldest = {
      ...base,
      _id: 'g-cy-oldest-code',
      poolId: 'cpSHOWNPOOL1',
      key: 'day:2026-11-01',
      voteId: 'v-cy-old',
      code: 'TEA-OLD',
      grantedAt: at(1_000),
    };
    await rewardModels(server.deps.mongo).grants.insertMany([oldest, ...points]);

    const answer = await myRewards(cy);
    expect(answer.grants).toHaveLength(500);
    expect(answer.grants.some((g) => g.id === oldest._id)).toBe(false);
    // Every active grant's points count, listed or not.
    expect(answer.points).toBe(500);
    // Not listed, so not seen: revoked, its code may go back to the pool.
    expect(await shownAt(oldest._id)).toBeUndefined();
  });
});
