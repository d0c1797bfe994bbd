import type { Config } from '../config/index.js';
import type { Logger } from '../logger.js';
import { code2Session } from './calls/code2-session.js';
import { mediaCheckAsync } from './calls/media-check-async.js';
import { type MsgSecCheckResult, msgSecCheck } from './calls/msg-sec-check.js';
import { type AccessTokenGrant, getStableAccessToken } from './calls/stable-token.js';
import { sendSubscribeMessage } from './calls/subscribe-message.js';
import { getUnlimitedQRCode, type QRCodeImage } from './calls/unlimited-qr-code.js';
import { getUserRiskRank, type RiskRankResult } from './calls/user-risk-rank.js';
import type {
  MediaCheckParams,
  MsgSecCheckParams,
  QRCodeParams,
  RiskRankParams,
  SubscribeMessageParams,
} from './schemas.js';
import type { WeChatSession } from './session.js';
import { createWeChatTransport } from './transport.js';

// The results are declared next to the call that answers them (calls/); the rest of the server
// imports them from here, with the client.
export type { AccessTokenGrant, MsgSecCheckResult, QRCodeImage, RiskRankResult };

/**
 * One call per WeChat server API in ../shared/wechat-api.md, over plain HTTP. Calls that need an
 * access token take it as an argument; `createWeChatApi` (api.ts) supplies it from the shared
 * cache and retries once when WeChat says it went stale.
 *
 * Every call rejects with a catalogue error: `WeChatError` when WeChat answered an errcode,
 * `WeChatTransportError` (WECHAT_UNAVAILABLE) when it did not answer in time or not as documented,
 * WECHAT_NOT_CONFIGURED without an AppID and AppSecret, INVALID_INPUT for arguments WeChat would refuse.
 */
export interface WeChatClient {
  /** The configured AppID, or undefined. */
  readonly appId: string | undefined;
  /** auth.code2Session: exchanges a `wx.login()` code for the user's identity. */
  code2Session(code: string): Promise<WeChatSession>;
  /** POST /cgi-bin/stable_token: does not invalidate tokens handed out earlier (unless forced). */
  getStableAccessToken(options?: { forceRefresh?: boolean }): Promise<AccessTokenGrant>;
  getUnlimitedQRCode(accessToken: string, params: QRCodeParams): Promise<QRCodeImage>;
  /** msgSecCheck version 2. */
  msgSecCheck(accessToken: string, params: MsgSecCheckParams): Promise<MsgSecCheckResult>;
  /** mediaCheckAsync version 2: the verdict comes later by message push, matched by the trace id. */
  mediaCheckAsync(accessToken: string, params: MediaCheckParams): Promise<{ traceId: string }>;
  getUserRiskRank(accessToken: string, params: RiskRankParams): Promise<RiskRankResult>;
  sendSubscribeMessage(accessToken: string, params: SubscribeMessageParams): Promise<void>;
}

export interface WeChatClientOptions {
  /** Where failures are logged (api, errcode, errmsg; never a URL, secret, token or session key). */
  logger?: Logger;
}

/**
 * Puts the calls of calls/ together over one transport (transport.ts), which sends the requests,
 * reads the answers and logs the failures.
 *
 * @param wechat the `wechat` part of the config: base URL, credentials and timeout.
 */
export function createWeChatClient(
  wechat: Config['wechat'],
  options: WeChatClientOptions = {},
): WeChatClient {
  const transport = createWeChatTransport(wechat, options.logger);
  return {
    appId: wechat.appId,
    code2Session: (code) => code2Session(transport, code),
    getStableAccessToken: (tokenOptions) => getStableAccessToken(transport, tokenOptions),
    getUnlimitedQRCode: (accessToken, params) => getUnlimitedQRCode(transport, accessToken, params),
    msgSecCheck: (accessToken, params) => msgSecCheck(transport, accessToken, params),
    mediaCheckAsync: (accessToken, params) => mediaCheckAsync(transport, accessToken, params),
    getUserRiskRank: (accessToken, params) => getUserRiskRank(transport, accessToken, params),
    sendSubscribeMessage: (accessToken, params) => sendSubscribeMessage(transport, accessToken, params),
  };
}
