import type { Logger } from '@rallyboard/core/logger';
import {
  deviceIdSchema,
  type ParticipantLogin,
  participantLoginSchema,
  refreshBodySchema,
  type TokenPair,
  tokenPairSchema,
  wechatLoginBodySchema,
} from '@rallyboard/core/protocol';
import { type KeyBuilder, type RedisClient, storeWechatRiskRank } from '@rallyboard/core/redis';
import type { WeChatApi } from '@rallyboard/core/wechat';
import { Router } from 'express';
import type { Connection } from 'mongoose';
import { z } from 'zod';
import type { Api } from '../http/api.js';
import { clientIp } from '../http/client-ip.js';
import { whenAvailable } from '../lib/when-available.js';
import type { LoginLimit } from './login-limit.js';
import type { Sessions } from './sessions.js';
import { signInWithWeChat } from './wechat-login.js';

const signInHeadersSchema = z.object({
  'x-device-id': deviceIdSchema.optional().describe("The mini-program's per-install id."),
});

/** How long a sign-in waits for WeChat's risk rank before going on without it. */
const RISK_RANK_TIMEOUT_MS = 800;

export interface AuthRouteDeps {
  api: Api;
  logger: Logger;
  redis: RedisClient;
  keys: KeyBuilder;
  mongo: Connection;
  wechat: WeChatApi;
  sessions: Sessions;
  loginLimit: LoginLimit;
}

/**
 * Participants sign in from the mini-program: `wx.login()` gives a code, `POST /api/auth/wechat`
 * trades it for a token pair; `POST /api/auth/refresh` trades a refresh token for the next pair;
 * `POST /api/auth/logout` revokes the refresh tokens of that login.
 */
export function authRouter(deps: AuthRouteDeps): Router {
  const router = Router();
  const { loginLimit } = deps;
  const tag = 'Auth';

  deps.api.route(
    router,
    {
      method: 'post',
      path: '/api/auth/wechat',
      tag,
      summary: 'Sign in with a wx.login() code',
      description:
        "Trades the code (single use, 5 minutes) for a participant token and a refresh token, through WeChat's " +
        'code2Session. The participant is created on the first sign-in. Rate limited by address (failed ' +
        'sign-ins, and a high ceiling on all of them) and by device (`X-Device-Id`); a sign-in WeChat ' +
        "accepts costs nothing of the address's failure budget, so a crowd behind one address gets in.",
      auth: 'public',
      headers: signInHeadersSchema,
      body: wechatLoginBodySchema,
      responses: { 200: { description: 'Signed in.', schema: participantLoginSchema } },
      errors: [
        'RATE_LIMITED',
        'WECHAT_LOGIN_CODE_INVALID',
        'WECHAT_USER_BLOCKED',
        'WECHAT_RATE_LIMITED',
        'WECHAT_REQUEST_REJECTED',
        'WECHAT_NOT_CONFIGURED',
        'WECHAT_UNAVAILABLE',
      ],
    },
    async ({ body, headers }, req, res) => {
      const ip = clientIp(req);
      const origin = { ip, deviceId: headers['x-device-id'] };
      const answer: ParticipantLogin = await whenAvailable(() =>
        signInWithWeChat(
          {
            wechat: deps.wechat,
            mongo: deps.mongo,
            sessions: deps.sessions,
            logger: deps.logger,
            limit: (verify) => loginLimit(origin, verify),
            riskRank: {
              clientIp: ip,
              timeoutMs: RISK_RANK_TIMEOUT_MS,
              store: (participantId, rank) => storeWechatRiskRank(deps.redis, deps.keys, participantId, rank),
            },
          },
          body.code,
        ),
      );
      res.set('Cache-Control', 'no-store').json(answer);
    },
  );

  deps.api.route(
    router,
    {
      method: 'post',
      path: '/api/auth/refresh',
      tag,
      summary: 'Trade a refresh token for a new token pair',
      description:
        'The refresh token works once: the answer carries its successor. Presenting a used one again ' +
        'revokes every refresh token of that sign-in (it was copied), so send one refresh at a time ' +
        'and keep the newest token.',
      auth: 'public',
      body: refreshBodySchema,
      responses: { 200: { description: 'The next pair.', schema: tokenPairSchema } },
      errors: ['REFRESH_TOKEN_INVALID'],
    },
    async ({ body }, _req, res) => {
      const answer: TokenPair = await whenAvailable(() => deps.sessions.refresh(body.refreshToken));
      res.set('Cache-Control', 'no-store').json(answer);
    },
  );

  deps.api.route(
    router,
    {
      method: 'post',
      path: '/api/auth/logout',
      tag,
      summary: 'Sign out: revoke the refresh tokens of this sign-in',
      description:
        'Answers 204 whether or not the token was valid. Participant tokens already issued stay ' +
        'valid until they expire (PARTICIPANT_TOKEN_TTL_SECONDS); the client drops them.',
      auth: 'public',
      body: refreshBodySchema,
      responses: { 204: { description: 'Signed out.' } },
    },
    async ({ body }, _req, res) => {
      await whenAvailable(() => deps.sessions.end(body.refreshToken));
      res.status(204).end();
    },
  );
  return router;
}
