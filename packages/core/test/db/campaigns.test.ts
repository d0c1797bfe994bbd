import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomId, testConfig } from '../../../../test/support/config.js';
import { testRedis } from '../../../../test/support/stack.js';
import {
  type CampaignModel,
  type CampaignSerializer,
  campaignModel,
  transitionCampaign,
} from '../../src/db/campaigns.js';
import { connectMongo } from '../../src/db/connection.js';
import type { CampaignStatus } from '../../src/protocol/campaigns.js';
import { AppError } from '../../src/protocol/errors.js';
import { closeRedis, type RedisClient } from '../../src/redis/connection.js';
import { createKeys } from '../../src/redis/keys.js';
import { withLock } from '../../src/redis/lock.js';

const config = testConfig();
let mongo: Awaited<ReturnType<typeof connectMongo>>;
let campaigns: CampaignModel;
// Two connections: two processes taking turns through Redis.
let redisA: RedisClient;
let redisB: RedisClient;
const keys = createKeys(config.keyPrefix);
const lockOn =
  (redis: RedisClient): CampaignSerializer =>
  (campaignId, work) =>
    withLock(redis, keys.campaignLock(campaignId), work);

beforeAll(async () => {
  mongo = await connectMongo(config.mongo.uri, 'test');
  campaigns = campaignModel(mongo);
  await campaigns.init();
  [redisA, redisB] = await Promise.all([testRedis(config), testRedis(config)]);
});
afterAll(async () => {
  await Promise.all([closeRedis(redisA), closeRedis(redisB)]);
  await mongo.close();
});

const move = (id: string, to: CampaignStatus, redis: RedisClient = redisA) =>
  transitionCampaign(campaigns, lockOn(redis), id, to);

async function draft(): Promise<string> {
  const id = randomId('camp');
  await campaigns.create({
    _id: id,
    title: '年度人气之星',
    kind: 'vote',
    members: [{ candidateId: 'c01', name: '林小夏' }],
    schedule: {
      startAt: new Date('2026-12-01T02:00:00Z'),
      endAt: new Date('2026-12-08T14:00:00Z'),
      timezone: 'Asia/Shanghai',
    },
    visibility: 'public',
    rules: { votesPerUserPerDay: 5 },
    createdBy: 'host-1',
  });
  return id;
}

const codeOf = async (work: Promise<unknown>) => {
  try {
    await work;
    return 'ok';
  } catch (error) {
    return error instanceof AppError ? error.code : String(error);
  }
};

describe('transitionCampaign', () => {
  it('starts a campaign as a draft and moves it along its life, answering before and after', async () => {
    const id = await draft();
    expect((await campaigns.findById(id).lean())?.status).toBe('draft');
    expect(await move(id, 'scheduled')).toEqual({
      before: 'draft',
      after: 'scheduled',
    });
    expect(await move(id, 'live')).toEqual({ before: 'scheduled', after: 'live' });
    expect((await campaigns.findById(id).lean())?.status).toBe('live');
  });

  it('refuses a move the lifecycle does not allow, leaving the status as it was', async () => {
    const id = await draft();
    expect(await codeOf(move(id, 'ended'))).toBe('INVALID_TRANSITION');
    expect((await campaigns.findById(id).lean())?.status).toBe('draft');
  });

  it('answers CAMPAIGN_NOT_FOUND for a campaign that does not exist', async () => {
    expect(await codeOf(move(randomId('none'), 'scheduled'))).toBe('CAMPAIGN_NOT_FOUND');
  });

  it('judges the second of two racing moves from the status the first left', async () => {
    const id = await draft();
    await move(id, 'scheduled');
    await move(id, 'live');
    // live → frozen and live → paused from two processes: if frozen lands first, paused is
    // refused (frozen → paused is not a move); if paused lands first, frozen follows it.
    const [frozen, paused] = await Promise.all([
      codeOf(move(id, 'frozen', redisA)),
      codeOf(move(id, 'paused', redisB)),
    ]);
    // Either order ends frozen; paused counts only if it went first.
    expect((await campaigns.findById(id).lean())?.status).toBe('frozen');
    expect(frozen).toBe('ok');
    expect(['ok', 'INVALID_TRANSITION']).toContain(paused);
  });

  it('never applies both of two racing identical moves', async () => {
    const id = await draft();
    const outcomes = await Promise.all(
      Array.from({ length: 6 }, (_, i) => codeOf(move(id, 'scheduled', i % 2 === 0 ? redisA : redisB))),
    );
    expect(outcomes.filter((o) => o === 'ok')).toHaveLength(1);
    expect(outcomes.filter((o) => o === 'INVALID_TRANSITION')).toHaveLength(5);
  });
});
