// The ingest's gates in virtual time: the sign-in and vote rate limits and the daily quota, as
// the server applies them (server/src/auth, server/src/ingest, lib/rate-limit.ts), so a sweep
// counts a 429 that would reach an honest participant as the false positive it is.
import type { Config } from '@rallyboard/core/config';

/** One budget: at most `points` in each `durationMs`, counted per key from its first use, as rate-limiter-flexible does. */
export interface Budget {
  points: number;
  durationMs: number;
}

/** The budgets the server applies (0 points: off). */
export interface GateLimits {
  /**
   * Every sign-in from one address (the ceiling sized for carrier NAT). The address's tight
   * budget counts only sign-ins WeChat refuses, and a simulated sign-in never is, so it is not
   * modelled.
   */
  loginCeilingPerIp: Budget;
  /** Every sign-in from one device. */
  loginPerDevice: Budget;
  votePerIp: Budget;
  votePerDevice: Budget;
  votePerVoter: Budget;
}

/** The limits of a configuration, as the server reads them. */
export function gateLimitsOf(config: Pick<Config, 'rateLimits'>): GateLimits {
  const r = config.rateLimits;
  return {
    loginCeilingPerIp: { points: r.loginCeilingPerIp, durationMs: 60_000 },
    loginPerDevice: { points: r.loginPerDevice, durationMs: 60_000 },
    votePerIp: { points: r.perIp, durationMs: 60_000 },
    votePerDevice: { points: r.perDevice, durationMs: 60_000 },
    votePerVoter: { points: r.perVoter, durationMs: 60_000 },
  };
}

/** Fixed windows opened by a key's first use, as RateLimiterRedis counts. */
class Limiter {
  readonly #windows = new Map<string, { start: number; used: number }>();
  constructor(readonly budget: Budget) {}

  /** Charges a point at `t`; false when the key's budget for its window is spent (a 429). */
  charge(key: string | undefined, t: number): boolean {
    if (key === undefined || this.budget.points <= 0) return true;
    let w = this.#windows.get(key);
    if (!w || t >= w.start + this.budget.durationMs) {
      w = { start: t, used: 0 };
      this.#windows.set(key, w);
    }
    w.used += 1;
    return w.used <= this.budget.points;
  }
}

/** What a gate answers: let through, or refused and why. */
export type GateAnswer = { ok: true } | { ok: false; code: 'RATE_LIMITED' | 'QUOTA_EXCEEDED' };

/** The gates of one campaign's run. */
export class Gates {
  readonly #login: Limiter[];
  readonly #vote: { ip: Limiter; device: Limiter; voter: Limiter };
  readonly #used = new Map<string, number>();

  constructor(
    limits: GateLimits,
    readonly dailyQuota: number,
  ) {
    this.#login = [new Limiter(limits.loginCeilingPerIp), new Limiter(limits.loginPerDevice)];
    this.#vote = {
      ip: new Limiter(limits.votePerIp),
      device: new Limiter(limits.votePerDevice),
      voter: new Limiter(limits.votePerVoter),
    };
  }

  login(t: number, ip: string, deviceId: string): GateAnswer {
    const [perIp, perDevice] = this.#login as [Limiter, Limiter];
    // Both are charged, as the server charges both before it answers.
    const ipOk = perIp.charge(ip, t);
    const deviceOk = perDevice.charge(deviceId, t);
    return ipOk && deviceOk ? { ok: true } : { ok: false, code: 'RATE_LIMITED' };
  }

  vote(t: number, voter: string, ip: string, deviceId: string): GateAnswer {
    const ipOk = this.#vote.ip.charge(ip, t);
    const deviceOk = this.#vote.device.charge(deviceId, t);
    const voterOk = this.#vote.voter.charge(voter, t);
    if (!(ipOk && deviceOk && voterOk)) return { ok: false, code: 'RATE_LIMITED' };
    const used = (this.#used.get(voter) ?? 0) + 1;
    this.#used.set(voter, used);
    return used <= this.dailyQuota ? { ok: true } : { ok: false, code: 'QUOTA_EXCEEDED' };
  }
}
