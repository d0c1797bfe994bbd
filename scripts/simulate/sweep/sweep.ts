// A sweep: many plans (seeds × parameter draws) replayed in virtual time, then per label the
// mean and the worst case. Rules are tuned on the `tuning` split and reported on the `heldout`
// split, whose seeds (and so whose parameter draws) the tuning never saw.
import { randomBytes } from 'node:crypto';
import type { RiskSettings } from '@rallyboard/core/protocol';
import { createKeys, type RedisClient } from '@rallyboard/core/redis';
import { drawScenario } from '../draws.js';
import { buildPlan } from '../plan.js';
import { SCENARIOS, type Scenario, type ScenarioName } from '../scenario.js';
import type { VoteFate } from './fates.js';
import { type DrawFigures, drawFigures, type SweepSummary, summarize } from './figures.js';
import type { GateLimits } from './gates.js';
import { replayPlan } from './replay.js';

export const SPLITS = ['tuning', 'heldout'] as const;
export type Split = (typeof SPLITS)[number];

/**
 * The seeds of a split. Disjoint ranges: a held-out seed (and the parameters drawn from it) is
 * never one the rules were tuned on.
 */
function seedsOf(split: Split, draws: number): number[] {
  const base = split === 'tuning' ? 1_000 : 900_000;
  return Array.from({ length: draws }, (_, i) => base + i);
}

/** The scenario a seed plays: the preset with its knobs drawn from the seed. */
export type ScenarioDraw = (base: Scenario, seed: number) => Scenario;

export interface SweepOptions {
  redis: RedisClient;
  settings: RiskSettings;
  limits: GateLimits;
  preset: ScenarioName;
  split: Split;
  draws: number;
  /** These seeds instead of the split's (to look again at one draw). */
  seeds?: number[];
  draw: ScenarioDraw;
  batch?: number;
  holdDelayMs?: number;
  /** Called after each draw (progress), with its votes' fates. */
  onDraw?: (figures: DrawFigures, ms: number, fates: readonly VoteFate[]) => void;
}

export interface SweepResult {
  preset: ScenarioName;
  split: Split;
  seeds: number[];
  draws: DrawFigures[];
  summary: SweepSummary;
}

/** Deletes every key of a run's prefix, a page at a time. */
async function dropPrefix(redis: RedisClient, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1_000);
    cursor = next;
    if (keys.length > 0) await redis.unlink(...keys);
  } while (cursor !== '0');
}

export async function runSweep(o: SweepOptions): Promise<SweepResult> {
  const seeds = o.seeds ?? seedsOf(o.split, o.draws);
  const draws: DrawFigures[] = [];
  for (const seed of seeds) {
    const started = Date.now();
    const prefix = `sweep-${randomBytes(4).toString('hex')}`;
    const scenario = o.draw(SCENARIOS[o.preset], seed);
    const plan = buildPlan(seed, scenario, scenario.defaults.attacks, scenario.defaults.crowds);
    try {
      const fates = await replayPlan(plan, `sweep-${seed}`, {
        redis: o.redis,
        keys: createKeys(prefix),
        settings: o.settings,
        limits: o.limits,
        batch: o.batch ?? 500,
        holdDelayMs: o.holdDelayMs ?? 2_000,
      });
      const figures = drawFigures(seed, fates, plan.costs);
      draws.push(figures);
      o.onDraw?.(figures, Date.now() - started, fates);
    } finally {
      await dropPrefix(o.redis, prefix);
    }
  }
  return { preset: o.preset, split: o.split, seeds, draws, summary: summarize(draws) };
}

/** The knobs of every generator drawn from the seed (draws.ts). */
export const sweepDraw: ScenarioDraw = drawScenario;
