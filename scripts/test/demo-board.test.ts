import { syncBoard } from '@rallyboard/core/campaigns';
import { boardModel, type CampaignDoc, campaignModel, connectMongo } from '@rallyboard/core/db';
import type { CampaignStatus } from '@rallyboard/core/protocol';
import { createKeys, type RedisClient, readBoardMeta } from '@rallyboard/core/redis';
import type { Connection } from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testConfig } from '../../test/support/config.js';
import { eventually, startTestServer, type TestServer, testRedis } from '../../test/support/stack.js';
import { castVote } from '../../test/support/votes.js';
import { DEMO_BOARD, seedDemoBoard } from '../demo-board.js';

const DAY = 86_400_000;
const config = testConfig();
const keys = createKeys(config.keyPrefix);
let mongo: Connection;
let redis: RedisClient;
let server: TestServer;

beforeAll(async () => {
  mongo = await connectMongo(config.mongo.uri, 'test');
  redis = await testRedis(config);
  server = await startTestServer(config, mongo);
});
afterAll(async () => {
  await server.close();
  redis.disconnect();
  await mongo.close();
});

/** Where the demo's last window left it: `status`, its end `endDaysAgo` days back, its board in step (as the workers' end leaves it). */
async function leaveDemo(status: CampaignStatus, endDaysAgo: number): Promise<void> {
  const now = Date.now();
  const campaigns = campaignModel(mongo);
  await campaigns.updateOne(
    { _id: DEMO_BOARD.boardId },
    {
      $set: {
        status,
        schedule: {
          startAt: new Date(now - (30 + endDaysAgo) * DAY),
          endAt: new Date(now - endDaysAgo * DAY),
          timezone: DEMO_BOARD.timezone,
        },
      },
    },
  );
  const campaign = await campaigns.findById(DEMO_BOARD.boardId).lean<CampaignDoc>();
  if (!campaign) throw new Error('no demo campaign');
  await syncBoard({ redis, keys, config, boards: boardModel(mongo) }, campaign);
}

const vote = async () => (await castVote(server, DEMO_BOARD.boardId, 'c01')).status;

describe("npm start's demo campaign, started again after its window", () => {
  it('is live again for 30 days once it has ended, and its board takes votes again', async () => {
    await seedDemoBoard(config);
    expect(await vote()).toBe(202);

    await leaveDemo('ended', 5);
    await eventually(async () => (await vote()) === 409, 5_000, 'the ended demo to refuse votes');

    const again = await seedDemoBoard(config);
    await eventually(async () => (await vote()) === 202, 5_000, 'the renewed demo to take a vote');
    const meta = await readBoardMeta(redis, keys, DEMO_BOARD.boardId);
    expect(meta?.status).toBe('live');
    expect(meta?.endAt).toBeGreaterThan(Date.now() + 29 * DAY);
    // What npm start prints of it.
    expect(again).toMatchObject({ status: 'live', renewed: true, endAt: new Date(meta?.endAt ?? 0) });
  });

  it('is renewed when its end has passed while it still stands live (the workers were down)', async () => {
    await leaveDemo('live', 1);
    const again = await seedDemoBoard(config);
    expect((await readBoardMeta(redis, keys, DEMO_BOARD.boardId))?.endAt).toBeGreaterThan(
      Date.now() + 29 * DAY,
    );
    expect(again).toMatchObject({ status: 'live', renewed: true });
  });

  it('keeps a status a host set while its window runs', async () => {
    await leaveDemo('paused', -3);
    expect(await seedDemoBoard(config)).toMatchObject({ status: 'paused', renewed: false });
    expect((await readBoardMeta(redis, keys, DEMO_BOARD.boardId))?.status).toBe('paused');
  });
});
