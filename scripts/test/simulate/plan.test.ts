import { describe, expect, it } from 'vitest';
import type { Action, VoteAction } from '../../simulate/actions.js';
import { subnetOf } from '../../simulate/network.js';
import { buildPlan, type Plan } from '../../simulate/plan.js';
import {
  ATTACKS,
  type Attack,
  FIRST_ATTACKS,
  type Label,
  parseAttacks,
  SCENARIOS,
} from '../../simulate/scenario.js';

const small = SCENARIOS.small;
const all = buildPlan(42, small, ATTACKS);
const votesOf = (plan: Plan, label?: string): VoteAction[] =>
  plan.actions.filter(
    (a): a is VoteAction => a.kind === 'vote' && (label === undefined || a.label === label),
  );
/** An attack's labels: framing brings the rival's real supporters with it. */
const labelsOf = (attack: Attack): Label[] =>
  attack === 'framing' ? ['framing', 'framed-supporters'] : [attack];
const without = (actions: Action[], attack: Attack) =>
  actions.filter((a) => !labelsOf(attack).includes(a.label));
const only = (actions: Action[], attack: Attack) => actions.filter((a) => labelsOf(attack).includes(a.label));

describe('a plan', () => {
  it('is the same for the same seed and scenario', () => {
    expect(JSON.stringify(buildPlan(42, small, ATTACKS))).toBe(JSON.stringify(all));
  });

  it('differs for another seed', () => {
    const other = buildPlan(43, small, ATTACKS);
    expect(other.actions.map((a) => a.at)).not.toEqual(all.actions.map((a) => a.at));
    expect(other.actions.map((a) => a.ip)).not.toEqual(all.actions.map((a) => a.ip));
  });

  it('is ordered by time and stays within the scenario', () => {
    for (let i = 1; i < all.actions.length; i++) {
      expect(all.actions[i]?.at).toBeGreaterThanOrEqual(all.actions[i - 1]?.at ?? 0);
    }
    expect(all.actions.at(-1)?.at).toBeLessThanOrEqual(small.durationMs);
  });

  it('labels every action with its account’s label, and signs each account in before it acts', () => {
    const labels = new Map(all.accounts.map((a) => [a.id, a.label]));
    const signedIn = new Set<string>();
    for (const action of all.actions) {
      expect(action.label).toBe(labels.get(action.account));
      if (action.kind === 'login') signedIn.add(action.account);
      else expect(signedIn.has(action.account), `${action.account} acts before its login`).toBe(true);
    }
  });

  it('gives each vote an idempotency key of its own', () => {
    const keys = votesOf(all).map((v) => `${v.account}/${v.idempotencyKey}`);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('creates a share link before any vote that came through it', () => {
    const shared = new Set<string>();
    for (const action of all.actions) {
      if (action.kind === 'share') shared.add(action.account);
      if (action.kind === 'vote' && action.sharedBy !== undefined)
        expect(shared.has(action.sharedBy)).toBe(true);
    }
  });

  it('keeps every account within the daily quota', () => {
    const perAccount = new Map<string, number>();
    for (const v of votesOf(all)) perAccount.set(v.account, (perAccount.get(v.account) ?? 0) + 1);
    expect(Math.max(...perAccount.values())).toBeLessThanOrEqual(small.dailyQuota);
  });
});

describe('the attack switches', () => {
  it('leave the honest traffic as it is', () => {
    const none = buildPlan(42, small, []);
    expect(none.actions.every((a) => a.label === 'honest')).toBe(true);
    expect(none.actions).toEqual(all.actions.filter((a) => a.label === 'honest'));
  });

  it.each(ATTACKS)('%s adds and removes only its own labelled actions', (attack) => {
    const off = buildPlan(
      42,
      small,
      ATTACKS.filter((a) => a !== attack),
    );
    expect(off.actions).toEqual(without(all.actions, attack));
    expect(all.actions.some((a) => a.label === attack)).toBe(true);
    const alone = buildPlan(42, small, [attack]);
    expect(only(alone.actions, attack)).toEqual(only(all.actions, attack));
  });

  it('parse from the command line, refusing unknown names', () => {
    expect(parseAttacks('all')).toEqual([...ATTACKS]);
    expect(parseAttacks('default', FIRST_ATTACKS)).toEqual([...FIRST_ATTACKS]);
    expect(parseAttacks('none')).toEqual([]);
    expect(parseAttacks('burst,ip-farm,burst')).toEqual(['burst', 'ip-farm']);
    expect(() => parseAttacks('burst,ddos')).toThrow(/unknown attack "ddos"/);
  });

  it('each push a candidate of their own (framing: the rival whose supporters it frames)', () => {
    const targets = Object.values(all.targets);
    expect(new Set(targets).size).toBe(ATTACKS.length);
    expect(all.targets.framing).toBe(all.crowdTargets['framed-supporters']);
    for (const attack of ATTACKS) {
      expect(new Set(votesOf(all, attack).map((v) => v.candidateId))).toEqual(new Set([all.targets[attack]]));
    }
  });
});

describe('the honest population (full scenario)', () => {
  const full = buildPlan(7, SCENARIOS.full, []);
  const votes = votesOf(full);
  const logins = full.actions.filter((a) => a.kind === 'login');

  it('has about 3,000 users with 1-7 votes each', () => {
    expect(full.accounts.length).toBe(3_000);
    expect(votes.length).toBeGreaterThan(5_000);
  });

  it('shares fingerprints across many devices, and a few devices across two accounts', () => {
    const devicesPerFingerprint = new Map<string, Set<string>>();
    const accountsPerDevice = new Map<string, Set<string>>();
    for (const l of logins) {
      devicesPerFingerprint.set(
        l.device.fingerprint,
        (devicesPerFingerprint.get(l.device.fingerprint) ?? new Set()).add(l.device.id),
      );
      accountsPerDevice.set(l.device.id, (accountsPerDevice.get(l.device.id) ?? new Set()).add(l.account));
    }
    expect(Math.max(...[...devicesPerFingerprint.values()].map((s) => s.size))).toBeGreaterThan(50);
    const shared = [...accountsPerDevice.values()].filter((s) => s.size >= 2).length;
    expect(shared / accountsPerDevice.size).toBeGreaterThan(0.03);
    expect(shared / accountsPerDevice.size).toBeLessThan(0.07);
  });

  it('has offices where 20-40 users share a /24, and about 15% on IPv6', () => {
    const accountsPerSubnet = new Map<string, Set<string>>();
    for (const v of votes)
      accountsPerSubnet.set(
        subnetOf(v.ip),
        (accountsPerSubnet.get(subnetOf(v.ip)) ?? new Set()).add(v.account),
      );
    expect([...accountsPerSubnet.values()].filter((s) => s.size >= 20).length).toBeGreaterThanOrEqual(4);
    const v6 = new Set(logins.filter((l) => l.ip.includes(':')).map((l) => l.account)).size;
    expect(v6 / full.accounts.length).toBeGreaterThan(0.1);
    expect(v6 / full.accounts.length).toBeLessThan(0.2);
  });

  it('brings about a fifth of its users through a friend’s share link', () => {
    const invited = new Set(votes.filter((v) => v.sharedBy !== undefined).map((v) => v.account)).size;
    expect(invited / full.accounts.length).toBeGreaterThan(0.12);
    expect(invited / full.accounts.length).toBeLessThan(0.25);
  });

  it('dwells like people: a median near 6 s, some quick returning taps', () => {
    const dwell = votes.map((v) => v.dwellMs).sort((a, b) => a - b);
    const median = dwell[Math.floor(dwell.length / 2)] ?? 0;
    expect(median).toBeGreaterThan(4_500);
    expect(median).toBeLessThan(7_500);
    expect(dwell.filter((d) => d < 2_000).length).toBeGreaterThan(0);
  });

  it('votes with no attack candidates singled out: the top candidate gets the most', () => {
    const perCandidate = new Map<string, number>();
    for (const v of votes) perCandidate.set(v.candidateId, (perCandidate.get(v.candidateId) ?? 0) + 1);
    expect(Math.max(...perCandidate.values())).toBe(perCandidate.get('c01'));
  });
});

describe('the first seven attacks (full scenario)', () => {
  const full = buildPlan(7, SCENARIOS.full, FIRST_ATTACKS);
  const of = (attack: Attack) => votesOf(full, attack);
  const distinct = <T>(items: T[]) => new Set(items).size;

  it('device-farm: one device and fingerprint, ~40 accounts, a few addresses', () => {
    const v = of('device-farm');
    expect(distinct(v.map((x) => x.device.id))).toBe(1);
    expect(distinct(v.map((x) => x.device.fingerprint))).toBe(1);
    expect(distinct(v.map((x) => x.account))).toBe(40);
    expect(distinct(v.map((x) => x.ip))).toBeLessThanOrEqual(3);
  });

  it('ip-farm: a device each, 2-3 addresses of one /24', () => {
    const v = of('ip-farm');
    expect(distinct(v.map((x) => x.device.id))).toBe(60);
    expect(distinct(v.map((x) => x.ip))).toBeLessThanOrEqual(3);
    expect(distinct(v.map((x) => subnetOf(x.ip)))).toBe(1);
  });

  it('proxy-rotation: ~6 devices, addresses in many /24s', () => {
    const v = of('proxy-rotation');
    expect(distinct(v.map((x) => x.device.id))).toBe(6);
    expect(distinct(v.map((x) => subnetOf(x.ip)))).toBeGreaterThan(v.length * 0.9);
  });

  it('scripted-timing: a fixed period (±2%), 150-250 ms dwell, up to the quota', () => {
    const byAccount = new Map<string, number[]>();
    for (const x of of('scripted-timing')) {
      byAccount.set(x.account, [...(byAccount.get(x.account) ?? []), x.at]);
      expect(x.dwellMs).toBeGreaterThanOrEqual(150);
      expect(x.dwellMs).toBeLessThanOrEqual(250);
    }
    expect(byAccount.size).toBe(10);
    for (const times of byAccount.values()) {
      expect(times.length).toBe(SCENARIOS.full.dailyQuota);
      for (let i = 1; i < times.length; i++) {
        expect(Math.abs((times[i] ?? 0) - (times[i - 1] ?? 0) - 3_000)).toBeLessThanOrEqual(61);
      }
    }
  });

  it('burst: ~150 fresh accounts within 60 s', () => {
    const v = of('burst');
    const times = v.map((x) => x.at);
    expect(distinct(v.map((x) => x.account))).toBe(150);
    expect(Math.max(...times) - Math.min(...times)).toBeLessThanOrEqual(60_000);
  });

  it('slow-drip: ~4 devices over ~3 /24s, a minute or two between an account’s votes', () => {
    const v = of('slow-drip');
    expect(distinct(v.map((x) => x.device.id))).toBe(4);
    expect(distinct(v.map((x) => subnetOf(x.ip)))).toBe(3);
  });

  it('referral-ring: each account brought by the previous one, on ~3 devices in one /24', () => {
    const v = of('referral-ring');
    expect(distinct(v.map((x) => subnetOf(x.ip)))).toBe(1);
    expect(distinct(v.map((x) => x.device.id))).toBe(3);
    const inviterOf = new Map(v.filter((x) => x.sharedBy).map((x) => [x.account, x.sharedBy]));
    expect(inviterOf.get('rr001')).toBe('rr000');
    expect(inviterOf.get('rr029')).toBe('rr028');
    expect(inviterOf.get('rr000')).toBe('rr029');
  });
});
