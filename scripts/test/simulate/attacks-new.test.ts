import { describe, expect, it } from 'vitest';
import type { VoteAction } from '../../simulate/actions.js';
import { drawScenario } from '../../simulate/draws.js';
import { knob } from '../../simulate/knobs.js';
import { subnetOf } from '../../simulate/network.js';
import { buildPlan, type Plan } from '../../simulate/plan.js';
import { SCENARIOS } from '../../simulate/scenario.js';

const sweep = SCENARIOS.sweep;
const plan = buildPlan(5, sweep, sweep.defaults.attacks, []);
const votesOf = (p: Plan, label: string): VoteAction[] =>
  p.actions.filter((a): a is VoteAction => a.kind === 'vote' && a.label === label);
const distinct = <T>(items: T[]) => new Set(items).size;
describe('lockstep-cohort', () => {
  it.each([0, 1, 2, 3])(
    'votes in waves, each within its jitter, from many addresses and phones (draw %i)',
    (seed) => {
      const scenario = seed === 0 ? sweep : drawScenario(sweep, seed);
      const votes = votesOf(buildPlan(seed, scenario, ['lockstep-cohort'], []), 'lockstep-cohort');
      const jitter = knob(scenario, 'lockstep-cohort.jitterMs');
      const gap = knob(scenario, 'lockstep-cohort.waveGapMs');
      const times = votes.map((v) => v.at).sort((a, b) => a - b);
      // Waves: a new one starts where the gap to the previous vote is more than the jitter.
      const waves: number[][] = [];
      for (const t of times) {
        const wave = waves.at(-1);
        if (wave && t - (wave.at(-1) ?? 0) <= jitter) wave.push(t);
        else waves.push([t]);
      }
      expect(waves.length).toBeGreaterThanOrEqual(2);
      for (const wave of waves) expect((wave.at(-1) ?? 0) - (wave[0] ?? 0)).toBeLessThanOrEqual(jitter + 1);
      expect(Math.abs((waves[1]?.[0] ?? 0) - (waves[0]?.[0] ?? 0) - gap)).toBeLessThanOrEqual(jitter + 1);
      const accounts = distinct(votes.map((v) => v.account));
      expect(accounts).toBe(knob(scenario, 'lockstep-cohort.accounts'));
      expect(distinct(votes.map((v) => v.device.id))).toBe(accounts);
      expect(distinct(votes.map((v) => v.ip))).toBeGreaterThanOrEqual(Math.round(accounts * 0.2));
    },
  );
});

describe('emulator-farm', () => {
  it('dwells within the centre ± its tightness on every account, on random fingerprints', () => {
    const votes = votesOf(plan, 'emulator-farm');
    for (const v of votes) expect(Math.abs(v.dwellMs - 2_000)).toBeLessThanOrEqual(61);
    expect(distinct(votes.map((v) => v.account))).toBe(50);
    expect(distinct(votes.map((v) => v.device.id))).toBe(50);
    expect(distinct(votes.map((v) => v.device.fingerprint))).toBe(50);
    expect(distinct(votes.map((v) => v.ip))).toBeGreaterThanOrEqual(30);
  });
});

describe('referral-tree', () => {
  it('brings 40 invitees through one inviter within 5 minutes, each voting once and doing nothing else', () => {
    const actions = plan.actions.filter((a) => a.label === 'referral-tree');
    const share = actions.find((a) => a.kind === 'share');
    const invited = votesOf(plan, 'referral-tree').filter((v) => v.sharedBy !== undefined);
    expect(distinct(invited.map((v) => v.sharedBy))).toBe(1);
    expect(invited.length).toBe(40);
    expect(distinct(invited.map((v) => v.account))).toBe(40);
    for (const v of invited) {
      expect(v.at - (share?.at ?? 0)).toBeGreaterThan(0);
      expect(v.at - (share?.at ?? 0)).toBeLessThanOrEqual(5 * 60_000);
      expect(actions.filter((a) => a.account === v.account).map((a) => a.kind)).toEqual(['login', 'vote']);
    }
    expect(distinct(invited.map((v) => subnetOf(v.ip)))).toBeGreaterThan(30);
  });
});

describe('framing', () => {
  const attack = votesOf(plan, 'framing');
  const supporters = votesOf(plan, 'framed-supporters');

  it('votes for the rival from the address its real supporters share, with fast new accounts', () => {
    expect(distinct(attack.map((v) => v.ip))).toBe(1);
    const nat = attack[0]?.ip;
    expect(supporters.filter((v) => v.ip === nat).length / supporters.length).toBeGreaterThan(0.5);
    expect(new Set([...attack, ...supporters].map((v) => v.candidateId))).toEqual(new Set(['c01']));
    for (const v of attack) expect(v.dwellMs).toBeLessThan(1_000);
    expect(distinct(attack.map((v) => v.account))).toBe(6);
  });

  it('has the supporters vote before the attack and during it', () => {
    const start = Math.min(...attack.map((v) => v.at));
    const end = Math.max(...attack.map((v) => v.at));
    expect(supporters.filter((v) => v.at < start).length).toBeGreaterThan(20);
    expect(supporters.filter((v) => v.at >= start && v.at <= end + 60_000).length).toBeGreaterThan(0);
    expect(plan.accounts.filter((a) => a.label === 'framed-supporters').length).toBe(40);
  });
});

describe('what the attacks bought', () => {
  it('is on the plan: accounts, devices and addresses per attack', () => {
    expect(plan.costs['device-farm']).toEqual({ accounts: 40, devices: 1, addresses: 3 });
    expect(plan.costs.adaptive?.accounts).toBe(30);
    expect(plan.costs.framing).toEqual({ accounts: 6, devices: 6, addresses: 1 });
    expect(Object.keys(plan.costs)).toEqual(plan.attacks);
  });
});
