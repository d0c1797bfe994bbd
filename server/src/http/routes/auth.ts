import { participantModel } from '@rallyboard/core/db';
import {
  type ParticipantLogin,
  participantLoginSchema,
  refreshBodySchema,
  type TokenPair,
  tokenPairSchema,
  wechatLoginBodySchema,
} from '@rallyboard/core/protocol';
import { storeWechatRiskRank } from '@rallyboard/core/redis';
import { Router } from 'express';
import { createLoginLimit } from '../../auth/login-limit.js';
import { signInWithWeChat } from '../../auth/wechat-login.js';
import type { AppContext } from '../../deps.js';
import { clientIp } from '../client-ip.js';
import { whenAvailable } from '../unavailable.js';

/** How long a sign-in waits for WeChat's risk rank before going on without it. */
const RISK_RANK_TIMEOUT_MS = 800;

/**
 * Participants sign in from the mini-program: `wx.login()` gives a code, `POST /api/auth/wechat`
 * trades it for a token pair; `POST /api/auth/refresh` trades a refresh token for the next pair;
 * `POST /api/auth/logout` revokes the refresh tokens of that login.
 */
export function authRouter(ctx: AppContext): Router {
  const router = Router();
  const participants = participantModel(ctx.mongo);
  const loginLimit = createLoginLimit(ctx);
  const tag = 'Auth';

  ctx.api.route(
    router,
    {
      method: 'post',
      path: '/api/auth/wechat',
      tag,
      summary: 'Sign in with a wx.login() code',
      description:
        "Trades the code (single use, 5 minutes) for a participant token and a refresh token, through WeChat's " +
        'code2Session. The participant is created on the first sign-in. Rate limited per address.',
      auth: 'public',
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
    async ({ body }, req, res) => {
      const ip = clientIp(req);
      await whenAvailable(() => loginLimit(ip));
      const answer: ParticipantLogin = await whenAvailable(() =>
        signInWithWeChat(
          {
            wechat: ctx.wechat,
            participants,
            sessions: ctx.sessions,
            logger: ctx.logger,
            riskRank: {
              clientIp: ip,
              timeoutMs: RISK_RANK_TIMEOUT_MS,
              store: (participantId, rank) => storeWechatRiskRank(ctx.redis, ctx.keys, participantId, rank),
            },
          },
          body.code,
        ),
      );
      res.set('Cache-Control', 'no-store').json(answer);
    },
  );

  ctx.api.route(
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
      const answer: TokenPair = await whenAvailable(() => ctx.sessions.refresh(body.refreshToken));
      res.set('Cache-Control', 'no-store').json(answer);
    },
  );

  ctx.api.route(
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
      await whenAvailable(() => ctx.sessions.end(body.refreshToken));
      res.status(204).end();
    },
  );
  return router;
}
