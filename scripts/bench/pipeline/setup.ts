// Setting up one run of the pipeline benchmark: the services, the run's own key prefix and
// database, its boards and live campaigns, the crowd the load votes as, then our server and workers.
import { randomBytes } from 'node:crypto';
import { readdirSync, rmSync, statSync } from 'node:fs';
import { type Config, loadConfig } from '@rallyboard/core/config';
import { boardModel, connectMongo, registrationOf } from '@rallyboard/core/db';
import { createVoteQueue } from '@rallyboard/core/queue';
import { closeRedis, createKeys, createRedis, registerBoard, waitForReady } from '@rallyboard/core/redis';
import { localFerret } from '../../services/ferretdb.js';
import { type ServiceStatus, startServices } from '../../services/index.js';
import { PATHS } from '../../services/paths.js';
import { freePort } from '../../services/process.js';
import { localRedis } from '../../services/redis.js';
import { LIVE_BOARDS, seedLiveCampaign } from './campaign.js';
import { cleanups } from './cleanup.js';
import { BOARDS, type Ctx, deleteKeys, log, PROBE, REWARD_BOARDS } from './context.js';
import { buildCrowd } from './crowd.js';
import type { Options } from './options.js';
import { startServer, startWorkers } from './processes.js';
import type { Results } from './results.js';
import { SCALE_BOARDS } from './scale-out.js';

/** The same server as `uri`, another database (this run's own). */
function withDatabase(uri: string, database: string): string {
  const url = new URL(uri);
  url.pathname = `/${database}`;
  return url.toString();
}

const redact = (url: string) => url.replace(/\/\/([^:/@]*):[^@]+@/, '//$1:***@');

/** @param groups the candidates go round-robin into this many groups (`g1`, `g2`, …); 0: none */
async function seedBoard(
  ctx: Pick<Ctx, 'redis' | 'mongo' | 'keys' | 'config'>,
  boardId: string,
  ids: string[],
  groups: number,
) {
  const title = `benchmark ${boardId}`;
  const members = ids.map((candidateId, i) => ({
    candidateId,
    name: candidateId,
    ...(groups > 0 ? { group: `g${(i % groups) + 1}` } : {}),
  }));
  const board = await boardModel(ctx.mongo).create({
    _id: boardId,
    title,
    kind: 'vote',
    timezone: 'Asia/Shanghai',
    dailyRetentionDays: ctx.config.boards.dailyRetentionDays,
    members,
  });
  await registerBoard(ctx.redis, ctx.keys, registrationOf(board.toObject()));
}

/** The services, started if they are not running; those this run started, it stops at the end. */
async function ourServices(
  baseConfig: Config,
  results: Results,
): Promise<(ServiceStatus & { started: boolean })[]> {
  const services = await startServices(baseConfig);
  for (const s of services.filter((x) => x.started)) {
    results.setup.servicesStartedByRun.push(s.name);
    cleanups.push({
      name: `stop ${s.name}`,
      run: () =>
        s.name === 'redis'
          ? localRedis(Number(new URL(baseConfig.redis.url).port)).stop()
          : localFerret(Number(new URL(baseConfig.mongo.uri).port), baseConfig.mongo.uri).stop(),
    });
  }
  const down = services.filter((s) => !s.healthy);
  if (down.length > 0)
    throw new Error(`services not healthy: ${down.map((s) => `${s.name} at ${s.url}`).join(', ')}`);
  return services;
}

/** The environment of our server and workers: this run's prefix, database and port, tuning passed through. */
function ourEnv(baseConfig: Config, prefix: string, port: number, mongoUri: string) {
  const passThrough = Object.fromEntries(
    Object.entries(process.env).filter(([k]) =>
      /^(WORKER_|INGEST_|RELAY_TICK_MS$|LEADERBOARD_TOP_N$|BOARD_CACHE_MS$|DAILY_RETENTION_DAYS$|SHUTDOWN_TIMEOUT_MS$)/.test(
        k,
      ),
    ),
  );
  const env: Record<string, string | undefined> = {
    PATH: process.env.PATH,
    ...passThrough,
    NODE_ENV: 'production',
    JWT_SECRET: randomBytes(32).toString('hex'),
    // Ingest's rate limits per address, device and participant stay at their defaults: the load
    // comes through loopback with each participant's own address (X-Forwarded-For), device and
    // token (crowd.ts), as a public endpoint behind a proxy sees a crowd.
    TRUST_PROXY: 'loopback',
    // The watchers subscribe from one or two loopback addresses, thousands of them within
    // seconds (and every server counts them in the same Redis): the per-address budget for socket
    // events would refuse most of them RATE_LIMITED.
    RATE_LIMIT_SOCKET_EVENTS_PER_IP: '0',
    // The participant tokens are signed once, before the run: they must outlive it.
    PARTICIPANT_TOKEN_TTL_SECONDS: '86400',
    LOG_LEVEL: 'warn',
    HOST: '127.0.0.1',
    PORT: String(port),
    REDIS_URL: baseConfig.redis.url,
    MONGODB_URI: mongoUri,
    KEY_PREFIX: prefix,
  };
  return env;
}

function recordSetup(results: Results, config: Config, mongoUri: string): void {
  results.setup.redis = redact(config.redis.url);
  results.setup.mongo = redact(mongoUri);
  results.setup.config = {
    WORKER_CONCURRENCY: config.worker.concurrency,
    WORKER_BATCH_MAX: config.worker.batchMax,
    WORKER_BATCH_WAIT_MS: config.worker.batchWaitMs,
    INGEST_BATCH_MAX: config.ingest.batchMax,
    INGEST_BATCH_WAIT_MS: config.ingest.batchWaitMs,
    RELAY_TICK_MS: config.relay.tickMs,
    LEADERBOARD_TOP_N: config.relay.topN,
  };
}

/** The run's own Redis connection, database and vote queue; its data is deleted at the end. */
async function connectStores(options: Options, config: Config, prefix: string, mongoUri: string) {
  const keys = createKeys(prefix);
  const redis = createRedis(config.redis.url, 'command', 'bench');
  redis.on('error', () => {});
  await waitForReady(redis);
  cleanups.push({ name: 'close redis', run: () => closeRedis(redis) });
  const mongo = await connectMongo(mongoUri, 'bench');
  cleanups.push({ name: 'close mongo', run: () => mongo.close() });
  if (!options.keepData) {
    cleanups.push({
      name: 'delete the run’s data',
      run: async () => {
        await deleteKeys(redis, `${prefix}:*`);
        await deleteKeys(redis, `{${prefix}}:*`);
        await deleteKeys(redis, `${prefix}bare*`);
        await deleteKeys(redis, `{${prefix}bare}:*`);
        await mongo.dropDatabase();
      },
    });
  }
  const queue = createVoteQueue(redis, keys);
  queue.on('error', () => {});
  cleanups.push({ name: 'close queue', run: () => queue.close() });
  return { keys, redis, mongo, queue };
}

/** Everything a phase needs, with our server and workers running. */
export async function setUp(
  options: Options,
  baseConfig: Config,
  prefix: string,
  results: Results,
): Promise<Ctx> {
  log(`services (prefix ${prefix})…`);
  const services = await ourServices(baseConfig, results);
  const port = await freePort();
  const mongoUri = withDatabase(baseConfig.mongo.uri, prefix);
  const env = ourEnv(baseConfig, prefix, port, mongoUri);
  const config = loadConfig(env);
  recordSetup(results, config, mongoUri);
  cleanups.push({
    name: 'remove empty logs',
    run: async () => {
      for (const file of readdirSync(PATHS.logs)) {
        const path = `${PATHS.logs}/${file}`;
        if (file.startsWith(`bench-${prefix}-`) && statSync(path).size === 0) rmSync(path);
      }
    },
  });
  const { keys, redis, mongo, queue } = await connectStores(options, config, prefix, mongoUri);
  const candidates = Array.from(
    { length: options.candidates },
    (_, i) => `c${String(i + 1).padStart(2, '0')}`,
  );
  const seedCtx = { redis, mongo, keys, config };
  const boards = [
    ...Object.values(BOARDS),
    REWARD_BOARDS.warm,
    ...REWARD_BOARDS.off,
    ...REWARD_BOARDS.on,
    ...(options.scaleOut ? Object.values(SCALE_BOARDS) : []),
  ];
  for (const boardId of boards) await seedBoard(seedCtx, boardId, [...candidates, PROBE], options.groups);
  for (const campaignId of Object.values(LIVE_BOARDS))
    await seedLiveCampaign(seedCtx, campaignId, [...candidates, PROBE]);

  const ferret = services.find((s) => s.name === 'ferretdb');
  const redisService = services.find((s) => s.name === 'redis');
  const pids: Record<string, number | undefined> = { redis: redisService?.pid, ferretdb: ferret?.pid };
  const url = `http://127.0.0.1:${port}`;
  log(`our server on ${url} and our workers (LOG_LEVEL=warn, logs in ${PATHS.logs}/bench-${prefix}-*.log)…`);
  const crowd = await buildCrowd(config);
  const partial = {
    options,
    config,
    env,
    keys,
    redis,
    mongo,
    queue,
    url,
    prefix,
    candidates,
    crowd,
    pids,
    results,
  };
  const server = await startServer(partial);
  pids.server = server.pid;
  const ctx: Ctx = { ...partial, server, workers: undefined };
  await startWorkers(ctx);
  return ctx;
}
