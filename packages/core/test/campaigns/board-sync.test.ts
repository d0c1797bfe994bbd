import type { Connection } from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLiveCampaign } from '../../../../test/support/campaigns.js';
import { testConfig } from '../../../../test/support/config.js';
import { seedBoard, testRedis } from '../../../../test/support/stack.js';
import { syncBoard } from '../../src/campaigns/board-sync.js';
import { boardModel, connectMongo } from '../../src/db/index.js';
import {
  changeBoardStatus,
  closeRedis,
  createKeys,
  type RedisClient,
  readBoardMeta,
} from '../../src/redis/index.js';

const config = testConfig();
const keys = createKeys(config.keyPrefix);
let redis: RedisClient;
let mongo: Connection;

beforeAll(async () => {
  redis = await testRedis(config, 'command');
  mongo = await connectMongo(config.mongo.uri, 'test');
});
afterAll(async () => {
  await closeRedis(redis);
  await mongo.close();
});

describe("syncing a campaign's board", () => {
  it('adds a candidate while a rebuild holds the board, and leaves a freeze it refuses to the install', async () => {
    const boardId = await seedBoard(config, redis, mongo, ['alice']);
    const campaign = await createLiveCampaign(mongo, boardId, {
      candidateIds: ['alice', 'bob'],
      status: 'frozen',
    });
    await changeBoardStatus(redis, keys, boardId, 'live');
    // The host froze it in MongoDB meanwhile; a rebuild holds the board.
    await redis.set(keys.board(boardId).fence, 'a-rebuild', 'PX', 30_000);
    await syncBoard({ redis, keys, config, boards: boardModel(mongo) }, campaign);
    const meta = await readBoardMeta(redis, keys, boardId);
    expect(meta?.status).toBe('live');
    expect(await redis.sismember(keys.board(boardId).members, 'bob')).toBe(1);
  });
});
