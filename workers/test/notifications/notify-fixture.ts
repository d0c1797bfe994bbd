import type { Config } from '@rallyboard/core/config';
import {
  type CampaignDoc,
  campaignModel,
  connectMongo,
  grantIdOf,
  type NotificationModels,
  notificationModels,
  participantModel,
  recordGrant,
  recordLogin,
  sendIdOf,
} from '@rallyboard/core/db';
import { createLogger } from '@rallyboard/core/logger';
import type { NotificationEvent } from '@rallyboard/core/protocol';
import type { NotificationSendJob } from '@rallyboard/core/queue';
import { closeRedis, createKeys, type RedisClient } from '@rallyboard/core/redis';
import { createWeChatApi } from '@rallyboard/core/wechat';
import type { Connection } from 'mongoose';
import { afterAll, beforeAll } from 'vitest';
import { createLiveCampaign } from '../../../test/support/campaigns.js';
import { randomId } from '../../../test/support/config.js';
import { testRedis } from '../../../test/support/stack.js';
import { configFor, startFake, TEST_TEMPLATES, type WeChatFake } from '../../../test/support/wechat.js';
import type { SendDeps } from '../../src/notifications/send.js';

/**
 * What the notification tests share: the fake WeChat (with the tests' templates), MongoDB, Redis,
 * and the send's dependencies built on them as the workers build them.
 */
export const env: {
  fake: WeChatFake;
  config: Config;
  mongo: Connection;
  redis: RedisClient;
  models: NotificationModels;
  deps: SendDeps;
} = {} as never;

export function useNotifyEnv(): void {
  beforeAll(async () => {
    env.fake = await startFake();
    env.config = configFor(env.fake);
    env.mongo = await connectMongo(env.config.mongo.uri, 'test');
    env.redis = await testRedis(env.config);
    env.models = notificationModels(env.mongo);
    const logger = createLogger({ logLevel: 'silent' }, 'workers', 'test');
    env.deps = {
      config: env.config,
      redis: env.redis,
      keys: createKeys(env.config.keyPrefix),
      logger,
      models: env.models,
      participants: participantModel(env.mongo),
      wechat: createWeChatApi({
        config: env.config,
        keys: createKeys(env.config.keyPrefix),
        redis: env.redis,
      }),
    };
  });
  afterAll(async () => {
    await closeRedis(env.redis);
    await env.mongo.close();
    await env.fake.close();
  });
}

/** A participant who logged in with `openid`: their id. */
export async function participant(openid = randomId('o')): Promise<{ userId: string; openid: string }> {
  const doc = await recordLogin(participantModel(env.mongo), {
    appId: env.config.wechat.appId ?? '',
    openid,
  });
  return { userId: doc._id, openid };
}

/** A live campaign with alice and bob. */
export async function campaign(fields: Partial<CampaignDoc> = {}): Promise<CampaignDoc> {
  return createLiveCampaign(env.mongo, randomId('c'), { title: '校园歌手大赛', ...fields });
}

/**
 * A participant who accepted the event's template for the campaign: recorded by us, and
 * `times` sends allowed by (the fake) WeChat.
 */
export async function subscriber(event: NotificationEvent, campaignId: string, times = 1) {
  const who = await participant();
  const { templateId } = TEST_TEMPLATES[event];
  await recordGrant(env.models, { userId: who.userId, campaignId, templateId, event });
  env.fake.state.acceptSubscription(who.openid, templateId, times);
  return who;
}

export const campaigns = () => campaignModel(env.mongo);
export const sentTo = (openid: string) => env.fake.state.sent.filter((m) => m.touser === openid);

/** The results message's template, and a send job of it with the values the tests share. */
export const RESULTS = TEST_TEMPLATES['results-final'].templateId;
const values = {
  campaignTitle: '校园歌手大赛',
  endAt: '2026年12月5日 20:00',
  winnerName: '林小雨',
  winnerScore: '42',
};
export const job = (campaignId: string, userId: string): NotificationSendJob => ({
  kind: 'send',
  event: 'results-final',
  campaignId,
  userId,
  values,
});
/** A send's first try of ten. */
export const FIRST = { made: 0, allowed: 10 };
/** The results message's send log, and whether its grant is spent. */
export const logOf = (campaignId: string, userId: string) =>
  env.models.sends.findById(sendIdOf('results-final', campaignId, userId)).lean();
export const spent = (campaignId: string, userId: string) =>
  env.models.spends.exists({ _id: grantIdOf(RESULTS, campaignId, userId) });
