import { AppError, type ErrorCode } from '../protocol/index.js';

/** The WeChat server APIs we call, named as in WeChat's documentation. */
export type WeChatApiName =
  | 'code2Session'
  | 'getStableAccessToken'
  | 'getUnlimitedQRCode'
  | 'msgSecCheck'
  | 'mediaCheckAsync'
  | 'getUserRiskRank'
  | 'sendSubscribeMessage';

/** `40001` invalid access_token and `42001` expired: refresh the token and retry once. */
const ACCESS_TOKEN_ERRCODES: ReadonlySet<number> = new Set([40001, 42001]);

/** How long a client should wait after a WeChat frequency limit (45011 is per user per minute). */
const WECHAT_RETRY_AFTER_SECONDS = 60;

/**
 * WeChat errcodes → catalogue codes. What is not listed is WECHAT_REQUEST_REJECTED (502):
 * WeChat understood us and said no for a reason the end user cannot fix (41030 unknown page,
 * 40097 invalid arguments, 40003 invalid openid, 61010 user not seen lately, 43101 not subscribed…);
 * the errcode stays on the error for callers that branch on it.
 */
const ERRCODE_TO_CATALOGUE: Readonly<Record<number, ErrorCode>> = {
  [-1]: 'WECHAT_UNAVAILABLE', // system busy, retry later
  40029: 'WECHAT_LOGIN_CODE_INVALID', // invalid code, also when reused
  40226: 'WECHAT_USER_BLOCKED', // high-risk user, login blocked
  45009: 'WECHAT_RATE_LIMITED', // frequency / daily limit of the app
  45011: 'WECHAT_RATE_LIMITED', // frequency limit of the user
  40013: 'WECHAT_NOT_CONFIGURED', // invalid appid
  40125: 'WECHAT_NOT_CONFIGURED', // invalid secret
  40164: 'WECHAT_NOT_CONFIGURED', // caller IP not whitelisted
  48001: 'WECHAT_NOT_CONFIGURED', // no permission for this API
  // Only seen by a caller after the access-token manager has refreshed once and retried.
  40001: 'WECHAT_UNAVAILABLE',
  42001: 'WECHAT_UNAVAILABLE',
};

/** The catalogue code a WeChat errcode answers with. */
function catalogueCodeOf(errcode: number): ErrorCode {
  return ERRCODE_TO_CATALOGUE[errcode] ?? 'WECHAT_REQUEST_REJECTED';
}

/**
 * WeChat answered with a non-zero errcode. It is an AppError with the mapped catalogue code, so a
 * route can let it through as is: clients get the catalogue's message (and a retry hint for rate
 * limits), never WeChat's errmsg; logs get `api`, `errcode` and `errmsg`.
 */
export class WeChatError extends AppError {
  readonly api: WeChatApiName;
  readonly errcode: number;
  readonly errmsg: string;

  constructor(api: WeChatApiName, errcode: number, errmsg: string) {
    const code = catalogueCodeOf(errcode);
    super(
      code,
      code === 'WECHAT_RATE_LIMITED' ? { details: { retryAfterSeconds: WECHAT_RETRY_AFTER_SECONDS } } : {},
    );
    this.name = 'WeChatError';
    this.api = api;
    this.errcode = errcode;
    this.errmsg = errmsg;
  }
}

/** Why WeChat could not be heard: no errcode to go on. */
export type WeChatTransportFailure = 'timeout' | 'network' | 'http-status' | 'invalid-response';

/** WeChat did not answer in time, the connection failed, or the answer was not the documented shape. */
export class WeChatTransportError extends AppError {
  readonly api: WeChatApiName;
  readonly failure: WeChatTransportFailure;
  /** What went wrong, for logs only: clients get the catalogue's message. */
  readonly detail: string;

  constructor(api: WeChatApiName, failure: WeChatTransportFailure, detail: string, cause?: unknown) {
    super('WECHAT_UNAVAILABLE', cause === undefined ? {} : { cause });
    this.name = 'WeChatTransportError';
    this.api = api;
    this.failure = failure;
    this.detail = detail;
  }
}

/** True for the errors after which a fresh access token is worth one retry. */
export function isAccessTokenError(error: unknown): error is WeChatError {
  return error instanceof WeChatError && ACCESS_TOKEN_ERRCODES.has(error.errcode);
}
