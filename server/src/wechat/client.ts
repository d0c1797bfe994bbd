import type { Config } from '@rallyboard/core/config';
import type { Logger } from '@rallyboard/core/logger';
import { AppError, toFieldIssues } from '@rallyboard/core/protocol';
import type { z } from 'zod';
import { type WeChatApiName, WeChatError, WeChatTransportError } from './errors.js';
import {
  code2SessionResponseSchema,
  errorEnvelopeSchema,
  loginCodeSchema,
  type MsgSecCheckParams,
  msgSecCheckParamsSchema,
  msgSecCheckResponseSchema,
  type QRCodeParams,
  qrCodeParamsSchema,
  type RiskRankParams,
  riskRankParamsSchema,
  riskRankResponseSchema,
  type SubscribeMessageParams,
  stableTokenResponseSchema,
  subscribeMessageParamsSchema,
} from './schemas.js';
import { WeChatSession } from './session.js';

export interface AccessTokenGrant {
  accessToken: string;
  /** Seconds from now, as WeChat says (7200 for a fresh token). */
  expiresInSeconds: number;
}

export interface QRCodeImage {
  image: Buffer;
  /** `image/png` or `image/jpeg`, as WeChat labelled the bytes. */
  contentType: string;
}

export interface MsgSecCheckResult {
  suggest: 'pass' | 'review' | 'risky';
  /** 100 normal, 10001 advertising, 20001 politics, 20002 porn, 20003 abuse, 20006 illegal, 20008 fraud, … */
  label: number;
  traceId: string;
  detail: Record<string, unknown>[];
}

export interface RiskRankResult {
  /** 0 (no risk) to 4 (highest). */
  riskRank: number;
  /** WeChat's `unoin_id` (sic), when it gives one. */
  unoinId: string | undefined;
}

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
  getUserRiskRank(accessToken: string, params: RiskRankParams): Promise<RiskRankResult>;
  sendSubscribeMessage(accessToken: string, params: SubscribeMessageParams): Promise<void>;
}

export interface WeChatClientOptions {
  /** Where failures are logged (api, errcode, errmsg; never a URL, secret, token or session key). */
  logger?: Logger;
}

/** Errcodes a user causes; logged at info, the rest at warn. */
const USER_ERRCODES = new Set([40029, 40226, 45011]);

/** @param wechat the `wechat` part of the config: base URL, credentials and timeout. */
export function createWeChatClient(
  wechat: Config['wechat'],
  options: WeChatClientOptions = {},
): WeChatClient {
  const { logger } = options;

  function credentials(): { appId: string; appSecret: string } {
    if (wechat.appId === undefined || wechat.appSecret === undefined) {
      throw new AppError('WECHAT_NOT_CONFIGURED', {
        cause: new Error('WECHAT_APP_ID and WECHAT_APP_SECRET must both be set'),
      });
    }
    return { appId: wechat.appId, appSecret: wechat.appSecret };
  }

  function validated<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
    const parsed = schema.safeParse(value);
    if (!parsed.success) throw new AppError('INVALID_INPUT', { details: toFieldIssues(parsed.error) });
    return parsed.data;
  }

  function fail(error: WeChatError | WeChatTransportError): never {
    if (error instanceof WeChatError) {
      const level = USER_ERRCODES.has(error.errcode) ? 'info' : 'warn';
      logger?.[level](
        { api: error.api, errcode: error.errcode, errmsg: error.errmsg },
        'WeChat answered an error',
      );
    } else {
      logger?.warn({ api: error.api, failure: error.failure, detail: error.detail }, 'WeChat call failed');
    }
    throw error;
  }

  /**
   * Sends one request. The URL carries the secret or the access token, so it is never logged nor
   * put in an error; the timeout covers the whole exchange, body included. Fields of the body
   * that are undefined are left out (JSON.stringify drops them).
   */
  async function send(
    api: WeChatApiName,
    path: string,
    query: Record<string, string>,
    body?: unknown,
  ): Promise<{ response: Response; bytes: Buffer }> {
    const url = `${wechat.apiBase}${path}?${new URLSearchParams(query).toString()}`;
    try {
      const response = await fetch(url, {
        method: body === undefined ? 'GET' : 'POST',
        signal: AbortSignal.timeout(wechat.timeoutMs),
        ...(body === undefined
          ? {}
          : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
      });
      return { response, bytes: Buffer.from(await response.arrayBuffer()) };
    } catch (error) {
      const timedOut =
        error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError');
      return fail(
        timedOut
          ? new WeChatTransportError(api, 'timeout', `no answer within ${wechat.timeoutMs} ms`, error)
          : new WeChatTransportError(api, 'network', 'the request failed', error),
      );
    }
  }

  /** Reads a JSON answer: an errcode is a WeChatError, anything undocumented a transport error. */
  function readJson<S extends z.ZodType>(
    api: WeChatApiName,
    schema: S,
    { response, bytes }: { response: Response; bytes: Buffer },
  ): z.output<S> {
    let body: unknown;
    try {
      body = JSON.parse(bytes.toString('utf8'));
    } catch {
      // Not the SyntaxError as cause: its message quotes the body.
      return fail(
        new WeChatTransportError(
          api,
          response.ok ? 'invalid-response' : 'http-status',
          `HTTP ${response.status}, ${response.headers.get('content-type') ?? 'no content type'}, not JSON`,
        ),
      );
    }
    const envelope = errorEnvelopeSchema.safeParse(body);
    if (envelope.success && envelope.data.errcode !== undefined && envelope.data.errcode !== 0) {
      return fail(new WeChatError(api, envelope.data.errcode, envelope.data.errmsg ?? ''));
    }
    if (!response.ok) return fail(new WeChatTransportError(api, 'http-status', `HTTP ${response.status}`));
    const parsed = schema.safeParse(body);
    if (!parsed.success) {
      // Issue paths and messages only: zod does not quote the values (one may be a session key).
      const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
      return fail(
        new WeChatTransportError(api, 'invalid-response', `unexpected answer: ${issues.join('; ')}`),
      );
    }
    return parsed.data;
  }

  return {
    appId: wechat.appId,

    async code2Session(code) {
      const jsCode = validated(loginCodeSchema, code);
      const { appId, appSecret } = credentials();
      const answer = await send('code2Session', '/sns/jscode2session', {
        appid: appId,
        secret: appSecret,
        js_code: jsCode,
        grant_type: 'authorization_code',
      });
      const data = readJson('code2Session', code2SessionResponseSchema, answer);
      return new WeChatSession(data.openid, data.unionid, data.session_key);
    },

    async getStableAccessToken({ forceRefresh = false } = {}) {
      const { appId, appSecret } = credentials();
      const answer = await send(
        'getStableAccessToken',
        '/cgi-bin/stable_token',
        {},
        { grant_type: 'client_credential', appid: appId, secret: appSecret, force_refresh: forceRefresh },
      );
      const data = readJson('getStableAccessToken', stableTokenResponseSchema, answer);
      return { accessToken: data.access_token, expiresInSeconds: data.expires_in };
    },

    async getUnlimitedQRCode(accessToken, params) {
      const p = validated(qrCodeParamsSchema, params);
      const answer = await send(
        'getUnlimitedQRCode',
        '/wxa/getwxacodeunlimit',
        { access_token: accessToken },
        {
          scene: p.scene,
          page: p.page,
          check_path: p.checkPath,
          env_version: p.envVersion,
          width: p.width,
          auto_color: p.autoColor,
          line_color: p.lineColor,
          is_hyaline: p.isHyaline,
        },
      );
      // Success is image bytes; failure is JSON (whatever the content type says).
      const contentType = (answer.response.headers.get('content-type') ?? '').split(';')[0]?.trim() ?? '';
      if (answer.response.ok && /^image\//i.test(contentType) && answer.bytes.length > 0) {
        return { image: answer.bytes, contentType: contentType.toLowerCase() };
      }
      readJson('getUnlimitedQRCode', errorEnvelopeSchema, answer);
      return fail(
        new WeChatTransportError(
          'getUnlimitedQRCode',
          'invalid-response',
          `expected an image, got ${contentType || 'no content type'}`,
        ),
      );
    },

    async msgSecCheck(accessToken, params) {
      const p = validated(msgSecCheckParamsSchema, params);
      const answer = await send(
        'msgSecCheck',
        '/wxa/msg_sec_check',
        { access_token: accessToken },
        { version: 2, ...p },
      );
      const data = readJson('msgSecCheck', msgSecCheckResponseSchema, answer);
      return {
        suggest: data.result.suggest,
        label: data.result.label,
        traceId: data.trace_id,
        detail: data.detail ?? [],
      };
    },

    async getUserRiskRank(accessToken, params) {
      const p = validated(riskRankParamsSchema, params);
      const { appId } = credentials();
      const answer = await send(
        'getUserRiskRank',
        '/wxa/getuserriskrank',
        { access_token: accessToken },
        {
          appid: appId,
          openid: p.openid,
          scene: p.scene,
          client_ip: p.clientIp,
          mobile_no: p.mobileNo,
          email_address: p.emailAddress,
          extended_info: p.extendedInfo,
          is_test: p.isTest,
        },
      );
      const data = readJson('getUserRiskRank', riskRankResponseSchema, answer);
      return { riskRank: data.risk_rank, unoinId: data.unoin_id };
    },

    async sendSubscribeMessage(accessToken, params) {
      const p = validated(subscribeMessageParamsSchema, params);
      const answer = await send(
        'sendSubscribeMessage',
        '/cgi-bin/message/subscribe/send',
        { access_token: accessToken },
        {
          touser: p.touser,
          template_id: p.templateId,
          data: p.data,
          page: p.page,
          miniprogram_state: p.miniprogramState,
          lang: p.lang,
        },
      );
      readJson('sendSubscribeMessage', errorEnvelopeSchema, answer);
    },
  };
}
