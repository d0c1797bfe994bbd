import { campaignModel, connectMongo } from '@rallyboard/core/db';
import {
  closeRedis,
  createKeys,
  likeWeight,
  type RedisClient,
  readInterests,
  recordInterests,
} from '@rallyboard/core/redis';
import { Cluster } from 'ioredis';
import type { Connection } from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRecommender } from '../../server/src/recommendations/service.js';
import { randomId, testConfig } from '../support/config.js';
import { testRedis } from '../support/stack.js';

// Runs in the cluster tier only (vitest.cluster.config.ts): interests and recommendations on a
// Redis Cluster, whose pipelines keep to one hash slot.
const config = testConfig();
const keys = createKeys(config.keyPrefix);
let redis: RedisClient;
let mongo: Connection;

beforeAll(async () => {
  redis = await testRedis(config);
  if (!(redis instanceof Cluster))
    throw new Error(`the cluster tier runs on a Redis Cluster, not ${config.redis.url}`);
  mongo = await connectMongo(config.mongo.uri, 'test');
});
afterAll(async () => {
  await closeRedis(redis);
  await mongo.close();
});

describe('interests on a Redis Cluster', () => {
  it("are recorded for many participants at once, each one's keys in one slot", async () => {
    const participants = Array.from({ length: 24 }, (_, i) => randomId(`p-cl${i}`));
    // The naive way, one pipeline for all, is what a cluster refuses.
    const naive = redis.pipeline();
    for (const p of participants) naive.zincrby(keys.interests.of(p), 1, '摄影');
    await expect(naive.exec()).rejects.toThrow();
    await recordInterests(
      redis,
      keys,
      participants.map((participantId, i) => ({
        participantId,
        touched: [`c-cluster alice${i}`],
        weights: new Map([['摄影', likeWeight(Date.now())]]),
      })),
    );
    for (const [i, p] of participants.entries()) {
      const { interests, touched } = await readInterests(redis, keys, p);
      expect(interests.get('摄影')).toBe(1);
      expect([...touched]).toEqual([`c-cluster alice${i}`]);
    }
  });

  it('are read with the counts of campaigns of many slots for recommendations', async () => {
    const campaigns = campaignModel(mongo);
    for (const i of [1, 2, 3]) {
      await campaigns.create({
        _id: randomId('c'),
        title: `cluster ${i}`,
        kind: 'like',
        members: [{ candidateId: 'alice', name: 'alice', tags: ['摄影'] }],
        schedule: {
          startAt: new Date(),
          endAt: new Date(Date.now() + 86_400_000),
          timezone: 'Asia/Shanghai',
        },
        visibility: 'public',
        rules: {},
        status: 'live',
        createdBy: 'h-test',
      });
    }
    const recommend = createRecommender({ mongo, redis, keys, now: Date.now });
    const picks = await recommend(randomId('p-newcomer'), 50);
    expect(picks.candidates.filter((c) => c.name === 'alice').length).toBeGreaterThanOrEqual(3);
  });
});
