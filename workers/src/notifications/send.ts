import type { Config } from '@rallyboard/core/config';
import {
  grantIdOf,
  type NotificationModels,
  type NotificationSendDoc,
  type ParticipantModel,
  recordSend,
  releaseGrant,
  sendIdOf,
  spendGrant,
} from '@rallyboard/core/db';
import type { Logger } from '@rallyboard/core/logger';
import type { NotificationSendJob } from '@rallyboard/core/queue';
import { type KeyBuilder, type RedisClient, withLock } from '@rallyboard/core/redis';
import { type WeChatApi, WeChatError, WeChatTransportError } from '@rallyboard/core/wechat';
import { UnrecoverableError } from 'bullmq';
import { messageData, messagePage } from './message.js';

/** What a send needs: the grants, the participants' openids, WeChat, and Redis for its lock. */
export interface SendDeps {
  config: Pick<Config, 'wechat'>;
  redis: RedisClient;
  keys: KeyBuilder;
  logger: Logger;
  models: NotificationModels;
  participants: ParticipantModel;
  wechat: Pick<WeChatApi, 'sendSubscribeMessage'>;
}

export type SendOutcome = { done: 'sent' } | { done: 'dropped'; reason: string };

/** Which version of the mini-program a message opens, as WeChat names it. */
const MINIPROGRAM_STATE = { release: 'formal', trial: 'trial', develop: 'developer' } as const;

/** WeChat errors worth another try later: its rate limits and a WeChat busy or not answering. */
const retryable = (error: unknown): boolean =>
  error instanceof WeChatTransportError ||
  (error instanceof WeChatError &&
    (error.code === 'WECHAT_RATE_LIMITED' || error.code === 'WECHAT_UNAVAILABLE'));

const reasonOf = (error: unknown): string =>
  error instanceof WeChatError
    ? `WECHAT_${error.errcode}`
    : error instanceof WeChatTransportError
      ? 'WECHAT_UNAVAILABLE'
      : 'INTERNAL';

/**
 * Sends one participant the message of one event, once, and only against a grant spent for it:
 * - no grant (never given, or spent already by another send): dropped, `NO_GRANT`, nothing sent;
 * - 43101, the user's allowance is gone (refused since, or used): dropped, not retried;
 * - a stale access token is refreshed and the send tried again (createWeChatApi);
 * - a rate limit, or WeChat busy or silent: retried with backoff (NOTIFICATION_JOB_OPTIONS);
 * - any other refusal (bad data, a template that is not ours): failed at once, not retried.
 * A refused message, or the last try failing, gives the grant back: WeChat did not use it.
 * A job run again after a crash finds its own spend and sends; one that already sent is done. Two
 * runs of one send at once (a stalled job taken twice) take turns under a Redis lock.
 */
export async function sendNotification(
  job: NotificationSendJob,
  attempt: { made: number; allowed: number },
  deps: SendDeps,
): Promise<SendOutcome> {
  const template = deps.config.wechat.templates[job.event];
  const sendId = sendIdOf(job.event, job.campaignId, job.userId);
  const record = (fields: Pick<NotificationSendDoc, 'status' | 'reason'>) =>
    recordSend(deps.models, {
      _id: sendId,
      event: job.event,
      campaignId: job.campaignId,
      userId: job.userId,
      templateId: template?.templateId ?? '',
      attempts: attempt.made + 1,
      ...fields,
    });
  if (!template) {
    await record({ status: 'dropped', reason: 'NO_TEMPLATE' });
    return { done: 'dropped', reason: 'NO_TEMPLATE' };
  }
  // WeChat's timeout, twice (a stale token is refreshed and the send tried again), and the writes.
  const ttlMs = 4 * deps.config.wechat.timeoutMs + 10_000;
  return withLock(deps.redis, deps.keys.notificationLock(sendId), () => send(job, attempt, deps, record), {
    ttlMs,
    waitMs: ttlMs,
  });
}

async function send(
  job: NotificationSendJob,
  attempt: { made: number; allowed: number },
  deps: SendDeps,
  record: (fields: Pick<NotificationSendDoc, 'status' | 'reason'>) => Promise<void>,
): Promise<SendOutcome> {
  const template = deps.config.wechat.templates[job.event];
  if (!template) throw new Error(`no template for ${job.event}`);
  const sendId = sendIdOf(job.event, job.campaignId, job.userId);
  const already = await deps.models.sends.findById(sendId, { status: 1 }).lean();
  if (already?.status === 'sent') return { done: 'sent' };
  const grantId = grantIdOf(template.templateId, job.campaignId, job.userId);
  if ((await spendGrant(deps.models, grantId, sendId)) !== 'spent') {
    await record({ status: 'dropped', reason: 'NO_GRANT' });
    return { done: 'dropped', reason: 'NO_GRANT' };
  }
  const participant = await deps.participants.findById(job.userId, { openid: 1 }).lean();
  if (!participant) {
    await releaseGrant(deps.models, grantId, sendId);
    await record({ status: 'dropped', reason: 'NO_PARTICIPANT' });
    return { done: 'dropped', reason: 'NO_PARTICIPANT' };
  }
  await record({ status: 'sending', reason: undefined });
  try {
    await deps.wechat.sendSubscribeMessage({
      touser: participant.openid,
      templateId: template.templateId,
      page: messagePage(template, job.campaignId),
      data: messageData(template, job.values),
      miniprogramState: MINIPROGRAM_STATE[deps.config.wechat.envVersion],
      lang: 'zh_CN',
    });
  } catch (error) {
    if (error instanceof WeChatError && error.errcode === 43101) {
      await record({ status: 'dropped', reason: reasonOf(error) });
      return { done: 'dropped', reason: reasonOf(error) };
    }
    const last = attempt.made + 1 >= attempt.allowed;
    if (retryable(error) && !last) {
      await record({ status: 'sending', reason: reasonOf(error) });
      throw error;
    }
    await releaseGrant(deps.models, grantId, sendId);
    await record({ status: 'failed', reason: reasonOf(error) });
    deps.logger.warn({ sendId, reason: reasonOf(error), err: error }, 'subscribe message failed');
    throw new UnrecoverableError(`subscribe message ${sendId} failed: ${reasonOf(error)}`);
  }
  await record({ status: 'sent', reason: undefined });
  return { done: 'sent' };
}
