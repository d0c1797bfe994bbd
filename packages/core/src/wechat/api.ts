import type { Config } from '../config/index.js';
import type { Logger } from '../logger.js';
import type { KeyBuilder, RedisClient } from '../redis/index.js';
import { type AccessTokenManager, createAccessTokenManager } from './access-token.js';
import {
  createWeChatClient,
  type MsgSecCheckResult,
  type QRCodeImage,
  type RiskRankResult,
  type WeChatClient,
} from './client.js';
import type {
  MediaCheckParams,
  MsgSecCheckParams,
  QRCodeParams,
  RiskRankParams,
  SubscribeMessageParams,
} from './schemas.js';
import type { WeChatSession } from './session.js';

/**
 * The WeChat server API as the rest of the server uses it: login, and the calls that need an
 * access token, which come from the shared cache and are retried once on a stale token.
 */
export interface WeChatApi {
  readonly client: WeChatClient;
  readonly tokens: AccessTokenManager;
  /**
   * auth.code2Session. The session holds the session key privately (see session.ts); a login
   * route hands on `openid` / `unionid` only.
   */
  code2Session(code: string): Promise<WeChatSession>;
  getUnlimitedQRCode(params: QRCodeParams): Promise<QRCodeImage>;
  msgSecCheck(params: MsgSecCheckParams): Promise<MsgSecCheckResult>;
  /** Asks for an image check; the verdict comes by message push (see server/src/wechat-push/). */
  mediaCheckAsync(params: MediaCheckParams): Promise<{ traceId: string }>;
  /** One signal among ours: callers should fail open (vote on) when it rejects. */
  getUserRiskRank(params: RiskRankParams): Promise<RiskRankResult>;
  sendSubscribeMessage(params: SubscribeMessageParams): Promise<void>;
}

export interface WeChatApiDeps {
  config: Pick<Config, 'wechat'>;
  keys: KeyBuilder;
  /** Command connection for the token cache and its lock. */
  redis: RedisClient;
  logger?: Logger;
}

/** Builds the client and the token manager from config; nothing is fetched until a call needs it. */
export function createWeChatApi(deps: WeChatApiDeps): WeChatApi {
  const client = createWeChatClient(deps.config.wechat, deps.logger ? { logger: deps.logger } : {});
  const tokens = createAccessTokenManager({
    redis: deps.redis,
    keys: deps.keys,
    client,
    timeoutMs: deps.config.wechat.timeoutMs,
    ...(deps.logger ? { logger: deps.logger } : {}),
  });
  return {
    client,
    tokens,
    code2Session: (code) => client.code2Session(code),
    getUnlimitedQRCode: (params) => tokens.withToken((token) => client.getUnlimitedQRCode(token, params)),
    msgSecCheck: (params) => tokens.withToken((token) => client.msgSecCheck(token, params)),
    mediaCheckAsync: (params) => tokens.withToken((token) => client.mediaCheckAsync(token, params)),
    getUserRiskRank: (params) => tokens.withToken((token) => client.getUserRiskRank(token, params)),
    sendSubscribeMessage: (params) => tokens.withToken((token) => client.sendSubscribeMessage(token, params)),
  };
}
