import { grantIdOf, recordGrant, sendIdOf } from '@rallyboard/core/db';
import { WeChatTransportError } from '@rallyboard/core/wechat';
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
  participant,
  RESULTS,
  sentTo,
  spent,
  subscriber,
  useNotifyEnv,
} from './notify-fixture.js';

useNotifyEnv();

describe('a subscribe message', () => {
  it('goes to a participant with a grant, exactly as the template maps the values, and spends the grant', async () => {
    const { _id: campaignId } = await campaign();
    const fan = await subscriber('results-final', campaignId);
    expect(await sendNotification(job(campaignId, fan.userId), FIRST, env.deps)).toEqual({ done: 'sent' });
    expect(sentTo(fan.openid)).toEqual([
      {
        touser: fan.openid,
        templateId: RESULTS,
        page: `pages/ranking/index?campaignId=${campaignId}`,
        data: {
          thing1: { value: '校园歌手大赛' },
          thing2: { value: '林小雨' },
          number3: { value: '42' },
          time4: { value: '2026年12月5日 20:00' },
        },
        miniprogramState: 'formal',
        lang: 'zh_CN',
      },
    ]);
    expect(await spent(campaignId, fan.userId)).toBeTruthy();
    expect(await logOf(campaignId, fan.userId)).toMatchObject({
      status: 'sent',
      attempts: 1,
      templateId: RESULTS,
    });
  });

  it('is never sent without a grant: a participant who never accepted gets nothing, and WeChat is not called', async () => {
    const { _id: campaignId } = await campaign();
    const stranger = await participant();
    // WeChat would take it (the user accepted there), but we hold no grant of theirs.
    env.fake.state.acceptSubscription(stranger.openid, RESULTS);
    const before = env.fake.state.callCount(FAKE_PATHS.subscribeSend);
    expect(await sendNotification(job(campaignId, stranger.userId), FIRST, env.deps)).toEqual({
      done: 'dropped',
      reason: 'NO_GRANT',
    });
    expect(env.fake.state.callCount(FAKE_PATHS.subscribeSend)).toBe(before);
    expect(sentTo(stranger.openid)).toEqual([]);
    expect(await logOf(campaignId, stranger.userId)).toMatchObject({ status: 'dropped', reason: 'NO_GRANT' });
  });

  it('goes once when the same send runs twice at once (a redelivered job), spending one grant', async () => {
    const { _id: campaignId } = await campaign();
    const fan = await subscriber('results-final', campaignId, 5);
    const outcomes = await Promise.all([
      sendNotification(job(campaignId, fan.userId), FIRST, env.deps),
      sendNotification(job(campaignId, fan.userId), FIRST, env.deps),
      sendNotification(job(campaignId, fan.userId), FIRST, env.deps),
    ]);
    expect(outcomes).toEqual([{ done: 'sent' }, { done: 'sent' }, { done: 'sent' }]);
    // And once more after it went: it is done.
    expect(await sendNotification(job(campaignId, fan.userId), FIRST, env.deps)).toEqual({ done: 'sent' });
    expect(sentTo(fan.openid)).toHaveLength(1);
    expect(await env.models.spends.countDocuments({ _id: grantIdOf(RESULTS, campaignId, fan.userId) })).toBe(
      1,
    );
  });

  it('is dropped without a retry when WeChat answers 43101 (the user refused since, or used the allowance)', async () => {
    const { _id: campaignId } = await campaign();
    const fan = await subscriber('results-final', campaignId, 0);
    expect(await sendNotification(job(campaignId, fan.userId), FIRST, env.deps)).toEqual({
      done: 'dropped',
      reason: 'WECHAT_43101',
    });
    expect(await logOf(campaignId, fan.userId)).toMatchObject({ status: 'dropped', reason: 'WECHAT_43101' });
    // WeChat's allowance is gone: the grant stays spent.
    expect(await spent(campaignId, fan.userId)).toBeTruthy();
  });

  it('goes through after the access token expired: the token is refreshed and the send tried again', async () => {
    const { _id: campaignId } = await campaign();
    const fan = await subscriber('results-final', campaignId);
    await sendNotification(
      job(campaignId, (await subscriber('results-final', campaignId)).userId),
      FIRST,
      env.deps,
    );
    env.fake.state.expireTokens();
    expect(await sendNotification(job(campaignId, fan.userId), FIRST, env.deps)).toEqual({ done: 'sent' });
    expect(sentTo(fan.openid)).toHaveLength(1);
  });

  it('is retried after a rate limit, and sent on the next try', async () => {
    const { _id: campaignId } = await campaign();
    const fan = await subscriber('results-final', campaignId);
    env.fake.state.failNext(FAKE_PATHS.subscribeSend, 45011);
    const first = sendNotification(job(campaignId, fan.userId), FIRST, env.deps);
    await expect(first).rejects.toMatchObject({ code: 'WECHAT_RATE_LIMITED' });
    await expect(first).rejects.not.toBeInstanceOf(UnrecoverableError);
    expect(await logOf(campaignId, fan.userId)).toMatchObject({ status: 'sending', reason: 'WECHAT_45011' });
    expect(await sendNotification(job(campaignId, fan.userId), { made: 1, allowed: 10 }, env.deps)).toEqual({
      done: 'sent',
    });
    expect(sentTo(fan.openid)).toHaveLength(1);
    expect(await logOf(campaignId, fan.userId)).toMatchObject({ status: 'sent', attempts: 2 });
  });

  it('is retried, not dropped, when no access token could be had: WeChat was never asked', async () => {
    const { _id: campaignId } = await campaign();
    const fan = await subscriber('results-final', campaignId);
    // No cached token, and another process holds the refresh lock for longer than a caller waits.
    const appId = env.config.wechat.appId ?? '';
    await env.deps.redis.del(env.deps.keys.wechatAccessToken(appId));
    await env.deps.redis.set(env.deps.keys.wechatAccessTokenLock(appId), 'a-stuck-process', 'PX', 60_000);
    try {
      const first = sendNotification(job(campaignId, fan.userId), FIRST, env.deps);
      await expect(first).rejects.toMatchObject({ code: 'WECHAT_UNAVAILABLE' });
      await expect(first).rejects.not.toBeInstanceOf(UnrecoverableError);
      expect(await logOf(campaignId, fan.userId)).toMatchObject({ status: 'sending' });
    } finally {
      await env.deps.redis.del(env.deps.keys.wechatAccessTokenLock(appId));
    }
    expect(await sendNotification(job(campaignId, fan.userId), { made: 1, allowed: 10 }, env.deps)).toEqual({
      done: 'sent',
    });
    expect(sentTo(fan.openid)).toHaveLength(1);
  }, 40_000);

  it('is never sent twice when the connection is reset after the request went out: dropped as UNKNOWN_OUTCOME', async () => {
    const { _id: campaignId } = await campaign();
    const fan = await subscriber('results-final', campaignId);
    // What the client makes of a socket reset mid-call (transport.ts): fetch's error, caused by ECONNRESET.
    const reset = Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
    const failed = new WeChatTransportError(
      'sendSubscribeMessage',
      'network',
      'fetch failed',
      Object.assign(new TypeError('fetch failed'), { cause: reset }),
    );
    const wechat = { ...env.deps.wechat, sendSubscribeMessage: () => Promise.reject(failed) };
    expect(await sendNotification(job(campaignId, fan.userId), FIRST, { ...env.deps, wechat })).toEqual({
      done: 'dropped',
      reason: 'UNKNOWN_OUTCOME',
    });
  });

  it('fails at once on a refusal a retry cannot change, and on the last try, giving the grant back', async () => {
    const { _id: campaignId } = await campaign();
    const fan = await subscriber('results-final', campaignId);
    env.fake.state.failNext(FAKE_PATHS.subscribeSend, 47003);
    await expect(sendNotification(job(campaignId, fan.userId), FIRST, env.deps)).rejects.toBeInstanceOf(
      UnrecoverableError,
    );
    expect(await logOf(campaignId, fan.userId)).toMatchObject({ status: 'failed', reason: 'WECHAT_47003' });
    expect(await spent(campaignId, fan.userId)).toBeFalsy();

    const late = await subscriber('results-final', campaignId);
    env.fake.state.failNext(FAKE_PATHS.subscribeSend, -1);
    await expect(
      sendNotification(job(campaignId, late.userId), { made: 9, allowed: 10 }, env.deps),
    ).rejects.toBeInstanceOf(UnrecoverableError);
    expect(await logOf(campaignId, late.userId)).toMatchObject({ status: 'failed', reason: 'WECHAT_-1' });
    expect(await spent(campaignId, late.userId)).toBeFalsy();
    expect(sentTo(late.openid)).toEqual([]);
  });

  it('is never sent twice when a call may have reached WeChat: a timeout is dropped as UNKNOWN_OUTCOME', async () => {
    const { _id: campaignId } = await campaign();
    const fan = await subscriber('results-final', campaignId, 5);
    // WeChat takes it, but answers after the client gave up.
    env.fake.state.delayNext(FAKE_PATHS.subscribeSend, 2_500);
    expect(await sendNotification(job(campaignId, fan.userId), FIRST, env.deps)).toEqual({
      done: 'dropped',
      reason: 'UNKNOWN_OUTCOME',
    });
    expect(await logOf(campaignId, fan.userId)).toMatchObject({
      status: 'dropped',
      reason: 'UNKNOWN_OUTCOME',
    });
    expect(await spent(campaignId, fan.userId)).toBeTruthy();
    // The job runs again: it is done, and WeChat is not called.
    const calls = env.fake.state.callCount(FAKE_PATHS.subscribeSend);
    expect(await sendNotification(job(campaignId, fan.userId), { made: 1, allowed: 10 }, env.deps)).toEqual({
      done: 'dropped',
      reason: 'UNKNOWN_OUTCOME',
    });
    expect(env.fake.state.callCount(FAKE_PATHS.subscribeSend)).toBe(calls);
    await new Promise((resolve) => setTimeout(resolve, 700));
    expect(sentTo(fan.openid)).toHaveLength(1);
  }, 15_000);

  it('is not sent again by a run that finds the call of a run that died under way, nor after it ended', async () => {
    const { _id: campaignId } = await campaign();
    const died = await subscriber('results-final', campaignId, 5);
    // What a run leaves when it dies during its call to WeChat: the spend, and the call in flight.
    const sendId = sendIdOf('results-final', campaignId, died.userId);
    await env.models.spends.create({
      _id: grantIdOf(RESULTS, campaignId, died.userId),
      sendId,
      spentAt: new Date(),
    });
    await env.models.sends.create({
      _id: sendId,
      event: 'results-final',
      campaignId,
      userId: died.userId,
      templateId: RESULTS,
      status: 'sending',
      reason: 'IN_FLIGHT',
      attempts: 1,
      updatedAt: new Date(),
    });
    expect(await sendNotification(job(campaignId, died.userId), { made: 1, allowed: 10 }, env.deps)).toEqual({
      done: 'dropped',
      reason: 'UNKNOWN_OUTCOME',
    });
    expect(sentTo(died.openid)).toEqual([]);

    // Dropped with 43101, then the user accepts again at WeChat: this event's send stays done.
    const refused = await subscriber('results-final', campaignId, 0);
    await sendNotification(job(campaignId, refused.userId), FIRST, env.deps);
    env.fake.state.acceptSubscription(refused.openid, RESULTS);
    expect(await sendNotification(job(campaignId, refused.userId), FIRST, env.deps)).toEqual({
      done: 'dropped',
      reason: 'WECHAT_43101',
    });
    expect(sentTo(refused.openid)).toEqual([]);
  });

  it('goes once a grant dropped for want of one is given since, and never twice after a stale log', async () => {
    const { _id: campaignId } = await campaign();
    const late = await participant();
    expect(await sendNotification(job(campaignId, late.userId), FIRST, env.deps)).toEqual({
      done: 'dropped',
      reason: 'NO_GRANT',
    });
    // The grant comes after the send ran (a participant subscribing while the event happened).
    await recordGrant(env.models, {
      userId: late.userId,
      campaignId,
      templateId: RESULTS,
      event: 'results-final',
    });
    env.fake.state.acceptSubscription(late.openid, RESULTS, 5);
    expect(await sendNotification(job(campaignId, late.userId), FIRST, env.deps)).toEqual({ done: 'sent' });
    expect(await sendNotification(job(campaignId, late.userId), FIRST, env.deps)).toEqual({ done: 'sent' });
    expect(sentTo(late.openid)).toHaveLength(1);

    // A stalled run's late NO_GRANT written over the sent log: the spend says it got further.
    await env.models.sends.updateOne(
      { _id: sendIdOf('results-final', campaignId, late.userId) },
      { $set: { status: 'dropped', reason: 'NO_GRANT' } },
    );
    expect(await sendNotification(job(campaignId, late.userId), FIRST, env.deps)).toEqual({
      done: 'dropped',
      reason: 'UNKNOWN_OUTCOME',
    });
    expect(sentTo(late.openid)).toHaveLength(1);
  });
});
