import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomId, testConfig } from '../../../../test/support/config.js';
import { testRedis } from '../../../../test/support/stack.js';
import type { RedisClient } from '../../src/redis/connection.js';
import { closeRedis, createKeys, readIngestRate, tallyIngest } from '../../src/redis/index.js';

const config = testConfig();
const keys = createKeys(config.keyPrefix);
let redis: RedisClient;

beforeAll(async () => {
  redis = await testRedis(config);
});
afterAll(() => closeRedis(redis));

describe("ingest's votes per second", () => {
  it('tallies one batch of votes for many boards, each board on its own, whichever master holds it', async () => {
    // Eight boards: on a Redis Cluster of three masters, their hash tags all but surely span masters.
    const boards = Array.from({ length: 8 }, () => randomId('b'));
    const now = Date.now();
    const second = Math.floor(now / 1_000) * 1_000 - 5_000;
    const votes = boards.flatMap((boardId, i) =>
      Array.from({ length: i + 1 }, () => ({ boardId, acceptedAt: second + 10 })),
    );
    await tallyIngest(redis, keys, votes);

    for (const [i, boardId] of boards.entries()) {
      const rate = await readIngestRate(redis, keys, boardId, now, 10);
      expect(rate.find((s) => s.at === second)?.votes).toBe(i + 1);
      expect(rate.reduce((sum, s) => sum + s.votes, 0)).toBe(i + 1);
    }
  });
});
