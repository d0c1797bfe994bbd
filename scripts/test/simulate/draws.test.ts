import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { drawScenario } from '../../simulate/draws.js';
import { KNOB_NAMES, knob, knobRange } from '../../simulate/knobs.js';
import { buildPlan } from '../../simulate/plan.js';
import { SCENARIOS, type Scenario } from '../../simulate/scenario.js';

const presets: Scenario[] = [SCENARIOS.sweep, SCENARIOS['sweep-small'], SCENARIOS.small];

describe('a parameter draw', () => {
  it('is the same scenario, and the same plan, for the same seed', () => {
    const a = drawScenario(SCENARIOS['sweep-small'], 7);
    expect(drawScenario(SCENARIOS['sweep-small'], 7)).toEqual(a);
    const plan = buildPlan(7, a, a.defaults.attacks);
    expect(JSON.stringify(buildPlan(7, drawScenario(SCENARIOS['sweep-small'], 7), a.defaults.attacks))).toBe(
      JSON.stringify(plan),
    );
  });

  it('differs by seed, knob by knob', () => {
    const a = drawScenario(SCENARIOS.sweep, 1);
    const b = drawScenario(SCENARIOS.sweep, 2);
    const differing = KNOB_NAMES.filter((name) => knob(a, name) !== knob(b, name));
    expect(differing.length).toBeGreaterThan(KNOB_NAMES.length * 0.8);
  });

  it.each(presets.map((p) => [p.name, p] as const))('stays inside every documented range (%s)', (_, base) => {
    for (let seed = 0; seed < 40; seed++) {
      const drawn = drawScenario(base, seed);
      for (const name of KNOB_NAMES) {
        // The range as the draw saw it: the base's own value for this knob, the drawn ones before it.
        const before = { ...drawn, knobs: { ...drawn.knobs, [name]: knob(base, name) } };
        const [lo, hi] = knobRange(before, name);
        const value = knob(drawn, name);
        expect(value, `${name} (seed ${seed})`).toBeGreaterThanOrEqual(lo);
        expect(value, `${name} (seed ${seed})`).toBeLessThanOrEqual(hi);
      }
    }
  });

  it('leaves a scenario without knobs as it was', () => {
    expect(SCENARIOS.small.knobs).toBeUndefined();
    expect(SCENARIOS.full.knobs).toBeUndefined();
  });
});

describe('docs/simulator.md', () => {
  it('lists every knob in its table', () => {
    const docs = readFileSync(new URL('../../../docs/simulator.md', import.meta.url), 'utf8');
    for (const name of KNOB_NAMES) expect(docs, name).toContain(`| \`${name}\` |`);
  });
});
