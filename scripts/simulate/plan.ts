// The plan: seed + scenario + attack and crowd switches → a deterministic, time-ordered list of
// labelled actions. Pure: no clock, no I/O, no Math.random.
import type { Account, Action, Script } from './actions.js';
import { attackScripts } from './attacks.js';
import { crowdScript } from './crowds.js';
import { honestPopulation } from './population.js';
import {
  ATTACKS,
  type Attack,
  CROWDS,
  type Crowd,
  candidateIds,
  crowdTargetOf,
  type HonestLabel,
  type Scenario,
  type ScenarioName,
  targetOf,
} from './scenario.js';

/** At the same millisecond a login goes before a share, a share before a vote. */
const KIND_ORDER: Readonly<Record<Action['kind'], number>> = { login: 0, share: 1, vote: 2 };

/** What an attack bought: distinct accounts, device ids and addresses over its actions. */
export interface AttackCost {
  accounts: number;
  devices: number;
  addresses: number;
}

export interface Plan {
  seed: number;
  scenario: ScenarioName;
  durationMs: number;
  dailyQuota: number;
  candidates: string[];
  /** The attacks switched on, in the canonical order. */
  attacks: Attack[];
  /** Each attack's candidate. */
  targets: Partial<Record<Attack, string>>;
  /** The honest crowds switched on, in the canonical order. */
  crowds: Crowd[];
  /** The candidate a crowd concentrates on, where it has one. */
  crowdTargets: Partial<Record<Exclude<HonestLabel, 'honest'>, string>>;
  /** What each attack switched on bought: for "votes bought per vote counted". */
  costs: Partial<Record<Attack, AttackCost>>;
  accounts: Account[];
  /** By time; ties in a fixed order (label, then the order each generator made them). */
  actions: Action[];
}

function costOf(script: Script): AttackCost {
  const distinct = (key: (a: Action) => string) => new Set(script.actions.map(key)).size;
  return {
    accounts: script.accounts.length,
    devices: distinct((a) => a.device.id),
    addresses: distinct((a) => a.ip),
  };
}

/** Refuses a plan where two attacks or crowds would push the same candidate: their figures would mix. */
function checkTargets(scenario: Scenario, on: readonly Attack[], crowds: readonly Crowd[]): void {
  const owner = new Map<string, string>();
  const claim = (candidate: string | undefined, who: string) => {
    if (candidate === undefined) return;
    const other = owner.get(candidate);
    if (other !== undefined)
      throw new Error(
        `scenario ${scenario.name} has ${scenario.candidates} candidates: too few for ${other} and ${who} to have one each (${candidate})`,
      );
    owner.set(candidate, who);
  };
  for (const attack of on) claim(targetOf(scenario, attack), attack);
  for (const crowd of crowds) claim(crowdTargetOf(scenario, crowd), crowd);
}

/**
 * The plan of `seed` in `scenario` with these attacks and crowds switched on (the crowds default
 * to the scenario's own: every crowd for the sweep presets, none for small and full).
 */
export function buildPlan(
  seed: number,
  scenario: Scenario,
  attacks: readonly Attack[],
  crowds: readonly Crowd[] = scenario.defaults.crowds,
): Plan {
  const on = ATTACKS.filter((a) => attacks.includes(a));
  const crowdsOn = CROWDS.filter((c) => crowds.includes(c));
  checkTargets(scenario, on, crowdsOn);
  const byAttack = on.map((a) => [a, attackScripts(seed, scenario, a)] as const);
  const scripts = [
    honestPopulation(seed, scenario),
    ...crowdsOn.map((c) => crowdScript(seed, scenario, c)),
    ...byAttack.flatMap(([, s]) => s),
  ];
  const indexed = scripts.flatMap((s, si) => s.actions.map((action, i) => ({ action, si, i })));
  indexed.sort(
    (a, b) =>
      a.action.at - b.action.at ||
      KIND_ORDER[a.action.kind] - KIND_ORDER[b.action.kind] ||
      a.si - b.si ||
      a.i - b.i,
  );
  const crowdTargets: Plan['crowdTargets'] = {};
  for (const crowd of [...crowdsOn, ...(on.includes('framing') ? (['framed-supporters'] as const) : [])]) {
    const target = crowdTargetOf(scenario, crowd);
    if (target !== undefined) crowdTargets[crowd] = target;
  }
  return {
    seed,
    scenario: scenario.name,
    durationMs: scenario.durationMs,
    dailyQuota: scenario.dailyQuota,
    candidates: candidateIds(scenario),
    attacks: on,
    targets: Object.fromEntries(on.map((a) => [a, targetOf(scenario, a)])),
    crowds: crowdsOn,
    crowdTargets,
    costs: Object.fromEntries(byAttack.map(([a, [own]]) => [a, costOf(own as Script)])),
    accounts: scripts.flatMap((s) => s.accounts),
    actions: indexed.map((x) => x.action),
  };
}
