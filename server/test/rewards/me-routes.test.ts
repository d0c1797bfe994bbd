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
});
