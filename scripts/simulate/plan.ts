// The plan: seed + scenario + attack switches → a deterministic, time-ordered list of labelled
// actions. Pure: no clock, no I/O, no Math.random.
import type { Account, Action } from './actions.js';
import { attackScript } from './attacks.js';
import { honestPopulation } from './population.js';
import {
  ATTACKS,
  type Attack,
  candidateIds,
  type Scenario,
  type ScenarioName,
  targetOf,
} from './scenario.js';

/** At the same millisecond a login goes before a share, a share before a vote. */
const KIND_ORDER: Readonly<Record<Action['kind'], number>> = { login: 0, share: 1, vote: 2 };

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
  accounts: Account[];
  /** By time; ties in a fixed order (label, then the order each generator made them). */
  actions: Action[];
}

export function buildPlan(seed: number, scenario: Scenario, attacks: readonly Attack[]): Plan {
  const on = ATTACKS.filter((a) => attacks.includes(a));
  const scripts = [honestPopulation(seed, scenario), ...on.map((a) => attackScript(seed, scenario, a))];
  const indexed = scripts.flatMap((s, si) => s.actions.map((action, i) => ({ action, si, i })));
  indexed.sort(
    (a, b) =>
      a.action.at - b.action.at ||
      KIND_ORDER[a.action.kind] - KIND_ORDER[b.action.kind] ||
      a.si - b.si ||
      a.i - b.i,
  );
  return {
    seed,
    scenario: scenario.name,
    durationMs: scenario.durationMs,
    dailyQuota: scenario.dailyQuota,
    candidates: candidateIds(scenario),
    attacks: on,
    targets: Object.fromEntries(on.map((a) => [a, targetOf(scenario, a)])),
    accounts: scripts.flatMap((s) => s.accounts),
    actions: indexed.map((x) => x.action),
  };
}
