// What the honest crowds share: people who arrive over the day, sign in, vote 1-5 times with
// human dwell, and sometimes bring a friend through their share link.
import { type Account, rankFrom, type Script } from './actions.js';
import type { Device } from './network.js';
import { type Choices, HONEST_RANKS, humanDwell, popularPick } from './population.js';
import type { Rng } from './random.js';
import type { Scenario } from './scenario.js';

/** Votes per person (1-5), weights, as the honest population's. */
const VOTES_PER_PERSON = [30, 25, 20, 15, 10] as const;

/** What a crowd's generator works with. */
export interface CrowdCtx {
  rng: Rng;
  script: Script;
  scenario: Scenario;
  D: number;
  /** The candidate the crowd concentrates on (the campus's classmate, the one on stage). */
  target: string | undefined;
  choices: { candidates: string[]; weights: number[] };
}

export interface Visitor {
  account: Account;
  device: Device;
  /** Their address for a first (false) or later (true) request. */
  ip(later: boolean): string;
  arrival: number;
  favourite: string;
  /** Later votes are quick taps (0.8-2 s). */
  quick: boolean;
  invitedBy?: Visitor;
  sharedAt?: number;
}

export interface VisitStyle {
  dwellMedianMs: number;
  dwellSigma: number;
  /** Median gap between a person's votes, as a share of the run. */
  gapShare: number;
  /** Chance a later vote goes to the favourite rather than a popularity draw. */
  favourite: number;
  choices: Choices;
}

/**
 * How long after a call or an opening someone arrives: exponential, half of them within `half`,
 * truncated at `latest` (drawn again past it, then anywhere before it), so that no pile of
 * arrivals lands at the same instant, as clamping made when `half` was near `latest`.
 */
export function arrivalAfter(rng: Rng, half: number, latest: number): number {
  for (let i = 0; i < 50; i++) {
    const x = -Math.log(1 - rng.next()) * (half / Math.LN2);
    if (x <= latest) return x;
  }
  return rng.uniform(0, latest);
}

/** An honest account: ids `<prefix>00000`…, WeChat ranks as the honest population's. */
export const honestAccount = (rng: Rng, script: Script, prefix: string, i: number): Account =>
  script.account(`${prefix}${String(i).padStart(5, '0')}`, rankFrom(rng.next(), HONEST_RANKS));

/**
 * Friend referrals: with chance `share`, a person arrives through the link of an earlier one that
 * `inviterOf` picks among those who arrived at least 4 s before (and were not invited themselves),
 * and takes the inviter's favourite.
 */
export function invite(
  rng: Rng,
  visitors: Visitor[],
  share: number,
  inviterOf: (visitor: Visitor, earlier: Visitor[]) => Visitor | undefined,
): void {
  const byArrival = [...visitors].sort((a, b) => a.arrival - b.arrival);
  for (const [index, visitor] of byArrival.entries()) {
    if (index === 0 || !rng.chance(share)) continue;
    const earlier = byArrival
      .slice(0, index)
      .filter((u) => u.arrival + 4_000 < visitor.arrival && !u.invitedBy);
    const inviter = earlier.length > 0 ? inviterOf(visitor, earlier) : undefined;
    if (!inviter) continue;
    inviter.sharedAt ??= inviter.arrival + rng.uniform(500, 3_000);
    if (inviter.sharedAt + 1_000 > visitor.arrival) continue;
    visitor.invitedBy = inviter;
    visitor.favourite = inviter.favourite;
  }
}

/** Each person signs in, votes 1-5 times until the end of the run, and shares if a friend came through them. */
export function scriptVisitors(
  rng: Rng,
  script: Script,
  visitors: Visitor[],
  D: number,
  style: VisitStyle,
): void {
  const dwell = () => humanDwell(rng, style.dwellMedianMs, style.dwellSigma);
  for (const visitor of visitors) {
    const n = 1 + rng.weighted(VOTES_PER_PERSON);
    let at = visitor.arrival;
    const firstDwell = dwell();
    script.login(
      at - Math.min(firstDwell, 5_000) - rng.uniform(300, 1_500),
      visitor.account,
      visitor.ip(false),
      visitor.device,
    );
    for (let v = 0; v < n && at < D; v++) {
      const later = v > 0;
      const candidateId =
        !later || rng.chance(style.favourite) ? visitor.favourite : popularPick(rng, style.choices);
      script.vote(at, visitor.account, {
        candidateId,
        ip: visitor.ip(later),
        device: visitor.device,
        dwellMs: later && visitor.quick ? rng.uniform(800, 2_000) : later ? dwell() : firstDwell,
        sharedBy: later ? undefined : visitor.invitedBy?.account.id,
      });
      at += Math.min(D, rng.lognormal(D * style.gapShare, 0.8)) + 1_000;
    }
    if (visitor.sharedAt !== undefined) {
      script.share(visitor.sharedAt, visitor.account, visitor.favourite, visitor.ip(false), visitor.device);
    }
  }
}
