import { connectMongo } from '@rallyboard/core/db';
import type { Connection } from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testEnv, testMongoUri } from '../../../test/support/config.js';
import { buildPlan } from '../../simulate/plan.js';
import { renderRules, renderSummary, renderTable } from '../../simulate/report.js';
import { SCENARIOS } from '../../simulate/scenario.js';
import { type SimulationResult, simulate } from '../../simulate/simulation.js';
import { type LocalStack, startLocalStack } from '../../simulate/stack.js';

/**
 * The bounds CI holds risk control to on the small seeded scenario: the recall target, and
 * a false-positive bound with room for a couple of votes (0.5% of 570 honest votes is under 3).
 */
const SEED = 42;
/** The small scenario's own attacks (the first seven) and crowds (none): see docs/simulator.md. */
const { attacks: ATTACKS, crowds: CROWDS } = SCENARIOS.small.defaults;
const MIN_RECALL = 0.95;
const MAX_FALSE_POSITIVE_RATE = 0.01;

let stack: LocalStack;
let mongo: Connection;
let result: SimulationResult;

beforeAll(async () => {
  // The rate limits stay at their defaults (the test env turns them off for other tests), and
  // the log level is the stack's own.
  const { RATE_LIMIT_PER_IP, RATE_LIMIT_PER_DEVICE, RATE_LIMIT_PER_VOTER, LOG_LEVEL, ...env } = testEnv();
  stack = await startLocalStack({ PATH: process.env.PATH, ...env }, `test-${env.KEY_PREFIX}`);
  mongo = await connectMongo(testMongoUri(), 'simulate-test');
  result = await simulate(buildPlan(SEED, SCENARIOS.small, ATTACKS, CROWDS), {
    baseUrl: stack.baseUrl,
    wechatUrl: stack.wechatUrl,
    mongo,
  });
}, 240_000);

afterAll(async () => {
  await stack?.stop();
  await mongo?.dropDatabase();
  await mongo?.close();
});

const figures = () =>
  `\n${renderTable(result.figures)}\n${renderRules(result.figures)}\n${renderSummary(result.figures)}\n`;

describe('the small seeded scenario, against a local instance', () => {
  it('sends every planned vote and gets every accepted one decided', () => {
    const planned = buildPlan(SEED, SCENARIOS.small, ATTACKS, CROWDS).actions.filter(
      (a) => a.kind === 'vote',
    ).length;
    expect(result.outcomes.length).toBe(planned);
    expect(result.figures.lost, figures()).toBe(0);
  });

  it(`keeps at least ${MIN_RECALL * 100}% of the attack votes from counting`, () => {
    expect(result.figures.recall.overall, figures()).toBeGreaterThanOrEqual(MIN_RECALL);
  });

  it(`holds or refuses at most ${MAX_FALSE_POSITIVE_RATE * 100}% of the honest votes`, () => {
    expect(result.figures.falsePositiveRate, figures()).toBeLessThanOrEqual(MAX_FALSE_POSITIVE_RATE);
  });
});
