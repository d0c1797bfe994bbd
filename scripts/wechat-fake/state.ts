import { randomBytes } from 'node:crypto';
import { defaultErrmsg } from './errors.js';
import type { PushDelivery, PushTarget } from './push.js';

/** The paths of the documented endpoints, as the fake serves them. */
export const FAKE_PATHS = {
  code2Session: '/sns/jscode2session',
  token: '/cgi-bin/token',
  stableToken: '/cgi-bin/stable_token',
  qrCode: '/wxa/getwxacodeunlimit',
  msgSecCheck: '/wxa/msg_sec_check',
  riskRank: '/wxa/getuserriskrank',
  subscribeSend: '/cgi-bin/message/subscribe/send',
  mediaCheck: '/wxa/media_check_async',
} as const;
const KNOWN_PATHS: ReadonlySet<string> = new Set(Object.values(FAKE_PATHS));

/** Any documented endpoint, for faults. */
export const ANY_PATH = '*';

export interface WeChatFakeOptions {
  /** @default 'wxfake00000000000' */
  appId?: string;
  /** @default 'fake-app-secret' */
  appSecret?: string;
  /** Life of a new access token, in seconds. @default 7200 */
  tokenTtlSeconds?: number;
  /** stable_token hands out the next token when the current one has less than this left. @default 300 */
  renewWithinSeconds?: number;
  /** The least time between two forced refreshes (`force_refresh: true`) before 45011. @default 30 */
  forceRefreshIntervalSeconds?: number;
  /** Forced refreshes allowed a day (China time) before 45009. @default 20 */
  forceRefreshDailyLimit?: number;
  /** code2Session calls per user per minute before 45011. @default 100 */
  loginLimitPerMinute?: number;
  /** Give each user a unionid (`u-<openid>`), as an app bound to an Open Platform account. @default false */
  unionIds?: boolean;
}

type Fault =
  | { kind: 'errcode'; path: string; times: number; errcode: number; errmsg: string }
  | { kind: 'delay'; path: string; times: number; ms: number }
  | { kind: 'garble'; path: string; times: number };

interface TokenRecord {
  expiresAt: number;
  revoked: boolean;
}

const CODE_TTL_MS = 5 * 60_000;
/** WeChat's day, for its daily quotas, starts at midnight China time (UTC+8). */
const CHINA_OFFSET_MS = 8 * 3_600_000;
const DAY_MS = 86_400_000;
const VISIT_WINDOW_MS = 2 * 3_600_000;

const hex = (bytes: number) => randomBytes(bytes).toString('hex');

/**
 * Everything the fake knows, and the controls a test (or `POST /__fake/<control>`) uses to make
 * it answer as WeChat would in the case at hand.
 */
/** A subscribe message as the fake delivered it. */
export interface SentMessage {
  touser: string;
  templateId: string;
  page: string | undefined;
  data: Record<string, { value: string }>;
  miniprogramState: string | undefined;
  lang: string | undefined;
}

export class WeChatFakeState {
  readonly appId: string;
  readonly appSecret: string;
  tokenTtlSeconds: number;
  renewWithinSeconds: number;
  forceRefreshIntervalSeconds: number;
  forceRefreshDailyLimit: number;
  loginLimitPerMinute: number;
  unionIds: boolean;
  /** Pages getUnlimitedQRCode accepts when `check_path` is on; undefined accepts every page. */
  pages: Set<string> | undefined;

  /** Requests per path, every request counted, injected failures included. */
  readonly calls = new Map<string, number>();
  /** The session key last handed out per openid, so tests can look for it where it must not be. */
  readonly sessionKeys = new Map<string, string>();
  readonly issuedCodes = new Map<string, { openid: string; issuedAt: number }>();
  readonly usedCodes = new Set<string>();
  readonly blockedOpenids = new Set<string>();
  /** openid → last login, for "used the mini-program within two hours". */
  readonly visits = new Map<string, number>();
  readonly loginTimes = new Map<string, number[]>();
  readonly tokens = new Map<string, TokenRecord>();
  currentStableToken: string | undefined;
  currentToken: string | undefined;
  /** When stable_token's forced refreshes were made, oldest first. */
  readonly forcedRefreshes: number[] = [];
  readonly riskRanks = new Map<string, number>();
  readonly blocklist = new Map<string, { label: number; suggest: 'review' | 'risky' }>();
  /** `openid template` → sends left. */
  readonly subscriptions = new Map<string, number>();
  /** Every subscribe message WeChat would have delivered, in order (GET /__fake/sent). */
  readonly sent: SentMessage[] = [];
  /** Where media checks' verdicts are pushed (消息推送); unset: checks are answered, never pushed. */
  push: PushTarget | undefined;
  /** How long after a media check its verdict is pushed, ms. @default 20 */
  pushDelayMs = 20;
  /** Verdicts by a part of the media URL; a URL matching none passes. */
  readonly mediaVerdicts = new Map<string, { suggest: 'pass' | 'review' | 'risky'; label: number }>();
  /** Every push made, with what the receiver answered (the last pushes first to be awaited). */
  readonly pushes: PushDelivery[] = [];
  private readonly faults: Fault[] = [];

  constructor(options: WeChatFakeOptions = {}) {
    this.appId = options.appId ?? 'wxfake00000000000';
    this.appSecret = options.appSecret ?? 'fake-app-secret';
    this.tokenTtlSeconds = options.tokenTtlSeconds ?? 7200;
    this.renewWithinSeconds = options.renewWithinSeconds ?? 300;
    this.forceRefreshIntervalSeconds = options.forceRefreshIntervalSeconds ?? 30;
    this.forceRefreshDailyLimit = options.forceRefreshDailyLimit ?? 20;
    this.loginLimitPerMinute = options.loginLimitPerMinute ?? 100;
    this.unionIds = options.unionIds ?? false;
  }

  /** How many requests reached `path` (e.g. FAKE_PATHS.stableToken). */
  callCount(path: string): number {
    return this.calls.get(path) ?? 0;
  }

  resetCalls(): void {
    this.calls.clear();
    this.sent.length = 0;
  }

  /** A code as `wx.login()` would give it, for `openid` (a new user by default): single use, 5 minutes. */
  issueCode(openid = `o-${hex(8)}`): string {
    const code = `c${hex(16)}`;
    this.issuedCodes.set(code, { openid, issuedAt: Date.now() });
    return code;
  }

  /** Logins of the user answer 40226 from now on. */
  blockUser(openid: string): void {
    this.blockedOpenids.add(openid);
  }

  /** Marks a user as having used the mini-program just now (as a login does). */
  visit(openid: string): void {
    this.visits.set(openid, Date.now());
  }

  /** Every token handed out so far answers 42001 (expired) from now on. */
  expireTokens(): void {
    const now = Date.now();
    for (const record of this.tokens.values()) record.expiresAt = Math.min(record.expiresAt, now);
  }

  /**
   * Every token handed out so far answers 40001 (invalid) from now on. stable_token in normal
   * mode still hands out its current one until it expires: only a forced refresh replaces it.
   */
  revokeTokens(): void {
    for (const record of this.tokens.values()) record.revoked = true;
  }

  /** The next `times` requests to `path` (or any endpoint, `*`) answer `errcode`, e.g. -1 system busy. */
  failNext(path: string, errcode: number, times = 1, errmsg = defaultErrmsg(errcode)): void {
    this.faults.push({ kind: 'errcode', path, times, errcode, errmsg });
  }

  /** The next `times` requests to `path` wait `ms` before they are answered. */
  delayNext(path: string, ms: number, times = 1): void {
    this.faults.push({ kind: 'delay', path, times, ms });
  }

  /** The next `times` requests to `path` get an HTML 502 page, as a broken proxy would answer. */
  garbleNext(path: string, times = 1): void {
    this.faults.push({ kind: 'garble', path, times });
  }

  clearFaults(): void {
    this.faults.length = 0;
  }

  setRiskRank(openid: string, rank: number): void {
    this.riskRanks.set(openid, rank);
  }

  /** msgSecCheck flags text containing `word`. @param label @default 20012 (vulgar) */
  blockWord(word: string, label = 20012, suggest: 'review' | 'risky' = 'risky'): void {
    this.blocklist.set(word, { label, suggest });
  }

  /** A media check of a URL containing `match` comes back `suggest` (pass, review or risky). */
  setMediaVerdict(
    match: string,
    suggest: 'pass' | 'review' | 'risky',
    label = suggest === 'pass' ? 100 : 20002,
  ): void {
    this.mediaVerdicts.set(match, { suggest, label });
  }

  /** The verdict of a media URL: the first whose part it contains, else pass. */
  mediaVerdictOf(url: string): { suggest: 'pass' | 'review' | 'risky'; label: number } {
    return (
      [...this.mediaVerdicts].find(([match]) => url.includes(match))?.[1] ?? { suggest: 'pass', label: 100 }
    );
  }

  /** The user accepted `templateId` `times` times (each allows one message). */
  acceptSubscription(openid: string, templateId: string, times = 1): void {
    const key = `${openid} ${templateId}`;
    this.subscriptions.set(key, (this.subscriptions.get(key) ?? 0) + times);
  }

  /** Takes the faults that apply to the next request to `path`: at most one delay and one failure. */
  takeFaults(path: string): { delayMs: number; failure: Exclude<Fault, { kind: 'delay' }> | undefined } {
    const applies = (f: Fault) =>
      f.times > 0 && (f.path === path || (f.path === ANY_PATH && KNOWN_PATHS.has(path)));
    const delay = this.faults.find((f) => f.kind === 'delay' && applies(f));
    const failure = this.faults.find((f) => f.kind !== 'delay' && applies(f));
    for (const used of [delay, failure]) if (used) used.times -= 1;
    for (let i = this.faults.length - 1; i >= 0; i--)
      if ((this.faults[i]?.times ?? 0) <= 0) this.faults.splice(i, 1);
    return {
      delayMs: delay?.kind === 'delay' ? delay.ms : 0,
      failure: failure?.kind === 'delay' ? undefined : failure,
    };
  }

  /**
   * Counts a forced refresh of stable_token, or answers the errcode that refuses it: 45011 within
   * `forceRefreshIntervalSeconds` of the last one, 45009 past `forceRefreshDailyLimit` today.
   */
  takeForcedRefresh(): number | undefined {
    const now = Date.now();
    const last = this.forcedRefreshes.at(-1);
    if (last !== undefined && now - last < this.forceRefreshIntervalSeconds * 1_000) return 45011;
    const dayStart = now - ((now + CHINA_OFFSET_MS) % DAY_MS);
    if (this.forcedRefreshes.filter((t) => t >= dayStart).length >= this.forceRefreshDailyLimit) return 45009;
    this.forcedRefreshes.push(now);
    return undefined;
  }

  /** A new access token, valid `tokenTtlSeconds`. */
  mintToken(): string {
    const token = `fake-at-${hex(24)}`;
    this.tokens.set(token, { expiresAt: Date.now() + this.tokenTtlSeconds * 1_000, revoked: false });
    return token;
  }

  /** undefined when `token` may call an API, else the errcode WeChat answers. */
  checkToken(token: string | null): number | undefined {
    if (!token) return 41001;
    const record = this.tokens.get(token);
    if (!record || record.revoked) return 40001;
    return record.expiresAt <= Date.now() ? 42001 : undefined;
  }

  /** The openid a login code stands for, or the errcode it earns. Codes are single use. */
  resolveCode(code: string): { openid: string } | { errcode: number } {
    if (this.usedCodes.has(code)) return { errcode: 40029 };
    const issued = this.issuedCodes.get(code);
    if (issued) {
      return Date.now() - issued.issuedAt > CODE_TTL_MS ? { errcode: 40029 } : { openid: issued.openid };
    }
    // The scheme for tests and the demo: `ok-<user>` or `ok-<user>.<anything>` logs in as `o-<user>`.
    const match = /^ok-([A-Za-z0-9_-]{1,64})(?:\.[A-Za-z0-9_-]{1,64})?$/.exec(code);
    return match ? { openid: `o-${match[1]}` } : { errcode: 40029 };
  }

  /** Counts a login of the user; true when it is over the per-minute limit (45011). */
  overLoginLimit(openid: string): boolean {
    const now = Date.now();
    const recent = (this.loginTimes.get(openid) ?? []).filter((t) => now - t < 60_000);
    const over = recent.length >= this.loginLimitPerMinute;
    if (!over) recent.push(now);
    this.loginTimes.set(openid, recent);
    return over;
  }

  visitedRecently(openid: string): boolean {
    const at = this.visits.get(openid);
    return at !== undefined && Date.now() - at < VISIT_WINDOW_MS;
  }

  /** Counts a request and tells whether it went to a documented endpoint. */
  count(path: string): boolean {
    this.calls.set(path, (this.calls.get(path) ?? 0) + 1);
    return KNOWN_PATHS.has(path);
  }
}
