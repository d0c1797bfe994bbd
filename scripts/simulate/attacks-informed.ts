// Attackers who know the rules: the adaptive one stays just under every default threshold; the
// framing one votes for a rival from its real supporters' shared address to get them held.
import { DEFAULT_RISK_SETTINGS } from '@rallyboard/core/risk';
import { Script } from './actions.js';
import type { Ctx } from './attack-kit.js';
import { carrierSubnet, hostIn, mobileIp, phone } from './network.js';
import { humanDwell } from './population.js';
import type { Rng } from './random.js';
import { honestAccount } from './visits.js';

const rules = DEFAULT_RISK_SETTINGS.rules;

/**
 * What the adaptive attacker reads in docs/risk.md: the most accounts it may put on one phone,
 * and on one address (each address in a /24 of its own, so the subnet rules see the same), and
 * the shortest dwell it may show.
 */
const ADAPTIVE_LIMITS = {
  accountsPerDevice: rules.deviceAccounts.threshold - 1,
  accountsPerIp:
    Math.min(
      rules.ipAccounts.threshold,
      rules.ipCandidateAccounts.threshold,
      rules.subnetAccounts.threshold,
      rules.subnetCandidateAccounts.threshold,
    ) - 1,
  /** fastTap fires at or below its threshold; 300 ms of margin. */
  minDwellMs: rules.fastTap.threshold + 300,
  /** voterRate counts one account's votes in 10 minutes. */
  votesPer10Min: rules.voterRate.threshold - 1,
  /** wechatRisk fires from this rank: it buys none. */
  maxRank: rules.wechatRisk.threshold - 1,
};

/** The adaptive attacker's least gap between any two of its votes: 2 minutes ÷ 8. */
const PACE_MS = 15_000;

/** A dwell above `min`, log-normal like a person's (no pile-up at the floor: tightDwell looks for one). */
function dwellAbove(rng: Rng, min: number, median: number): number {
  for (let i = 0; i < 20; i++) {
    const d = humanDwell(rng, median, 0.5);
    if (d >= min) return d;
  }
  return min + rng.uniform(500, 3_000);
}

/**
 * An attacker who knows the default thresholds and stays under each: a few accounts per phone
 * and per address, first votes one at a time and evenly paced (no wave, no lockstep second, no
 * spike), human dwell above fastTap, later votes from aged accounts at intervals that alternate
 * short and long (never machine-regular), no referrals, and no account WeChat rates high-risk.
 */
export function adaptive(c: Ctx): void {
  const n = c.knob('adaptive.accounts');
  const perDevice = Math.max(1, ADAPTIVE_LIMITS.accountsPerDevice - c.knob('adaptive.deviceHeadroom'));
  const perIp = Math.max(1, ADAPTIVE_LIMITS.accountsPerIp - c.knob('adaptive.ipHeadroom'));
  const votes = Math.min(
    c.knob('adaptive.votesPerAccount'),
    c.scenario.dailyQuota,
    ADAPTIVE_LIMITS.votesPer10Min,
  );
  const median = c.knob('adaptive.dwellMedianMs');
  const devices = Array.from({ length: Math.ceil(n / perDevice) }, () => phone(c.rng));
  const ips = Array.from({ length: Math.ceil(n / perIp) }, () => mobileIp(c.rng));
  // First votes evenly over the first half, later ones spread over what is left of the run.
  const step = (0.5 * c.D) / n;
  const wanted: { at: number; vote: (at: number) => void }[] = [];
  for (let i = 0; i < n; i++) {
    const account = c.newAccount(i);
    if (account.riskRank > ADAPTIVE_LIMITS.maxRank) account.riskRank = ADAPTIVE_LIMITS.maxRank as 0 | 1 | 2;
    const device = devices[Math.floor(i / perDevice)] as (typeof devices)[number];
    const ip = ips[i % ips.length] as string;
    let t = 0.05 * c.D + i * step + c.rng.uniform(0.2, 0.8) * step;
    c.script.login(t - c.rng.uniform(3_000, 20_000), account, ip, device);
    const gap = (0.95 * c.D - t) / votes;
    for (let v = 0; v < votes; v++) {
      const dwellMs = dwellAbove(c.rng, ADAPTIVE_LIMITS.minDwellMs, median);
      wanted.push({
        at: t,
        vote: (when) => c.script.vote(when, account, { candidateId: c.target, ip, device, dwellMs }),
      });
      // Short, long, short, long: any four intervals vary by far more than regularTiming's 10%.
      t += gap * (v % 2 === 0 ? c.rng.uniform(0.4, 0.7) : c.rng.uniform(1.3, 1.6));
    }
  }
  // One vote at a time, at least PACE_MS apart: never the 10 votes in 2 minutes a spike (or 8
  // first votes a tight-dwell check) needs, never two in one second. A vote pushed past the end
  // of the run is not cast.
  let at = 0;
  for (const w of wanted.sort((x, y) => x.at - y.at)) {
    at = Math.max(w.at, at + PACE_MS);
    if (at < c.D) w.vote(at);
  }
}

/**
 * Framing: on a campus or office address where real supporters of a rival vote, an attacker
 * votes for that rival with fast new accounts, hoping the cluster rules hold the supporters'
 * votes with its own. The supporters (label `framed-supporters`, honest) vote before and during
 * the attack; the attack's own votes are attack votes.
 */
export function framing(c: Ctx): void {
  const supporters = new Script('framed-supporters');
  c.extra.push(supporters);
  const subnet = carrierSubnet(c.rng);
  const nat = hostIn(c.rng, subnet);
  const windowMs = Math.min(c.knob('framing.windowMs'), 0.3 * c.D);
  const start = c.rng.uniform(0.4, 0.7) * c.D;
  const natShare = c.knob('framing.natShare');
  for (let i = 0; i < c.knob('framing.supporters'); i++) {
    const account = honestAccount(c.rng, supporters, 'fs', i);
    const device = phone(c.rng);
    const ip = c.rng.chance(natShare) ? nat : hostIn(c.rng, subnet);
    // Most have voted before the attack; the rest vote during it.
    const before = c.rng.chance(0.75);
    let t = before ? c.rng.uniform(0.05 * c.D, start) : start + c.rng.uniform(0, windowMs);
    supporters.login(t - c.rng.uniform(2_000, 8_000), account, ip, device);
    const votes = c.rng.int(1, 3);
    for (let v = 0; v < votes && t < c.D; v++) {
      supporters.vote(t, account, { candidateId: c.target, ip, device, dwellMs: humanDwell(c.rng) });
      t += c.rng.uniform(0.02, 0.1) * c.D;
    }
    // A vote during the attack from some who voted before it.
    if (before && c.rng.chance(0.4)) {
      supporters.vote(start + c.rng.uniform(0, windowMs), account, {
        candidateId: c.target,
        ip,
        device,
        dwellMs: humanDwell(c.rng),
      });
    }
  }
  const dwellMax = c.knob('framing.dwellMaxMs');
  for (let i = 0; i < c.knob('framing.accounts'); i++) {
    const account = c.newAccount(i);
    const device = phone(c.rng);
    const at = start + c.rng.uniform(0, windowMs);
    c.script.login(at - c.rng.uniform(1_000, 3_000), account, nat, device);
    c.script.vote(at, account, {
      candidateId: c.target,
      ip: nat,
      device,
      dwellMs: c.rng.uniform(300, dwellMax),
    });
  }
}
