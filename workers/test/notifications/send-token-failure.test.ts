import { setTimeout as sleep } from 'node:timers/promises';
import { UnrecoverableError } from 'bullmq';
import { describe, expect, it } from 'vitest';
import { FAKE_PATHS } from '../../../test/support/wechat.js';
import { sendNotification } from '../../src/notifications/send.js';
import {
  campaign,
  env,
  FIRST,
  job,
  logOf,
  RESULTS,
  sentTo,
  spent,
  subscriber,
  useNotifyEnv,
} from './notify-fixture.js';

useNotifyEnv();

describe('a subscribe message whose access token WeChat would not give', () => {
  it('is retried with its grant kept when the token endpoint refuses (40164, the IP off the whitelist), and sent once it gives one', async () => {
    const { _id: campaignId } = await campaign();
    const fan = await subscriber('results-final', campaignId);
    await env.redis.del(env.deps.keys.wechatAccessToken(env.config.wechat.appId ?? ''));
    env.fake.state.failNext(FAKE_PATHS.stableToken, 40164);
    const sends = env.fake.state.callCount(FAKE_PATHS.subscribeSend);
    const first = sendNotification(job(campaignId, fan.userId), FIRST, env.deps);
    await expect(first).rejects.toMatchObject({ errcode: 40164, api: 'getStableAccessToken' });
    await expect(first).rejects.not.toBeInstanceOf(UnrecoverableError);
    expect(await logOf(campaignId, fan.userId)).toMatchObject({ status: 'sending', reason: 'WECHAT_40164' });
    expect(await spent(campaignId, fan.userId)).toBeTruthy();
    expect(env.fake.state.callCount(FAKE_PATHS.subscribeSend)).toBe(sends);

    // The whitelist is fixed; the queue's next try comes after the failure's hold (1 s at first).
    await sleep(1_100);
    expect(await sendNotification(job(campaignId, fan.userId), { made: 1, allowed: 10 }, env.deps)).toEqual({
      done: 'sent',
    });
    expect(sentTo(fan.openid)).toHaveLength(1);
    // One message, on the one grant: ours spent, WeChat's allowance used once.
    expect(await spent(campaignId, fan.userId)).toBeTruthy();
    expect(env.fake.state.subscriptions.get(`${fan.openid} ${RESULTS}`)).toBe(0);
    expect(await logOf(campaignId, fan.userId)).toMatchObject({ status: 'sent', attempts: 2 });
  });
});
