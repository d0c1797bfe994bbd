// The scenarios, the attack switches and the honest crowds. Sizes are the (full), scaled
// down (small), and realistic hours of traffic for sweeps replayed in virtual time (sweep,
// sweep-small). Behaviour constants are knobs (knobs.ts) that a scenario may override.
import { z } from 'zod';

export const ATTACKS = [
  'device-farm',
  'ip-farm',
  'proxy-rotation',
  'scripted-timing',
  'burst',
  'slow-drip',
  'referral-ring',
  'lockstep-cohort',
  'emulator-farm',
  'referral-tree',
  'adaptive',
  'framing',
] as const;
export const attackSchema = z.enum(ATTACKS);
export type Attack = z.infer<typeof attackSchema>;

/** The seven attacks the default rules were first tuned on: the small and full scenarios' default. */
export const FIRST_ATTACKS: readonly Attack[] = ATTACKS.slice(0, 7);

/** Honest populations that can be switched on or off; `framed-supporters` comes with `framing`. */
export const CROWDS = ['live-crowd', 'dense-campus', 'cgnat-city', 'opening-rush', 'group-share'] as const;
export const crowdSchema = z.enum(CROWDS);
export type Crowd = z.infer<typeof crowdSchema>;

/** The honest populations: every vote they cast is real, and holding or refusing it is a false positive. */
export const HONEST_LABELS = ['honest', ...CROWDS, 'framed-supporters'] as const;
export type HonestLabel = (typeof HONEST_LABELS)[number];

/** Who cast a vote: an honest population, or one of the attacks. */
export type Label = HonestLabel | Attack;
export const LABELS: readonly Label[] = [...HONEST_LABELS, ...ATTACKS];

/** Whether a label is an honest population's. */
export const isHonest = (label: Label): label is HonestLabel =>
  (HONEST_LABELS as readonly string[]).includes(label);

const SCENARIO_NAMES = ['small', 'full', 'sweep', 'sweep-small'] as const;
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
  /** What a run plays when no switch says otherwise. */
  defaults: { attacks: readonly Attack[]; crowds: readonly Crowd[] };
  /**
   * Every generator's parameters by name (`<generator>.<knob>`, see knobs.ts); a knob not given
   * is today's constant (or the size above), so a scenario without knobs plays today's plan.
   */
  knobs?: Readonly<Record<string, number>>;
}

const FIRST_SIZES_FULL: Scenario['attacks'] = {
  'device-farm': { accounts: 40, ips: 3 },
  'ip-farm': { accounts: 60, ips: 3 },
  'proxy-rotation': { accounts: 50, devices: 6 },
  'scripted-timing': { accounts: 10, periodMs: 3_000 },
  burst: { accounts: 150, windowMs: 60_000 },
  'slow-drip': { accounts: 24, devices: 4, subnets: 3 },
  'referral-ring': { accounts: 30, devices: 3 },
};

const FIRST_SIZES_SMALL: Scenario['attacks'] = {
  'device-farm': { accounts: 12, ips: 2 },
  'ip-farm': { accounts: 16, ips: 2 },
  'proxy-rotation': { accounts: 12, devices: 3 },
  'scripted-timing': { accounts: 3, periodMs: 2_500 },
  burst: { accounts: 40, windowMs: 15_000 },
  'slow-drip': { accounts: 8, devices: 2, subnets: 2 },
  'referral-ring': { accounts: 10, devices: 2 },
};

const HOUR = 3_600_000;

export const SCENARIOS: Readonly<Record<ScenarioName, Scenario>> = {
  small: {
    name: 'small',
    durationMs: 30_000,
    candidates: 12,
    dailyQuota: 10,
    honest: { users: 300, offices: 1, hostCalls: 1, hostCallWindowMs: 8_000 },
    attacks: FIRST_SIZES_SMALL,
    defaults: { attacks: FIRST_ATTACKS, crowds: [] },
  },
  full: {
    name: 'full',
    durationMs: 240_000,
    candidates: 12,
    dailyQuota: 10,
    honest: { users: 3_000, offices: 4, hostCalls: 2, hostCallWindowMs: 30_000 },
    attacks: FIRST_SIZES_FULL,
    defaults: { attacks: FIRST_ATTACKS, crowds: [] },
  },
  /** Three hours of a real event, every attack and every crowd, each with a candidate of its own. */
  sweep: {
    name: 'sweep',
    durationMs: 3 * HOUR,
    candidates: 20,
    dailyQuota: 10,
    honest: { users: 2_500, offices: 4, hostCalls: 2, hostCallWindowMs: 120_000 },
    attacks: FIRST_SIZES_FULL,
    defaults: { attacks: ATTACKS, crowds: CROWDS },
  },
  /** A CI sweep: an hour, a few hundred to ~1,500 votes per plan, still every attack and crowd. */
  'sweep-small': {
    name: 'sweep-small',
    durationMs: HOUR,
    candidates: 20,
    dailyQuota: 10,
    honest: { users: 150, offices: 1, hostCalls: 1, hostCallWindowMs: 90_000 },
    attacks: FIRST_SIZES_SMALL,
    defaults: { attacks: ATTACKS, crowds: CROWDS },
    knobs: {
      'live-crowd.attendees': 100,
      'dense-campus.students': 80,
      'cgnat-city.users': 100,
      'cgnat-city.addresses': 2,
      'opening-rush.participants': 100,
      'group-share.friends': 20,
      'framing.supporters': 15,
      'framing.accounts': 6,
      'lockstep-cohort.accounts': 20,
      'emulator-farm.accounts': 15,
      'referral-tree.fanOut': 20,
      'adaptive.accounts': 15,
    },
  },
};

/** Candidate ids of a scenario: c01, c02, … */
export const candidateIds = (scenario: Scenario): string[] =>
  Array.from({ length: scenario.candidates }, (_, i) => `c${String(i + 1).padStart(2, '0')}`);

/**
 * The rival a framing attack votes for, whose real supporters it wants held: the front-runner,
 * c01, a popular honest candidate with supporters everywhere.
 */
const RIVAL_INDEX = 0;

/**
 * The candidate each attack pushes: its own, so each attack's effect is separable. The least
 * popular ones (an underdog is whom riggers push), from the last candidate down; `framing`
 * pushes the rival (c01) instead, to get that rival's real supporters held.
 */
export function targetOf(scenario: Scenario, attack: Attack): string {
  const ids = candidateIds(scenario);
  if (attack === 'framing') return ids[RIVAL_INDEX] as string;
  return ids[ids.length - 1 - ATTACKS.indexOf(attack)] as string;
}

/**
 * The candidate a crowd concentrates on: the one on stage at the live event (c02), the campus's
 * classmate (c03), the one a popular sharer's group chats are asked to back (c04); a carrier-NAT
 * city and a campaign's opening rush vote like everyone else (no candidate of their own).
 */
export function crowdTargetOf(scenario: Scenario, crowd: Crowd | 'framed-supporters'): string | undefined {
  const ids = candidateIds(scenario);
  switch (crowd) {
    case 'live-crowd':
      return ids[1];
    case 'dense-campus':
      return ids[2];
    case 'group-share':
      return ids[3];
    case 'framed-supporters':
      return ids[RIVAL_INDEX];
    case 'cgnat-city':
    case 'opening-rush':
      return undefined;
  }
}

function parseList<T extends string>(
  what: string,
  known: readonly T[],
  text: string,
  defaults: readonly T[],
): T[] {
  const t = text.trim();
  if (t === 'default') return [...defaults];
  if (t === 'all' || t === '') return [...known];
  if (t === 'none') return [];
  const out: T[] = [];
  for (const name of t.split(',').map((s) => s.trim())) {
    if (!(known as readonly string[]).includes(name))
      throw new Error(`unknown ${what} "${name}" (known: ${known.join(', ')}, all, none, default)`);
    if (!out.includes(name as T)) out.push(name as T);
  }
  return out;
}

/**
 * `--attacks a,b,…`, `all`, `none` or `default` (the scenario's own list, `defaults`; every
 * attack when none is given). Unknown names are refused with the list of known ones.
 */
export const parseAttacks = (text: string, defaults: readonly Attack[] = ATTACKS): Attack[] =>
  parseList('attack', ATTACKS, text, defaults);

/** `--crowds a,b,…`, `all`, `none` or `default`, as parseAttacks. */
export const parseCrowds = (text: string, defaults: readonly Crowd[] = CROWDS): Crowd[] =>
  parseList('crowd', CROWDS, text, defaults);
