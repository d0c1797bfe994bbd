import { participantModel, recordLogin } from '@rallyboard/core/db';
import { AppError, type ParticipantLogin } from '@rallyboard/core/protocol';
import type { WeChatApi, WeChatSession } from '@rallyboard/core/wechat';
import type { Connection } from 'mongoose';
import type { Sessions } from './sessions.js';

export interface WeChatLoginDeps {
  wechat: Pick<WeChatApi, 'client' | 'code2Session'> & Partial<Pick<WeChatApi, 'getUserRiskRank'>>;
  /** The system of record, where the participant is created on the first sign-in. */
  mongo: Connection;
  sessions: Sessions;
  /**
   * Keeps WeChat's risk rank of the participant for risk control (the workers read it with each
   * vote). Asked at sign-in, when WeChat knows the user has just visited (it refuses, 61010, for
   * users not seen in two hours).
   */
  riskRank?: {
    clientIp: string;
    timeoutMs: number;
    store(participantId: string, rank: number): Promise<void>;
  };
  logger?: { warn(obj: object, msg: string): void };
  /** Runs the code2Session call under the sign-in limits (login-limit.ts); called as is when absent. */
  limit?: (verify: () => Promise<WeChatSession>) => Promise<WeChatSession>;
}

/**
 * Asks WeChat's getUserRiskRank (scene 1, marketing fraud) and keeps the answer. Fails open: when
 * WeChat errs or is slow, the participant signs in all the same and the rank stays unknown.
 */
async function fetchRiskRank(deps: WeChatLoginDeps, openid: string, participantId: string): Promise<void> {
  const { riskRank, wechat } = deps;
  if (!riskRank || !wechat.getUserRiskRank) return;
  let timer: NodeJS.Timeout | undefined;
  try {
    const result = await Promise.race([
      wechat.getUserRiskRank({ openid, scene: 1, clientIp: riskRank.clientIp }),
      new Promise<undefined>((resolve) => {
        timer = setTimeout(() => resolve(undefined), riskRank.timeoutMs);
      }),
    ]);
    if (result) await riskRank.store(participantId, result.riskRank);
  } catch (error) {
    deps.logger?.warn({ err: error }, 'WeChat risk rank unavailable; risk control goes on without it');
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Signs a participant in with a `wx.login()` code: WeChat's code2Session says who the user is,
 * the participant is created or updated, and a session starts. WeChat's refusals arrive as their
 * catalogue errors (WECHAT_LOGIN_CODE_INVALID, WECHAT_USER_BLOCKED, WECHAT_RATE_LIMITED, …).
 *
 * The session key code2Session returns stays inside the WeChatSession it came in, which is
 * dropped here: it is never stored, logged, or answered. So is the openid.
 */
export async function signInWithWeChat(deps: WeChatLoginDeps, code: string): Promise<ParticipantLogin> {
  const verify = () => deps.wechat.code2Session(code);
  const session = await (deps.limit ? deps.limit(verify) : verify());
  const appId = deps.wechat.client.appId;
  // code2Session cannot succeed without an AppID; this only narrows the type.
  if (appId === undefined) throw new AppError('WECHAT_NOT_CONFIGURED');
  const participant = await recordLogin(participantModel(deps.mongo), {
    appId,
    openid: session.openid,
    unionid: session.unionid,
  });
  const [pair] = await Promise.all([
    deps.sessions.start(participant._id),
    fetchRiskRank(deps, session.openid, participant._id),
  ]);
  return {
    ...pair,
    participant: { id: participant._id, firstSeenAt: participant.firstSeenAt.toISOString() },
  };
}
