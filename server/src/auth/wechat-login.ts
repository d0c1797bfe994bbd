import { type ParticipantModel, recordLogin } from '@rallyboard/core/db';
import { AppError, type ParticipantLogin } from '@rallyboard/core/protocol';
import type { WeChatApi } from '../wechat/api.js';
import type { Sessions } from './sessions.js';

export interface WeChatLoginDeps {
  wechat: Pick<WeChatApi, 'client' | 'code2Session'>;
  participants: ParticipantModel;
  sessions: Sessions;
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
  const session = await deps.wechat.code2Session(code);
  const appId = deps.wechat.client.appId;
  // code2Session cannot succeed without an AppID; this only narrows the type.
  if (appId === undefined) throw new AppError('WECHAT_NOT_CONFIGURED');
  const participant = await recordLogin(deps.participants, {
    appId,
    openid: session.openid,
    unionid: session.unionid,
  });
  const pair = await deps.sessions.start(participant._id);
  return {
    ...pair,
    participant: { id: participant._id, firstSeenAt: participant.firstSeenAt.toISOString() },
  };
}
