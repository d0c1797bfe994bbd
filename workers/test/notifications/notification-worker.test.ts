import { entryModels, sendIdOf } from '@rallyboard/core/db';
import {
  createNotificationQueue,
  type NotificationJob,
  queueNotificationEvent,
} from '@rallyboard/core/queue';
import { applyVotes, closeRedis, createKeys, type RedisClient, registerBoard } from '@rallyboard/core/redis';
import type { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomId } from '../../../test/support/config.js';
import { eventually, testRedis } from '../../../test/support/stack.js';
import { TEST_TEMPLATES } from '../../../test/support/wechat.js';
import { createNotificationWorker } from '../../src/notifications/notification-worker.js';
import { campaign, campaigns, env, participant, sentTo, subscriber, useNotifyEnv } from './notify-fixture.js';

useNotifyEnv();

let producer: RedisClient;
let connection: RedisClient;
let queue: Queue<NotificationJob>;
let stop: () => Promise<void>;

beforeAll(async () => {
  const keys = createKeys(env.config.keyPrefix);
  [producer, connection] = await Promise.all([
    testRedis(env.config, 'producer'),
    testRedis(env.config, 'worker'),
  ]);
  queue = createNotificationQueue(producer, keys);
  const worker = createNotificationWorker(
    { ...env.deps, campaigns: campaigns(), entries: entryModels(env.mongo), queue },
    connection,
  );
  void worker.run();
  await worker.waitUntilReady();
  stop = async () => {
    await worker.close();
    await queue.close();
    await Promise.all([closeRedis(producer), closeRedis(connection)]);
  };
});
afterAll(() => stop());

const logOf = (campaignId: string, userId: string) =>
  env.models.sends.findById(sendIdOf('results-final', campaignId, userId)).lean();

describe('the notifications worker', () => {
  it('sends the results to every participant holding a grant, once, with the winner, and to nobody else', async () => {
    const doc = await campaign({
      members: [
        { candidateId: 'alice', name: '林小雨' },
        { candidateId: 'bob', name: '陈一鸣' },
      ],
    });
    const campaignId = doc._id;
    await registerBoard(env.redis, env.deps.keys, {
      boardId: campaignId,
      title: doc.title,
      kind: 'vote',
      dailyRetentionDays: 8,
      candidateIds: ['alice', 'bob'],
    });
    const day = new Date().toISOString().slice(0, 10);
    const dayExpiresAt = Math.floor(Date.now() / 1000) + 10 * 86_400;
    await applyVotes(
      env.redis,
      env.deps.keys,
      campaignId,
      ['bob', 'bob', 'alice'].map((candidateId) => ({
        voteId: randomId('v'),
        candidateId,
        action: 'vote' as const,
        day,
        dayExpiresAt,
      })),
      { dedupTtlSeconds: 600, origin: 'test' },
    );
    const fans = await Promise.all([1, 2, 3].map(() => subscriber('results-final', campaignId)));
    // Accepted the start reminder only, and one who accepted nothing here.
    const other = await subscriber('campaign-started', campaignId);
    const stranger = await participant();
    env.fake.state.acceptSubscription(stranger.openid, TEST_TEMPLATES['results-final'].templateId);

    await queueNotificationEvent(queue, { event: 'results-final', campaignId });
    await queueNotificationEvent(queue, { event: 'results-final', campaignId });
    for (const fan of fans) {
      await eventually(
        async () => (await logOf(campaignId, fan.userId))?.status === 'sent',
        10_000,
        fan.userId,
      );
      expect(sentTo(fan.openid).map((m) => m.data)).toEqual([
        {
          thing1: { value: '校园歌手大赛' },
          thing2: { value: '陈一鸣' },
          number3: { value: '2' },
          time4: { value: expect.stringMatching(/^\d{4}年\d{1,2}月\d{1,2}日 \d{2}:\d{2}$/) },
        },
      ]);
    }
    // A second event of the same kind for the campaign changes nothing, and then it is all done.
    const eventJob = () => queue.getJob(`results-final.${campaignId}`);
    await eventually(async () => (await (await eventJob())?.isCompleted()) === true, 10_000, 'fan-out done');
    expect((await eventJob())?.returnvalue).toEqual({ done: 'queued', sends: 3 });
    // Queued again after it ran (the host moves the campaign to ended a second time): it runs
    // again, and nobody hears twice.
    await queueNotificationEvent(queue, { event: 'results-final', campaignId });
    await eventually(
      async () => (await (await eventJob())?.isCompleted()) === true,
      10_000,
      'second fan-out',
    );
    await new Promise((resolve) => setTimeout(resolve, 300));
    for (const fan of fans) expect(sentTo(fan.openid)).toHaveLength(1);
    expect(sentTo(other.openid)).toEqual([]);
    expect(sentTo(stranger.openid)).toEqual([]);
  });
});
