import { mongo as driver } from 'mongoose';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { randomId, testConfig } from '../../../../test/support/config.js';
import { connectMongo } from '../../src/db/connection.js';
import {
  insertRewardGrants,
  type RewardGrantDoc,
  type RewardModels,
  rewardModels,
} from '../../src/db/rewards.js';
import { unmetWriteConcern } from './write-concern.js';

const config = testConfig();
let mongo: Awaited<ReturnType<typeof connectMongo>>;
let models: RewardModels;

beforeAll(async () => {
  mongo = await connectMongo(config.mongo.uri, 'test');
  models = rewardModels(mongo);
  await models.grants.init();
});
afterAll(() => mongo.close());

const grant = (campaignId: string): RewardGrantDoc => ({
  _id: randomId('g'),
  campaignId,
  ruleId: 'rr1',
  participantId: randomId('p'),
  key: 'day:2026-12-07',
  voteId: randomId('v'),
  status: 'active',
  points: 5,
  grantedAt: new Date(),
});

describe('insertRewardGrants', () => {
  it('writes new grants and leaves one written already as it is', async () => {
    const campaignId = randomId('c');
    const [kept, fresh] = [grant(campaignId), grant(campaignId)];
    await insertRewardGrants(models, [kept]);
    await insertRewardGrants(models, [{ ...kept, points: 99 }, fresh]);
    const written = await models.grants.find({ campaignId }).sort({ _id: 1 }).lean();
    expect(written.map((g) => [g._id, g.points]).sort()).toEqual(
      [
        [kept._id, 5],
        [fresh._id, 5],
      ].sort(),
    );
  });

  it('throws, for the pass to run again, when the write concern was not met beside a grant already there', async () => {
    const campaignId = randomId('c');
    const [present, fresh] = [grant(campaignId), grant(campaignId)];
    await insertRewardGrants(models, [present]);
    const answered = await unmetWriteConcern(models.grants.collection, [present], [fresh]);
    const insert = vi.spyOn(models.grants.collection, 'insertMany').mockRejectedValue(answered);
    try {
      await expect(insertRewardGrants(models, [present, fresh])).rejects.toBe(answered);
    } finally {
      insert.mockRestore();
    }
  });

  it('throws when the insert failed as a whole, which the driver reports as a bulk error with no write errors', async () => {
    const campaignId = randomId('c');
    const wrapped = new driver.MongoBulkWriteError(new driver.MongoNetworkError('connection reset'), {
      insertedCount: 0,
    } as never);
    const insert = vi.spyOn(models.grants.collection, 'insertMany').mockRejectedValue(wrapped);
    try {
      await expect(insertRewardGrants(models, [grant(campaignId)])).rejects.toBe(wrapped);
    } finally {
      insert.mockRestore();
    }
  });
});
