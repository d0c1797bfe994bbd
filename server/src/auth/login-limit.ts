import { WeChatError } from '@rallyboard/core/wechat';
import {
  addToLimit,
  assertWithinLimit,
  chargeLimit,
  limitedAddress,
  type RateLimitDeps,
  redisLimiter,
} from '../lib/rate-limit.js';
import { createLoginTurns } from './login-turns.js';

/** Where a sign-in comes from: the client's address, and the device when the client names it. */
export interface LoginOrigin {
  ip: string;
  /** `X-Device-Id`, the mini-program's per-install id. */
  deviceId?: string | undefined;
}

/**
 * Runs `verify` (the sign-in's code2Session call) under the sign-in limits; throws 429
 * RATE_LIMITED, naming the spent budget's scope, without calling it when one is spent.
 */
export type LoginLimit = <T>(origin: LoginOrigin, verify: () => Promise<T>) => Promise<T>;

/** code2Session calls one address may have in flight in one server process; the rest wait their turn. */
export const LOGIN_CALLS_IN_FLIGHT_PER_IP = 16;

/**
 * WeChat's refusals that are the caller's doing: a bad, used or expired code (40029), a user
 * WeChat blocks (40226), the user's own frequency limit (45011), a request WeChat declined for
 * another reason (REQUEST_REJECTED). Not WeChat being busy or unreachable, our configuration, nor
 * the app's quota (45009): a venue must not be locked out by a failure it did not cause.
 */
function isCallersFault(error: unknown): boolean {
  if (!(error instanceof WeChatError)) return false;
  if (error.code === 'WECHAT_RATE_LIMITED') return error.errcode === 45011;
  return (
    error.code === 'WECHAT_LOGIN_CODE_INVALID' ||
    error.code === 'WECHAT_USER_BLOCKED' ||
    error.code === 'WECHAT_REQUEST_REJECTED'
  );
}

/**
 * The limits on WeChat sign-ins, counted in Redis (lib/rate-limit.ts) so every server process
 * shares them, each per minute and 0 for none. They tell a venue crowd behind one NAT from a flood:
 * a code is single-use and issued by WeChat, so a sign-in code2Session accepts is a verified
 * account, and what a limit must stop is a flood of bad codes, each a code2Session call from our
 * app's quota.
 *
 * - Failed sign-ins by address (`RATE_LIMIT_LOGIN_PER_IP`, 60, scope `ip`): charged once WeChat
 *   refuses a code for the caller's fault; once spent, every sign-in from the address is
 *   refused, WeChat unasked. A crowd's sign-ins that succeed cost nothing here.
 * - Sign-ins by device (`RATE_LIMIT_LOGIN_PER_DEVICE`, 10, scope `device`), right or wrong, when
 *   the client sends `X-Device-Id`: one phone signing in as many accounts.
 * - Every sign-in by address (`RATE_LIMIT_LOGIN_CEILING_PER_IP`, 3,000, scope `ip-ceiling`): a
 *   ceiling sized for carrier-grade NAT, where thousands of phones share an address.
 *
 * A failure is known only when WeChat answers, so the calls of one address go through turns
 * (login-turns.ts): at most LOGIN_CALLS_IN_FLIGHT_PER_IP in flight per process, and the failure
 * budget is read again when a call's turn comes. Bad codes sent all at once then reach WeChat at
 * most the budget plus the calls in flight, not the whole burst.
 */
export function createLoginLimit(deps: RateLimitDeps): LoginLimit {
  const { loginPerIp, loginPerDevice, loginCeilingPerIp } = deps.config.rateLimits;
  const failures = redisLimiter(deps, 'login-failed-ip', loginPerIp, 60);
  const devices = redisLimiter(deps, 'login-device', loginPerDevice, 60);
  const ceiling = redisLimiter(deps, 'login-ceiling-ip', loginCeilingPerIp, 60);
  const turns = createLoginTurns(LOGIN_CALLS_IN_FLIGHT_PER_IP);

  async function verifyCounted<T>(ip: string, verify: () => Promise<T>): Promise<T> {
    // Failures may have landed while this sign-in waited for its turn.
    await assertWithinLimit(failures, 'ip', ip);
    try {
      return await verify();
    } catch (error) {
      // Counted before the turn ends, so the next call's check sees it.
      if (isCallersFault(error)) await addToLimit(failures, ip);
      throw error;
    }
  }

  return async (origin, verify) => {
    const ip = limitedAddress(origin.ip);
    const { deviceId } = origin;
    // The cheapest refusal, charging nothing: an address that has spent its failures.
    await assertWithinLimit(failures, 'ip', ip);
    // The device before the address: one phone's flood spends its own budget, not its neighbours'.
    await chargeLimit(devices, 'device', deviceId);
    await chargeLimit(ceiling, 'ip-ceiling', ip);
    if (!failures) return verify();
    return turns.run(ip, () => verifyCounted(ip, verify));
  };
}
