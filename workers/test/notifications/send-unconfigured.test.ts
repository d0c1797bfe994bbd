import { createWeChatApi } from '@rallyboard/core/wechat';
import { UnrecoverableError } from 'bullmq';
import { describe, expect, it } from 'vitest';
import { sendNotification } from '../../src/notifications/send.js';
import {
  campaign,
  env,
  FIRST,
  job,
  logOf,
  sentTo,
  spent,
  subscriber,
  useNotifyEnv,
} from './notify-fixture.js';

useNotifyEnv();

describe('a subscribe message the workers cannot send for want of the app secret', () => {
  it('is retried with its grant kept, not dropped as maybe delivered, while the workers lack the app secret: WeChat was never asked', async () => {
    const { _id: campaignId } = await campaign();
    const fan = await subscriber('results-final', campaignId);
    const late = await subscriber('results-final', campaignId);
    const unconfigured = {
      ...env.deps,
      wechat: createWeChatApi({
        config: { ...env.config, wechat: { ...env.config.wechat, appSecret: undefined } },
        keys: env.deps.keys,
        redis: env.redis,
      }),
    };
    await env.redis.del(env.deps.keys.wechatAccessToken(env.config.wechat.appId ?? ''));
    const first = sendNotification(job(campaignId, fan.userId), FIRST, unconfigured);
    await expect(first).rejects.toMatchObject({ code: 'WECHAT_NOT_CONFIGURED' });
    await expect(first).rejects.not.toBeInstanceOf(UnrecoverableError);
    expect(await logOf(campaignId, fan.userId)).toMatchObject({ status: 'sending' });
    // Configured again, its next try sends it.
    expect(await sendNotification(job(campaignId, fan.userId), { made: 1, allowed: 10 }, env.deps)).toEqual({
      done: 'sent',
    });
    expect(sentTo(fan.openid)).toHaveLength(1);
    // Still unconfigured at the last try (and no token cached): it fails, and the grant is given back.
    await env.redis.del(env.deps.keys.wechatAccessToken(env.config.wechat.appId ?? ''));
    const last = sendNotification(job(campaignId, late.userId), { made: 9, allowed: 10 }, unconfigured);
    await expect(last).rejects.toBeInstanceOf(UnrecoverableError);
    expect(await logOf(campaignId, late.userId)).toMatchObject({
      status: 'failed',
      reason: 'WECHAT_NOT_CONFIGURED',
    });
    expect(await spent(campaignId, late.userId)).toBeFalsy();
    expect(sentTo(late.openid)).toHaveLength(0);
  }, 40_000);
});
