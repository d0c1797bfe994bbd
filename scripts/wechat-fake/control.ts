import type { WeChatFakeState } from './state.js';

/** Where the control API lives: `POST /__fake/<control>` with the arguments as a JSON object. */
export const CONTROL_PREFIX = '/__fake/';

export class ControlError extends Error {}

type Args = Record<string, unknown>;

function str(args: Args, name: string): string {
  const v = args[name];
  if (typeof v !== 'string' || v === '') throw new ControlError(`${name}: expected a non-empty string`);
  return v;
}

function optNum(args: Args, name: string): number | undefined {
  const v = args[name];
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new ControlError(`${name}: expected a number`);
  return v;
}

function num(args: Args, name: string): number {
  const v = optNum(args, name);
  if (v === undefined) throw new ControlError(`${name}: required`);
  return v;
}

/**
 * The state's controls over HTTP, for a process that does not hold the fake in memory (the demo,
 * an end-to-end test). Each answers `{ ok: true, ...result }`; `GET /__fake/calls` reads the counts.
 */
export const CONTROLS: Readonly<Record<string, (state: WeChatFakeState, args: Args) => Args | undefined>> = {
  issueCode: (s, a) => ({ code: a.openid === undefined ? s.issueCode() : s.issueCode(str(a, 'openid')) }),
  blockUser: (s, a) => void s.blockUser(str(a, 'openid')),
  visit: (s, a) => void s.visit(str(a, 'openid')),
  expireTokens: (s) => void s.expireTokens(),
  revokeTokens: (s) => void s.revokeTokens(),
  failNext: (s, a) => void s.failNext(str(a, 'path'), num(a, 'errcode'), optNum(a, 'times') ?? 1),
  delayNext: (s, a) => void s.delayNext(str(a, 'path'), num(a, 'ms'), optNum(a, 'times') ?? 1),
  garbleNext: (s, a) => void s.garbleNext(str(a, 'path'), optNum(a, 'times') ?? 1),
  clearFaults: (s) => void s.clearFaults(),
  setRiskRank: (s, a) => void s.setRiskRank(str(a, 'openid'), num(a, 'rank')),
  blockWord: (s, a) => {
    const suggest = a.suggest ?? 'risky';
    if (suggest !== 'review' && suggest !== 'risky') throw new ControlError('suggest: review or risky');
    s.blockWord(str(a, 'word'), optNum(a, 'label') ?? 20012, suggest);
    return undefined;
  },
  setMediaVerdict: (s, a) => {
    const suggest = a.suggest;
    if (suggest !== 'pass' && suggest !== 'review' && suggest !== 'risky') {
      throw new ControlError('suggest: pass, review or risky');
    }
    s.setMediaVerdict(str(a, 'match'), suggest, optNum(a, 'label'));
    return undefined;
  },
  setPush: (s, a) => {
    s.push =
      a.url === null
        ? undefined
        : {
            url: str(a, 'url'),
            token: str(a, 'token'),
            aesKey: typeof a.aesKey === 'string' ? a.aesKey : undefined,
          };
    return undefined;
  },
  acceptSubscription: (s, a) =>
    void s.acceptSubscription(str(a, 'openid'), str(a, 'templateId'), optNum(a, 'times') ?? 1),
  resetCalls: (s) => void s.resetCalls(),
  configure: (s, a) => {
    s.tokenTtlSeconds = optNum(a, 'tokenTtlSeconds') ?? s.tokenTtlSeconds;
    s.renewWithinSeconds = optNum(a, 'renewWithinSeconds') ?? s.renewWithinSeconds;
    s.forceRefreshIntervalSeconds = optNum(a, 'forceRefreshIntervalSeconds') ?? s.forceRefreshIntervalSeconds;
    s.forceRefreshDailyLimit = optNum(a, 'forceRefreshDailyLimit') ?? s.forceRefreshDailyLimit;
    s.loginLimitPerMinute = optNum(a, 'loginLimitPerMinute') ?? s.loginLimitPerMinute;
    if (typeof a.unionIds === 'boolean') s.unionIds = a.unionIds;
    if (Array.isArray(a.pages)) s.pages = new Set(a.pages.map(String));
    if (a.pages === null) s.pages = undefined;
    return undefined;
  },
};
