import { rewardModels } from '@rallyboard/core/db';
import type { LotteryView } from '@rallyboard/core/protocol';
import { afterAll, beforeAll, expect } from 'vitest';
import { createLiveCampaign } from '../../../test/support/campaigns.js';
import { randomId, testConfig } from '../../../test/support/config.js';
import { startTestServer, type TestServer } from '../../../test/support/stack.js';
import { call, createTestHost, type TestHost } from '../support/hosts.js';

/**
 * What the lottery tests share (they were one file, rewards/lotteries.test.ts): each test file's
 * own server and host, a campaign in a status, a lottery added to it, and reward rules.
 */
const config = testConfig();
export let server: TestServer;
export let host: TestHost;

/** Starts the file's server and host before its tests and closes it after. */
export function useLotteryServer(): void {
  beforeAll(async () => {
    server = await startTestServer(config);
    host = await createTestHost(server);
  });
  afterAll(async () => {
    await server.close();
  });
}

export const asHost = <T>(method: string, path: string, body?: unknown) =>
  call<T>(server, host.token, method, path, body);

export async function campaignIn(status: 'scheduled' | 'live' | 'ended'): Promise<string> {
  const campaignId = randomId('c');
  await createLiveCampaign(server.deps.mongo, campaignId, { createdBy: host.id, status });
  return campaignId;
}

export const lottery = { name: '幸运抽奖', prizes: [{ name: '一等奖', count: 2 }], perParticipant: 1 };

export async function addLottery(campaignId: string): Promise<LotteryView> {
  const created = await asHost<LotteryView>('POST', `/api/campaigns/${campaignId}/lotteries`, lottery);
  expect(created.status).toBe(201);
  return created.body;
}

/** A campaign with a lottery added before it started, ended since, and how to draw it. */
export async function endedWithLottery() {
  const campaignId = await campaignIn('scheduled');
  const added = await addLottery(campaignId);
  await server.deps.mongo
    .collection('campaigns')
    .updateOne({ _id: campaignId as never }, { $set: { status: 'ended' } });
  const draw = () => asHost<LotteryView>('POST', `/api/campaigns/${campaignId}/lotteries/${added.id}/draw`);
  return { campaignId, added, draw };
}

/** A reward rule of the campaign, as the server adds it: the campaign on the workers' list too. */
export async function addRule(campaignId: string, fields: Record<string, unknown>) {
  await server.deps.redis.sadd(server.deps.keys.rewards.campaigns, campaignId);
  return rewardModels(server.deps.mongo).rules.create({
    _id: randomId('rr'),
    campaignId,
    enabled: true,
    createdAt: new Date(),
    createdBy: host.id,
    ...fields,
  });
}
