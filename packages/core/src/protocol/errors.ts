import { z } from 'zod';

/**
 * The one error catalogue. Every rejection the API or a socket ack gives carries one of these
 * stable codes; clients (the mini-program, the console) switch on the code, never on the text.
 */
export const ERROR_CATALOGUE = {
  INVALID_INPUT: { status: 400, message: 'The request is not valid.' },
  INVALID_JSON: { status: 400, message: 'The request body is not valid JSON.' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, message: 'Send the body as application/json.' },
  PAYLOAD_TOO_LARGE: { status: 413, message: 'The request body is too large.' },
  HEADERS_TOO_LARGE: { status: 431, message: 'The address or the headers of the request are too large.' },
  NOT_FOUND: { status: 404, message: 'There is nothing at this address.' },
  UNAUTHENTICATED: {
    status: 401,
    message: 'Sign in first: send a valid token as "Authorization: Bearer <token>".',
  },
  TOKEN_EXPIRED: { status: 401, message: 'The token has expired. Refresh it or sign in again.' },
  INVALID_CREDENTIALS: { status: 401, message: 'The username or password is wrong.' },
  REFRESH_TOKEN_INVALID: {
    status: 401,
    message: 'The refresh token is invalid, expired or already used. Sign in again.',
  },
  FORBIDDEN: { status: 403, message: 'This account may not do that.' },
  PASSWORD_INCORRECT: { status: 403, message: 'The current password is wrong.' },
  HOST_NOT_FOUND: { status: 404, message: 'There is no such host account.' },
  USERNAME_TAKEN: { status: 409, message: 'That username is taken.' },
  VOTE_NOT_FOUND: { status: 404, message: 'There is no such vote of yours.' },
  QUOTA_EXCEEDED: {
    status: 429,
    message: 'You have used all your votes for now. Your quota resets at the time given.',
  },
  SHARE_TOKEN_NOT_FOUND: { status: 404, message: 'There is no such share link.' },
  CAMPAIGN_NOT_EDITABLE: {
    status: 409,
    message: 'The campaign cannot be changed that way in its current state.',
  },
  BOARD_NOT_FOUND: { status: 404, message: 'There is no such board.' },
  UNKNOWN_MEMBER: { status: 422, message: 'The board has no such candidate.' },
  GROUP_NOT_FOUND: { status: 404, message: 'The board has no such group.' },
  ACTION_NOT_ALLOWED: {
    status: 422,
    message: 'This board does not take that action: vote boards take votes, like boards likes and unlikes.',
  },
  VOTER_REQUIRED: { status: 422, message: 'A like or unlike needs the voter it belongs to.' },
  RISK_REJECTED: {
    status: 422,
    message: 'The vote was not counted: it matched patterns of vote-rigging (刷票).',
  },
  VOIDED: { status: 422, message: 'The vote was voided by the campaign host after review.' },
  REVIEW_ACTION_NOT_FOUND: { status: 404, message: 'There is no such review action.' },
  BOARD_FULL: { status: 409, message: 'The board has reached the most changes it can record.' },
  SCORE_LIMIT: { status: 409, message: 'The candidate has reached the highest score a board can hold.' },
  CAMPAIGN_NOT_LIVE: { status: 409, message: 'The campaign is not taking votes right now.' },
  CAMPAIGN_NOT_FOUND: { status: 404, message: 'There is no such campaign.' },
  SCREEN_TOKEN_INVALID: {
    status: 403,
    message: 'This campaign is unlisted: its screen needs a valid screen token from its host.',
  },
  REVEAL_NOT_ALLOWED: { status: 409, message: 'The ranking can be revealed only once frozen or ended.' },
  CANDIDATE_NOT_FOUND: { status: 404, message: 'The campaign has no such candidate.' },
  SUBSCRIPTION_CLOSED: {
    status: 409,
    message:
      'The campaign is past what that message would tell: a start reminder is for a campaign not started yet.',
  },
  UNKNOWN_TEMPLATE: {
    status: 422,
    message:
      'This service sends no message with that template. Ask GET /api/notifications/templates which it sends.',
  },
  ENTRIES_CLOSED: {
    status: 409,
    message: 'The campaign is not taking entries now: see its entry window (GET …/entry-settings).',
  },
  ENTRY_LIMIT_REACHED: {
    status: 409,
    message: 'You hold as many entries in this campaign as it allows. Withdraw one to send another.',
  },
  ENTRY_NOT_FOUND: { status: 404, message: 'There is no such entry.' },
  ENTRY_NOT_WITHDRAWABLE: {
    status: 409,
    message: 'The entry has been decided already: only a pending or in-review entry can be withdrawn.',
  },
  SUGGESTION_MOVE_NOT_ALLOWED: {
    status: 409,
    message: 'A suggestion moves forward only: received → under study → adopted or answered.',
  },
  IMAGE_NOT_FOUND: { status: 404, message: 'There is no such image of yours for this campaign.' },
  IMAGE_TOO_LARGE: { status: 413, message: 'The image is too large.' },
  IMAGE_INVALID: {
    status: 422,
    message: 'The file is not an image this service takes: a whole JPEG or PNG and nothing else.',
  },
  IMAGE_TYPE_MISMATCH: {
    status: 422,
    message: 'The file is not the type it is declared as (its name or content type says otherwise).',
  },
  HOST_WECHAT_UNBOUND: {
    status: 409,
    message:
      'Bind your WeChat to this account first (the console’s 绑定微信, in its top bar): WeChat checks the names and descriptions you publish as yours.',
  },
  HOST_WECHAT_STALE: {
    status: 409,
    message:
      'WeChat checks text only for a user who opened the mini-program in the last two hours: open it with the WeChat bound to this account, then save again.',
  },
  BINDING_CODE_INVALID: {
    status: 404,
    message:
      'There is no such binding code: it is wrong, used or older than ten minutes. Ask the console for a new one.',
  },
  CONTENT_RISKY: {
    status: 422,
    message: 'WeChat’s content check refused this text: change it and save again. Nothing was saved.',
  },
  CONTENT_NEEDS_REVIEW: {
    status: 422,
    message:
      'WeChat’s content check asks for a person to review this text: reword it, or ask an admin to save it. Nothing was saved.',
  },
  REWARD_TRIGGER_FORBIDDEN: {
    status: 422,
    message:
      'WeChat’s platform rules forbid rewarding a share, an invitation or a payment (诱导分享, 有偿投票): only counted votes and likes earn.',
  },
  REWARD_RULE_NOT_FOUND: { status: 404, message: 'The campaign has no such reward rule.' },
  COUPON_POOL_NOT_FOUND: { status: 404, message: 'The campaign has no such coupon pool.' },
  COUPON_IMPORT_INVALID: {
    status: 422,
    message: 'Some lines of the coupon file are not valid codes or repeat a code: nothing was imported.',
  },
  COUPON_NOT_GRANTED: { status: 404, message: 'No participant holds that code of this pool.' },
  COUPON_RETIRED: {
    status: 409,
    message:
      'The code was withdrawn: its grant was taken back. A code its holder has seen is never handed to anyone else, and is theirs again only if they earn it back.',
  },
  COUPON_EXPIRED: {
    status: 409,
    message: 'The coupon pool has expired: its codes are no longer imported, handed out or redeemed.',
  },
  LOTTERY_NOT_FOUND: { status: 404, message: 'The campaign has no such lottery.' },
  LOTTERY_TOO_LATE: {
    status: 409,
    message:
      'A lottery commits to its seed before the campaign starts: add it while the campaign is a draft or scheduled.',
  },
  LOTTERY_NOT_ENDED: { status: 409, message: 'A lottery is drawn after its campaign has ended.' },
  LOTTERY_NOT_DRAWN: {
    status: 409,
    message: 'The tickets and the seed are published when the lottery is drawn.',
  },
  LOTTERY_ALREADY_DRAWN: { status: 409, message: 'This lottery has been drawn: its result is final.' },
  LOTTERY_SETTLING: {
    status: 409,
    message: 'Tickets are still being worked out from the last counted votes. Try again in a minute.',
  },
  CANDIDATE_EXISTS: { status: 409, message: 'The campaign already has a candidate with that id.' },
  INVALID_TRANSITION: { status: 409, message: 'The campaign cannot make that move from where it is.' },
  BOARD_REBUILDING: {
    status: 503,
    message: 'The board is being restored from the ledger. Try again in a few seconds.',
  },
  IDEMPOTENCY_KEY_IN_USE: {
    status: 409,
    message: 'A request with this Idempotency-Key is still running. Wait a moment and send it again.',
  },
  IDEMPOTENCY_KEY_REUSED: {
    status: 422,
    message: 'This Idempotency-Key was used for a different request. Use a new key for a new request.',
  },
  RATE_LIMITED: { status: 429, message: 'Too many requests. Wait a moment and try again.' },
  SERVICE_UNAVAILABLE: {
    status: 503,
    message: 'The service is temporarily unavailable. Try again shortly.',
  },
  // WeChat's server API (packages/core/src/wechat/): its errcodes mapped to what a client can act on.
  WECHAT_LOGIN_CODE_INVALID: {
    status: 401,
    message: 'The WeChat login code is invalid, expired or already used. Call wx.login() again.',
  },
  WECHAT_USER_BLOCKED: { status: 403, message: 'WeChat does not allow this account to sign in right now.' },
  WECHAT_RATE_LIMITED: { status: 429, message: 'WeChat is limiting requests. Wait a minute and try again.' },
  WECHAT_REQUEST_REJECTED: { status: 502, message: 'WeChat declined the request.' },
  WECHAT_NOT_CONFIGURED: { status: 503, message: 'WeChat is not configured correctly on this server.' },
  WECHAT_PUSH_REFUSED: {
    status: 401,
    message: 'The push is not signed with this server’s Token, or it is too old to take.',
  },
  WECHAT_UNAVAILABLE: { status: 503, message: 'WeChat is not answering right now. Try again shortly.' },
  INTERNAL: { status: 500, message: 'Something went wrong on our side.' },
} as const satisfies Record<string, { status: number; message: string }>;

export type ErrorCode = keyof typeof ERROR_CATALOGUE;
export const ERROR_CODES = Object.keys(ERROR_CATALOGUE) as [ErrorCode, ...ErrorCode[]];

export const errorBodySchema = z.object({
  error: z.object({
    code: z.enum(ERROR_CODES),
    message: z.string(),
    /** Machine-readable particulars, e.g. the failing field paths of INVALID_INPUT. */
    details: z.unknown().optional(),
  }),
});
export type ErrorBody = z.infer<typeof errorBodySchema>;

/** A rejection with a catalogue code. Throw it anywhere; the HTTP and socket edges render it. */
export class AppError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly details: unknown;

  constructor(code: ErrorCode, options: { message?: string; details?: unknown; cause?: unknown } = {}) {
    super(options.message ?? ERROR_CATALOGUE[code].message, { cause: options.cause });
    this.name = 'AppError';
    this.code = code;
    this.status = ERROR_CATALOGUE[code].status;
    this.details = options.details;
  }

  toBody(): ErrorBody {
    return {
      error: {
        code: this.code,
        message: this.message,
        ...(this.details === undefined ? {} : { details: this.details }),
      },
    };
  }
}

/** One entry of INVALID_INPUT's details: where the problem is and what it is. */
export interface FieldIssue {
  path: string;
  message: string;
}

/** Turns zod issues into INVALID_INPUT details with dotted field paths. */
export function toFieldIssues(error: z.ZodError, pathPrefix = ''): FieldIssue[] {
  return error.issues.map((issue) => ({
    path: [pathPrefix, ...issue.path.map(String)].filter(Boolean).join('.') || '(root)',
    message: issue.message,
  }));
}
