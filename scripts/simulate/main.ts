// `npm run simulate -- [options]`: the labelled attack simulator (see docs/simulator.md).
//
// Drives honest and attack traffic through the real HTTP API of a LOCAL instance only, then
// reports per attack how many votes our defences kept from counting, and how many honest votes
// they held or refused. Without --base-url it starts its own instance on the local services.
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Config, loadConfig } from '@rallyboard/core/config';
import { connectMongo } from '@rallyboard/core/db';
import { closeRedis, createRedis, waitForReady } from '@rallyboard/core/redis';
import { ServiceError, startServices, stopServices } from '../services/index.js';
import { type Options, parseOptions, UsageError } from './options.js';
import { buildPlan, type Plan } from './plan.js';
import { renderRules, renderSummary, renderTable } from './report.js';
import { SCENARIOS } from './scenario.js';
import { type SimulationResult, simulate } from './simulation.js';
import { type LocalStack, startLocalStack } from './stack.js';
import { assertLocalServiceUri, NotLocalError } from './target.js';

const log = (line: string) => console.log(`• ${line}`);

function withDatabase(uri: string, database: string): string {
  const url = new URL(uri);
  url.pathname = `/${database}`;
  return url.toString();
}

async function deleteKeys(redisUrl: string, prefix: string): Promise<number> {
  const redis = createRedis(redisUrl, 'command', 'simulate');
  redis.on('error', () => {});
  await waitForReady(redis);
  let deleted = 0;
  try {
    for (const pattern of [`${prefix}:*`, `{${prefix}}:*`]) {
      let cursor = '0';
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 5_000);
        cursor = next;
        if (keys.length > 0) deleted += await redis.unlink(...keys);
      } while (cursor !== '0');
    }
  } finally {
    await closeRedis(redis);
  }
  return deleted;
}

function printPlan(plan: Plan): void {
  const votes = plan.actions.filter((a) => a.kind === 'vote').length;
  console.log(
    `Rallyboard simulator: scenario ${plan.scenario}, seed ${plan.seed}, attacks ${plan.attacks.join(', ') || 'none'}, ` +
      `crowds ${plan.crowds.join(', ') || 'none'}\n` +
      `  ${plan.accounts.length} accounts, ${votes} planned votes over ${plan.durationMs / 1000} s; ` +
      `targets: ${
        Object.entries(plan.targets)
          .map(([a, c]) => `${a}→${c}`)
          .join(', ') || '—'
      }`,
  );
}

type Cleanups = (() => Promise<unknown>)[];

/** The instance the simulation drives: the one named by --base-url, or one it starts. */
interface Instance {
  baseUrl: string;
  wechatUrl: string;
  mongoUri: string;
  stack: LocalStack | undefined;
}

/** Starts the local services (if not running) and a stack of our own, with its own prefix and database. */
async function startInstance(options: Options, config: Config, cleanups: Cleanups): Promise<Instance> {
  assertLocalServiceUri(config.redis.url, 'REDIS_URL');
  assertLocalServiceUri(config.mongo.uri, 'MONGODB_URI');
  log('starting the local services…');
  const services = await startServices(config);
  const down = services.filter((s) => !s.healthy);
  if (down.length > 0) throw new Error(`services not healthy: ${down.map((s) => s.name).join(', ')}`);
  if (services.some((s) => s.started)) cleanups.push(() => stopServices(config, {}, services));
  // A key prefix and a database of the run's own: nothing else on the services is touched.
  const tag = `sim${randomBytes(4).toString('hex')}`;
  const mongoUri = withDatabase(config.mongo.uri, `rallyboard_${tag}`);
  log(`starting the WeChat fake, server and workers (prefix ${tag}, logs .data/logs/simulate-${tag}-*.log)…`);
  const stack = await startLocalStack(
    {
      ...process.env,
      REDIS_URL: config.redis.url,
      MONGODB_URI: mongoUri,
      KEY_PREFIX: tag,
      NODE_ENV: 'development',
    },
    tag,
  );
  cleanups.push(() => stack.stop());
  if (!options.keepData) {
    cleanups.push(async () => {
      await deleteKeys(config.redis.url, tag);
      const mongo = await connectMongo(mongoUri, 'simulate-cleanup');
      await mongo.dropDatabase();
      await mongo.close();
    });
  }
  return { baseUrl: stack.baseUrl, wechatUrl: stack.wechatUrl, mongoUri, stack };
}

async function instanceOf(options: Options, config: Config, cleanups: Cleanups): Promise<Instance> {
  if (options.baseUrl !== undefined && options.wechatUrl !== undefined) {
    const mongoUri = options.mongoUri ?? config.mongo.uri;
    assertLocalServiceUri(mongoUri, 'MONGODB_URI');
    return { baseUrl: options.baseUrl, wechatUrl: options.wechatUrl, mongoUri, stack: undefined };
  }
  return startInstance(options, config, cleanups);
}

/** Prints the figures and writes them as JSON under --out; answers the file's path. */
function report(plan: Plan, result: SimulationResult, instance: Instance, options: Options, began: number) {
  const { figures } = result;
  const rules = renderRules(figures);
  console.log(
    `\nscenario ${plan.scenario}, seed ${plan.seed}, attacks ${plan.attacks.join(', ') || 'none'}; ` +
      `traffic ${(result.run.wallMs / 1000).toFixed(1)} s (planned ${plan.durationMs / 1000} s, send lag p95 ${result.run.lagMs.p95} ms), ` +
      `decided within ${(result.settleMs / 1000).toFixed(1)} s more`,
  );
  console.log(
    `\n${renderTable(figures)}\n${rules ? `\nrules fired on held or rejected votes:\n${rules}\n` : ''}\n${renderSummary(figures)}`,
  );

  mkdirSync(options.out, { recursive: true });
  const file = join(
    options.out,
    `simulate-${plan.scenario}-${plan.seed}-${new Date().toISOString().replace(/[:.]/g, '-')}.json`,
  );
  writeFileSync(
    file,
    `${JSON.stringify(
      {
        scenario: plan.scenario,
        seed: plan.seed,
        attacks: plan.attacks,
        targets: plan.targets,
        crowds: plan.crowds,
        crowdTargets: plan.crowdTargets,
        costs: plan.costs,
        startedAt: result.run.startedAt,
        plannedDurationMs: plan.durationMs,
        trafficMs: result.run.wallMs,
        settleMs: result.settleMs,
        totalMs: Date.now() - began,
        instance: instance.stack ? 'started by the simulator' : instance.baseUrl,
        campaignId: result.campaignId,
        lagMs: result.run.lagMs,
        logins: result.run.logins,
        shares: result.run.shares,
        figures,
      },
      null,
      2,
    )}\n`,
  );
  return file;
}

async function main(): Promise<number> {
  const options = parseOptions();
  const scenario = SCENARIOS[options.scenario];
  let plan: Plan;
  try {
    plan = buildPlan(options.seed, scenario, options.attacks, options.crowds);
  } catch (error) {
    // Too few candidates for every attack and crowd to have its own: a usage error, not a crash.
    throw new UsageError((error as Error).message);
  }
  printPlan(plan);
  if (options.planOnly) return 0;

  const config = loadConfig();
  const cleanups: Cleanups = [];
  const cleanUp = async () => {
    for (const run of cleanups.splice(0).reverse()) {
      try {
        await run();
      } catch (error) {
        console.error(`! clean-up failed: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
  };
  process.once('SIGINT', () => void cleanUp().then(() => process.exit(130)));
  process.once('SIGTERM', () => void cleanUp().then(() => process.exit(143)));

  try {
    const instance = await instanceOf(options, config, cleanups);
    const { baseUrl, wechatUrl, mongoUri } = instance;
    const mongo = await connectMongo(mongoUri, 'simulate');
    cleanups.push(() => mongo.close());

    const began = Date.now();
    const result = await simulate(plan, { baseUrl, wechatUrl, mongo }, { log });
    const file = report(plan, result, instance, options, began);
    console.log(`\nresults: ${file}`);
    return 0;
  } finally {
    await cleanUp();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof UsageError || error instanceof NotLocalError) {
      console.error(`simulate: ${error.message}`);
      process.exit(2);
    }
    console.error(error instanceof ServiceError ? `✗ ${error.message}` : error);
    process.exit(1);
  },
);
