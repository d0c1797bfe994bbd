// A sweep's parameter draws: every knob of every generator drawn from its documented range
// (knobs.ts), from the seed alone. The ranges reach past what the rules were tuned on (a farm
// that dwells like people, a burst over ten minutes, three accounts on each of many phones).
import { KNOB_NAMES, KNOBS, knobRange } from './knobs.js';
import { Rng } from './random.js';
import type { Scenario } from './scenario.js';

/**
 * `base` with every knob drawn for `seed` (stream `draw`), in the table's order, so a knob whose
 * range depends on another (devices on accounts, longest gap on shortest) sees the drawn one.
 * Pure: the same base and seed give the same scenario.
 */
export function drawScenario(base: Scenario, seed: number): Scenario {
  const rng = Rng.stream(seed, 'draw');
  const knobs: Record<string, number> = { ...base.knobs };
  const drawn: Scenario = { ...base, knobs };
  for (const name of KNOB_NAMES) {
    // Not drawn yet, `name` still has the base's value: a size is drawn around the preset's own.
    const [lo, hi] = knobRange({ ...base, knobs: { ...knobs } }, name);
    const { kind } = KNOBS[name];
    const value =
      kind === 'log' && lo > 0 ? Math.exp(rng.uniform(Math.log(lo), Math.log(hi))) : rng.uniform(lo, hi);
    knobs[name] = Math.min(hi, Math.max(lo, kind === 'int' ? Math.round(value) : round(value)));
  }
  return drawn;
}

/** Four significant digits: a drawn scenario reads well in a report and serialises the same. */
const round = (x: number) => Number(x.toPrecision(4));
