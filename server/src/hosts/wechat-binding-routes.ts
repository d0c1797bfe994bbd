import {
  hostBindingCodeViewSchema,
  hostBindingRedeemedSchema,
  hostWeChatViewSchema,
  redeemHostBindingBodySchema,
} from '@rallyboard/core/protocol';
import { Router } from 'express';
import type { Api } from '../http/api.js';
import { clientIp } from '../http/client-ip.js';
import {
  hostWeChatView,
  issueBindingCode,
  redeemBindingCode,
  unbindWeChat,
  type WeChatBindingDeps,
} from './wechat-binding.js';

export interface WeChatBindingRouteDeps extends WeChatBindingDeps {
  api: Api;
  /** The participant's ingest limits (per address and participant), charged per redemption. */
  rateLimit: (origin: { ip: string; voterId: string }) => Promise<void>;
}

/**
 * A host binds the WeChat it uses to its console account, so that WeChat's content check of the
 * candidate names and descriptions it publishes runs as that user's (msgSecCheck v2 takes the
 * author's openid). The console asks for a code; the host opens the mini-program, signed in with
 * that WeChat, and types it.
 */
export function wechatBindingRouter(deps: WeChatBindingRouteDeps): Router {
  const router = Router();
  const tag = 'Hosts';
  deps.api.route(
    router,
    {
      method: 'get',
      path: '/api/host/wechat',
      tag,
      summary: 'Whether my account has a WeChat bound',
      auth: 'host',
      responses: { 200: { description: 'The binding.', schema: hostWeChatViewSchema } },
    },
    async ({ auth }, _req, res) => {
      res.set('Cache-Control', 'no-store').json(await hostWeChatView(deps, auth));
    },
  );
  deps.api.route(
    router,
    {
      method: 'post',
      path: '/api/host/wechat',
      tag,
      summary: 'A code that binds a WeChat to my account',
      description:
        'Single use, for ten minutes: typed (or scanned) in the mini-program page it names, by the ' +
        'WeChat user to bind. That user replaces any bound before.',
      auth: 'host',
      responses: { 201: { description: 'The code.', schema: hostBindingCodeViewSchema } },
    },
    async ({ auth }, _req, res) => {
      res
        .status(201)
        .set('Cache-Control', 'no-store')
        .json(await issueBindingCode(deps, auth));
    },
  );
  deps.api.route(
    router,
    {
      method: 'delete',
      path: '/api/host/wechat',
      tag,
      summary: 'Unbind my WeChat',
      description:
        'From then on, saving candidate names or descriptions answers HOST_WECHAT_UNBOUND until a ' +
        'WeChat is bound again (where WeChat is configured).',
      auth: 'host',
      responses: { 204: { description: 'Unbound (or was not bound).' } },
    },
    async ({ auth }, req, res) => {
      await unbindWeChat(deps, auth, clientIp(req));
      res.status(204).end();
    },
  );
  deps.api.route(
    router,
    {
      method: 'post',
      path: '/api/me/host-binding',
      tag,
      summary: 'Bind my WeChat to a host account, with the code its console shows',
      auth: 'participant',
      body: redeemHostBindingBodySchema,
      responses: {
        200: { description: 'Bound: the account it is bound to.', schema: hostBindingRedeemedSchema },
      },
      errors: ['BINDING_CODE_INVALID', 'RATE_LIMITED'],
    },
    async ({ auth, body }, req, res) => {
      const ip = clientIp(req);
      await deps.rateLimit({ ip, voterId: auth.participantId });
      res.json(await redeemBindingCode(deps, auth.participantId, body.code, ip));
    },
  );
  return router;
}
