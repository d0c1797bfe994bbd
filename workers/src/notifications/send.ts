import type { Config, MessageTemplate } from '@rallyboard/core/config';
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
import { AppError } from '@rallyboard/core/protocol';
import { isStoreUnavailable, type NotificationSendJob } from '@rallyboard/core/queue';
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

/** Marks a send whose call to WeChat has started: found on a rerun, its outcome is unknown. */
const IN_FLIGHT = 'IN_FLIGHT';

/** Connection errors that happen before a request is sent: WeChat never saw it. */
const BEFORE_SENDING = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ENETUNREACH', 'EHOSTUNREACH']);

/** The `code` of an error or of one of its causes, as Node's network errors carry it. */
function codesOf(error: unknown): string[] {
  const codes: string[] = [];
  for (let cause = error, depth = 0; cause !== undefined && cause !== null && depth < 4; depth++) {
    const code: unknown = Reflect.get(Object(cause), 'code');
    if (typeof code === 'string') codes.push(code);
    cause = Reflect.get(Object(cause), 'cause');
  }
  return codes;
}

/**
 * How a failed call ended, for a send that must go at most once:
 * - `unsent`: WeChat answered that it did not send (a rate limit, busy, a stale token still
 *   refused), or the call never reached it (the access token could not be had, whatever the
 *   token endpoint answered; its cache in Redis did not answer, the connection was refused, or
 *   the app's credentials are not configured): another try later may send it;
 * - `refused`: WeChat's send endpoint answered a refusal that a retry cannot change, or the
 *   message was not one it would take;
 * - `unknown`: the call may have reached WeChat (a timeout, a connection dropped mid-call, an
 *   answer not as documented): it may have been delivered, so it is never sent again.
 */
function outcomeOf(error: unknown): 'unsent' | 'refused' | 'unknown' {
  if (
    (error instanceof WeChatError || error instanceof WeChatTransportError) &&
    error.api !== 'sendSubscribeMessage'
  ) {
    // The token's call comes before the send: whatever it answered (40164 an IP not whitelisted,
    // 40125 a wrong secret, 45009…), or none, WeChat never saw the message, and an operator's fix
    // or the next day lets a later try send it. Until 2026-12-07 those were final, the message failed.
    return 'unsent';
  }
  if (error instanceof WeChatError) {
    return error.code === 'WECHAT_RATE_LIMITED' || error.code === 'WECHAT_UNAVAILABLE' ? 'unsent' : 'refused';
  }
  if (error instanceof WeChatTransportError) {
    return error.failure === 'network' && codesOf(error).some((c) => BEFORE_SENDING.has(c))
      ? 'unsent'
      : 'unknown';
  }
  // Ours, raised before WeChat is asked: the app's credentials missing (a later try, once the
  // workers are configured, may send it), or a message WeChat would refuse as it is. Until
  // 2026-12-07 these were `unknown`: dropped as maybe delivered, the grant kept spent.
  if (error instanceof AppError) return error.code === 'WECHAT_NOT_CONFIGURED' ? 'unsent' : 'refused';
  // Only the access token's cache reads Redis during the call, before WeChat is asked.
  if (isStoreUnavailable(error)) return 'unsent';
  return 'unknown';
}

const reasonOf = (error: unknown): string =>
  error instanceof WeChatError
    ? `WECHAT_${error.errcode}`
    : error instanceof WeChatTransportError
      ? `WECHAT_${error.failure.toUpperCase().replace('-', '_')}`
      : error instanceof AppError
        ? error.code
        : 'INTERNAL';

/**
 * Sends one participant the message of one event at most once, and only against a grant spent
 * for it:
 * - no grant (never given, or spent already by another send): dropped, `NO_GRANT`, nothing sent;
 * - 43101, the user's allowance is gone (refused since, or used): dropped, not retried;
 * - a stale access token is refreshed and the send tried again (createWeChatApi);
 * - WeChat answering a rate limit or busy, or never reached: retried with backoff
 *   (the queue's job options);
 * - any other refusal (bad data, a template that is not ours): failed at once, not retried;
 * - a call that may have reached WeChat (a timeout, a connection dropped mid-call): dropped,
 *   `UNKNOWN_OUTCOME`, never sent again.
 * A refused message, or the last try never sent, gives the grant back: WeChat did not use it.
 * A send that ended is done when its job runs again; one whose call was under way when its run
 * died is dropped as `UNKNOWN_OUTCOME`. Two runs of one send at once (a stalled job taken twice)
 * take turns under a Redis lock.
 */
export async function sendNotification(
  job: NotificationSendJob,
  attempt: { made: number; allowed: number },
  deps: SendDeps,
): Promise<SendOutcome> {
  const template = deps.config.wechat.templates[job.event];
  const sendId = sendIdOf(job.event, job.campaignId, job.userId, job.subject);
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
  const drop = async (reason: string): Promise<SendOutcome> => {
    await record({ status: 'dropped', reason });
    return { done: 'dropped', reason };
  };
  if (!template) return drop('NO_TEMPLATE');
  // Room for the access token's own waits, WeChat's timeout twice (a stale token is refreshed and
  // the send tried again), and the writes. A run that outlives it is safe: the next run finds the
  // call in flight and does not send again.
  const ttlMs = 10 * deps.config.wechat.timeoutMs + 30_000;
  const run = { template, sendId, record, drop };
  return withLock(deps.redis, deps.keys.notificationLock(sendId), () => send(job, attempt, deps, run), {
    ttlMs,
    waitMs: ttlMs,
  });
}

/** What sendNotification settled before taking the lock: the template, the send's id and its log. */
interface SendRun {
  template: MessageTemplate;
  sendId: string;
  record: (fields: Pick<NotificationSendDoc, 'status' | 'reason'>) => Promise<void>;
  drop: (reason: string) => Promise<SendOutcome>;
}

async function send(
  job: NotificationSendJob,
  attempt: { made: number; allowed: number },
  deps: SendDeps,
  { template, sendId, record, drop }: SendRun,
): Promise<SendOutcome> {
  // At most once: a send that ended is done, and one whose call was under way when its run
  // died may have been delivered.
  const already = await deps.models.sends.findById(sendId, { status: 1, reason: 1 }).lean();
  if (already?.status === 'sent') return { done: 'sent' };
  // A send dropped for want of a grant sent nothing: one given since (a participant subscribing
  // while their entry was decided) is spent now.
  const noGrant = already?.status === 'dropped' && already.reason === 'NO_GRANT';
  if (!noGrant && (already?.status === 'dropped' || already?.status === 'failed')) {
    return { done: 'dropped', reason: already.reason ?? already.status };
  }
  if (already?.status === 'sending' && already.reason === IN_FLIGHT) return drop('UNKNOWN_OUTCOME');
  const grantId = grantIdOf(template.templateId, job.campaignId, job.userId, job.subject);
  // Logged as without a grant, yet holding one: a run of it got further than its log (a stalled
  // run's late write over a later one's), and may have sent.
  if (noGrant && (await deps.models.spends.exists({ _id: grantId, sendId }))) return drop('UNKNOWN_OUTCOME');
  if ((await spendGrant(deps.models, grantId, sendId)) !== 'spent') return drop('NO_GRANT');
  const participant = await deps.participants.findById(job.userId, { openid: 1 }).lean();
  if (!participant) {
    await releaseGrant(deps.models, grantId, sendId);
    return drop('NO_PARTICIPANT');
  }
  await record({ status: 'sending', reason: IN_FLIGHT });
  try {
    await deps.wechat.sendSubscribeMessage({
      touser: participant.openid,
      templateId: template.templateId,
      page: messagePage(template, job.campaignId, job.subject),
      data: messageData(template, job.values),
      miniprogramState: MINIPROGRAM_STATE[deps.config.wechat.envVersion],
      lang: 'zh_CN',
    });
  } catch (error) {
    if (error instanceof WeChatError && error.errcode === 43101) return drop(reasonOf(error));
    const outcome = outcomeOf(error);
    if (outcome === 'unknown') {
      // Perhaps delivered: never sent again, and the grant stays spent.
      deps.logger.warn({ sendId, reason: reasonOf(error), err: error }, 'subscribe message outcome unknown');
      return drop('UNKNOWN_OUTCOME');
    }
    const last = attempt.made + 1 >= attempt.allowed;
    if (outcome === 'unsent' && !last) {
      await record({ status: 'sending', reason: reasonOf(error) });
      throw error;
    }
    // Refused, or never sent by the last try: WeChat did not use the allowance.
    await releaseGrant(deps.models, grantId, sendId);
    await record({ status: 'failed', reason: reasonOf(error) });
    deps.logger.warn({ sendId, reason: reasonOf(error), err: error }, 'subscribe message failed');
    throw new UnrecoverableError(`subscribe message ${sendId} failed: ${reasonOf(error)}`);
  }
  await record({ status: 'sent', reason: undefined });
  return { done: 'sent' };
}
