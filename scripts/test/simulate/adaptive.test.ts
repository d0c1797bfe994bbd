import { DEFAULT_RISK_SETTINGS } from '@rallyboard/core/risk';
import { describe, expect, it } from 'vitest';
import type { VoteAction } from '../../simulate/actions.js';
import { drawScenario } from '../../simulate/draws.js';
import { subnetOf } from '../../simulate/network.js';
import { buildPlan } from '../../simulate/plan.js';
import { SCENARIOS, type Scenario } from '../../simulate/scenario.js';

const rules = DEFAULT_RISK_SETTINGS.rules;
const TEN_MIN = 10 * 60_000;
const TWO_MIN = 2 * 60_000;

/** The most distinct accounts one key (device, address, /24) shows within any `windowMs`. */
function mostAccounts(votes: VoteAction[], key: (v: VoteAction) => string, windowMs: number): number {
  let most = 0;
  for (const v of votes) {
    const inWindow = votes.filter((w) => key(w) === key(v) && w.at <= v.at && w.at > v.at - windowMs);
    most = Math.max(most, new Set(inWindow.map((w) => w.account)).size);
  }
  return most;
}

/** The most votes within any `windowMs` among `votes`. */
const mostVotes = (votes: VoteAction[], windowMs: number) =>
  Math.max(...votes.map((v) => votes.filter((w) => w.at <= v.at && w.at > v.at - windowMs).length));

function groupBy<T>(items: T[], key: (t: T) => string | number): Map<string | number, T[]> {
  const groups = new Map<string | number, T[]>();
  for (const t of items) groups.set(key(t), [...(groups.get(key(t)) ?? []), t]);
  return groups;
}

const cv = (xs: number[]) => {
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  return Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / xs.length) / mean;
};

const cases: [string, Scenario, number][] = [
  ['sweep', SCENARIOS.sweep, 1],
  ['sweep-small', SCENARIOS['sweep-small'], 2],
  ...[3, 4, 5, 6].map((seed): [string, Scenario, number] => [
    `sweep, draw ${seed}`,
    drawScenario(SCENARIOS.sweep, seed),
    seed,
  ]),
  ...[7, 8].map((seed): [string, Scenario, number] => [
    `sweep-small, draw ${seed}`,
    drawScenario(SCENARIOS['sweep-small'], seed),
    seed,
  ]),
];

describe.each(cases)('the adaptive attacker (%s)', (_, scenario, seed) => {
  const plan = buildPlan(seed, scenario, ['adaptive'], []);
  const votes = plan.actions.filter((a): a is VoteAction => a.kind === 'vote' && a.label === 'adaptive');
  const accounts = plan.accounts.filter((a) => a.label === 'adaptive');
  const byAccount = groupBy(votes, (v) => v.account);
  const firstVotes = [...byAccount.values()].map((vs) => vs[0] as VoteAction);

  it('keeps every device, address and /24 under the default account thresholds', () => {
    expect(mostAccounts(votes, (v) => v.device.id, 24 * 3_600_000)).toBeLessThan(
      rules.deviceAccounts.threshold,
    );
    const perIp = mostAccounts(votes, (v) => v.ip, TEN_MIN);
    expect(perIp).toBeLessThan(rules.ipAccounts.threshold);
    expect(perIp).toBeLessThan(rules.ipCandidateAccounts.threshold);
    const perSubnet = mostAccounts(votes, (v) => subnetOf(v.ip), TEN_MIN);
    expect(perSubnet).toBeLessThan(rules.subnetAccounts.threshold);
    expect(perSubnet).toBeLessThan(rules.subnetCandidateAccounts.threshold);
    expect(mostAccounts(votes, (v) => v.device.fingerprint, TEN_MIN)).toBeLessThan(
      rules.fingerprintAccounts.threshold,
    );
  });

  it('votes like a person: dwell above fastTap, intervals never regular, never in a hurry', () => {
    for (const v of votes) expect(v.dwellMs).toBeGreaterThan(rules.fastTap.threshold);
    for (const vs of byAccount.values()) {
      expect(mostVotes(vs, TEN_MIN)).toBeLessThan(rules.voterRate.threshold);
      const gaps = vs.slice(1).map((v, i) => v.at - (vs[i] as VoteAction).at);
      for (let end = 4; end <= gaps.length; end++) {
        expect(cv(gaps.slice(Math.max(0, end - 8), end))).toBeGreaterThan(rules.regularTiming.threshold);
      }
    }
  });

  it('paces its new accounts: no wave, no lockstep second, no tight dwell, no spike, no referrals', () => {
    expect(firstVotes.filter((v) => v.dwellMs <= 1_000).length).toBe(0);
    const perSecond = groupBy(firstVotes, (v) => Math.floor(v.at / 1_000));
    expect(Math.max(...[...perSecond.values()].map((vs) => vs.length))).toBeLessThan(6);
    // tightDwell and the spike need 8 and 10 of the candidate's votes in 2 minutes.
    expect(mostVotes(firstVotes, TWO_MIN)).toBeLessThan(8);
    expect(mostVotes(votes, TWO_MIN)).toBeLessThan(10);
    expect(votes.every((v) => v.sharedBy === undefined)).toBe(true);
  });

  it('buys no account WeChat rates high-risk, and its costs are on the plan', () => {
    for (const a of accounts) expect(a.riskRank).toBeLessThan(rules.wechatRisk.threshold);
    const devices = new Set(votes.map((v) => v.device.id)).size;
    const addresses = new Set(votes.map((v) => v.ip)).size;
    expect(plan.costs.adaptive).toEqual({ accounts: accounts.length, devices, addresses });
  });
});
