import { loadConfig } from '@rallyboard/core/config';
import { closeRedis, defineScripts, type RedisClient } from '@rallyboard/core/redis';
import { DEFAULT_RISK_SETTINGS } from '@rallyboard/core/risk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testConfig } from '../../../../test/support/config.js';
import { testRedis } from '../../../../test/support/stack.js';
import { drawScenario } from '../../../simulate/draws.js';
import { isHonest } from '../../../simulate/scenario.js';
import { gateLimitsOf } from '../../../simulate/sweep/gates.js';
import { renderSweep } from '../../../simulate/sweep/render.js';
import { runSweep, type SweepResult } from '../../../simulate/sweep/sweep.js';

/**
 * A small held-out sweep in CI: three draws of the `sweep` preset (3 h of traffic each, every
 * attack and honest crowd, knobs drawn from seeds the rules were never tuned on), replayed in
 * virtual time through the real measurement script and the default rules and limits.
 *
 * The bounds are the tuning split's worst figures with some room (docs/simulator.md, "Sweeps"),
 * not the targets, which the held-out sweep does not reach yet (docs/risk.md says where
 * it falls short). Before the rules were reworked, these three draws gave 54-70% recall and 5-12%
 * of honest votes held or refused (a venue crowd 87%).
 */
const DRAWS = 3;
/** Every draw's recall over the attacks (the adaptive attacker is measured by its cost). */
const MIN_DRAW_RECALL = 0.7;
const MIN_MEAN_RECALL = 0.8;
/** Every draw's false positives over all honest votes, and the worst single honest population. */
const MAX_HONEST_FALSE_POSITIVES = 0.005;
const MAX_POPULATION_FALSE_POSITIVES = 0.02;

let redis: RedisClient;
let result: SweepResult;

beforeAll(async () => {
  redis = await testRedis(testConfig());
  defineScripts(redis);
  result = await runSweep({
    redis,
    settings: DEFAULT_RISK_SETTINGS,
    // The server's default limits (the test environment turns some off for other tests).
    limits: gateLimitsOf(loadConfig({})),
    preset: 'sweep',
    split: 'heldout',
    draws: DRAWS,
    draw: drawScenario,
  });
}, 180_000);

afterAll(() => closeRedis(redis));

const report = () => renderSweep(result);

describe('risk control on a held-out sweep', () => {
  it('stops the attacks it was not tuned on', () => {
    const recalls = result.draws.map((d) => d.overallRecall);
    for (const recall of recalls) expect(recall, report()).toBeGreaterThanOrEqual(MIN_DRAW_RECALL);
    const mean = recalls.reduce((a, b) => a + b, 0) / recalls.length;
    expect(mean, report()).toBeGreaterThanOrEqual(MIN_MEAN_RECALL);
  });

  it('holds or refuses hardly any honest vote, in crowds, campuses and carrier NAT too', () => {
    for (const d of result.draws) {
      expect(d.honestFalsePositives, report()).toBeLessThanOrEqual(MAX_HONEST_FALSE_POSITIVES);
      for (const [label, rate] of Object.entries(d.falsePositives)) {
        expect(rate, `${label} in draw ${d.seed}\n${report()}`).toBeLessThanOrEqual(
          MAX_POPULATION_FALSE_POSITIVES,
        );
      }
    }
  });

  it('refuses no honest sign-in or vote at the gates: a venue behind one address gets in', () => {
    for (const d of result.draws) {
      for (const row of d.labels.filter((r) => isHonest(r.label))) {
        expect(row.refused, `${row.label} refused in draw ${d.seed}`).toBe(0);
      }
      expect(d.labels.find((r) => r.label === 'live-crowd')?.planned).toBeGreaterThan(0);
    }
  });

  it('reports what the adaptive attacker bought per vote counted', () => {
    for (const d of result.draws) {
      const cost = d.costs.adaptive;
      expect(cost?.accounts).toBeGreaterThan(0);
    }
  });
});
