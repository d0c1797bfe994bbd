// The scenarios and the attack switches. Sizes are the (full) and scaled down (small).
import { z } from 'zod';

export const ATTACKS = [
  'device-farm',
  'ip-farm',
  'proxy-rotation',
  'scripted-timing',
  'burst',
  'slow-drip',
  'referral-ring',
] as const;
export const attackSchema = z.enum(ATTACKS);
export type Attack = z.infer<typeof attackSchema>;

/** The honest populations: every vote they cast is real, and holding or refusing it is a false positive. */
export const HONEST_LABELS = ['honest'] as const;
export type HonestLabel = (typeof HONEST_LABELS)[number];

/** Who cast a vote: an honest population, or one of the attacks. */
export type Label = HonestLabel | Attack;
export const LABELS: readonly Label[] = [...HONEST_LABELS, ...ATTACKS];

/** Whether a label is an honest population's. */
export const isHonest = (label: Label): label is HonestLabel =>
  (HONEST_LABELS as readonly string[]).includes(label);

const SCENARIO_NAMES = ['small', 'full'] as const;
export const scenarioNameSchema = z.enum(SCENARIO_NAMES);
export type ScenarioName = z.infer<typeof scenarioNameSchema>;

export interface Scenario {
  name: ScenarioName;
  /** Length of the traffic: plan times are offsets in ms within it. */
  durationMs: number;
  candidates: number;
  /** The campaign's votesPerUserPerDay. */
  dailyQuota: number;
  honest: {
    users: number;
    /** Office or campus NATs, each with 20-40 users in one /24. */
    offices: number;
    /** Times a host calls for votes; each brings existing users back within `hostCallWindowMs`. */
    hostCalls: number;
    hostCallWindowMs: number;
  };
  attacks: {
    'device-farm': { accounts: number; ips: number };
    'ip-farm': { accounts: number; ips: number };
    'proxy-rotation': { accounts: number; devices: number };
    'scripted-timing': { accounts: number; periodMs: number };
    burst: { accounts: number; windowMs: number };
    'slow-drip': { accounts: number; devices: number; subnets: number };
    'referral-ring': { accounts: number; devices: number };
  };
}

export const SCENARIOS: Readonly<Record<ScenarioName, Scenario>> = {
  small: {
    name: 'small',
    durationMs: 30_000,
    candidates: 12,
    dailyQuota: 10,
    honest: { users: 300, offices: 1, hostCalls: 1, hostCallWindowMs: 8_000 },
    attacks: {
      'device-farm': { accounts: 12, ips: 2 },
      'ip-farm': { accounts: 16, ips: 2 },
      'proxy-rotation': { accounts: 12, devices: 3 },
      'scripted-timing': { accounts: 3, periodMs: 2_500 },
      burst: { accounts: 40, windowMs: 15_000 },
      'slow-drip': { accounts: 8, devices: 2, subnets: 2 },
      'referral-ring': { accounts: 10, devices: 2 },
    },
  },
  full: {
    name: 'full',
    durationMs: 240_000,
    candidates: 12,
    dailyQuota: 10,
    honest: { users: 3_000, offices: 4, hostCalls: 2, hostCallWindowMs: 30_000 },
    attacks: {
      'device-farm': { accounts: 40, ips: 3 },
      'ip-farm': { accounts: 60, ips: 3 },
      'proxy-rotation': { accounts: 50, devices: 6 },
      'scripted-timing': { accounts: 10, periodMs: 3_000 },
      burst: { accounts: 150, windowMs: 60_000 },
      'slow-drip': { accounts: 24, devices: 4, subnets: 3 },
      'referral-ring': { accounts: 30, devices: 3 },
    },
  },
};

/** Candidate ids of a scenario: c01, c02, … */
export const candidateIds = (scenario: Scenario): string[] =>
  Array.from({ length: scenario.candidates }, (_, i) => `c${String(i + 1).padStart(2, '0')}`);

/**
 * The candidate each attack pushes: its own, so each attack's effect is separable. The least
 * popular ones (an underdog is whom riggers push), from the last candidate down.
 */
export function targetOf(scenario: Scenario, attack: Attack): string {
  const ids = candidateIds(scenario);
  return ids[ids.length - 1 - ATTACKS.indexOf(attack)] as string;
}

/**
 * `--attacks a,b,…`, `all` or `none`. Unknown names are refused with the list of known ones.
 */
export function parseAttacks(text: string): Attack[] {
  const t = text.trim();
  if (t === 'all' || t === '') return [...ATTACKS];
  if (t === 'none') return [];
  const out: Attack[] = [];
  for (const name of t.split(',').map((s) => s.trim())) {
    const parsed = attackSchema.safeParse(name);
    if (!parsed.success)
      throw new Error(`unknown attack "${name}" (known: ${ATTACKS.join(', ')}, all, none)`);
    if (!out.includes(parsed.data)) out.push(parsed.data);
  }
  return out;
}
