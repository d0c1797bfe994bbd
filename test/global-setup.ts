import { randomBytes } from 'node:crypto';
import { loadConfig } from '@rallyboard/core/config';
import { connectMongo } from '@rallyboard/core/db';
import { closeRedis, createRedis, scanKeys, waitForReady } from '@rallyboard/core/redis';
import type { Connection } from 'mongoose';
import type { TestProject } from 'vitest/node';
import { ensureChromium } from '../scripts/services/chromium.js';
import { startServices, stopServices } from '../scripts/services/index.js';
import { LOCAL_CLUSTER_URL } from '../scripts/services/redis-cluster.js';
import { buildWeb } from '../scripts/web/build.js';

declare module 'vitest' {
  export interface ProvidedContext {
    redisUrl: string;
    mongoUri: string;
    /** The prefix of the databases this run's test files use (one each), dropped when the run ends. */
    mongoDatabase: string;
    /** The start of every key prefix this run's tests use (one each), whose keys the run deletes at its end. */
    keyPrefix: string;
  }
}

/**
 * Brings up the real services for the whole run with the same script as `npm run services`:
 * the local Redis and FerretDB unless REDIS_URL / MONGODB_URI name others. Services this run
 * started are stopped at the end; ones that were already running are left as they were.
 *
 * Each test file gets a database of its own (the run's prefix and the file's id, see
 * test/support/config.ts), all dropped at the end: tests never flush shared data, and no ledger
 * grows from run to run or from file to file (FerretDB scans it for every board query).
 *
 * The browser tests need Debian's Chromium and the web pages built from the sources under test:
 * both are seen to here, once, before any test file runs (apt-get must not run twice at once).
 */
export default function setup(project: TestProject) {
  return setUpRun(project, { redisCluster: false });
}

/**
 * The run's services, as above. `redisCluster`: the local Redis Cluster in place of the Redis
 * (the cluster tier, vitest.cluster.config.ts), and no browser, which that tier does not use.
 */
export async function setUpRun(project: TestProject, options: { redisCluster: boolean }) {
  const config = loadConfig();
  const browser = options.redisCluster ? [] : [ensureChromium(), buildWeb()];
  const [statuses] = await Promise.all([startServices(config, options), ...browser]);
  const down = statuses.filter((s) => !s.healthy);
  if (down.length > 0) {
    throw new Error(`services not healthy: ${down.map((s) => `${s.name} at ${s.url}`).join(', ')}`);
  }
  project.provide('mongoUri', config.mongo.uri);
  const database = `rallyboard_test_${randomBytes(4).toString('hex')}`;
  project.provide('mongoDatabase', database);
  const keyPrefix = `t${randomBytes(3).toString('hex')}`;
  project.provide('keyPrefix', keyPrefix);
  const redisUrl = options.redisCluster ? LOCAL_CLUSTER_URL : config.redis.url;
  project.provide('redisUrl', redisUrl);
  // Stopped at the end: what this run started, not what was running before it.
  const startedHere = statuses.some((s) => s.started);
  return async () => {
    const mongo = await connectMongo(config.mongo.uri, 'test-teardown');
    try {
      await withinTeardown(dropRunDatabases(mongo, database));
    } catch (error) {
      // The run's results stand: its databases are left behind, and the next run drops nothing of them.
      console.warn(`test teardown: the run's databases were not dropped: ${(error as Error).message}`);
    }
    await mongo.close(true);
    try {
      await withinTeardown(deleteRunKeys(redisUrl, keyPrefix));
    } catch (error) {
      console.warn(`test teardown: the run's Redis keys were not all deleted: ${(error as Error).message}`);
    }
    if (startedHere) await stopServices(config, options, statuses);
  };
}

/** How long dropping the run's databases may take before the teardown gives up on it. */
const TEARDOWN_MS = 60_000;

async function dropRunDatabases(mongo: Connection, prefix: string): Promise<void> {
  const { databases } = await mongo.listDatabases();
  for (const { name } of databases) {
    if (name.startsWith(prefix)) await mongo.useDb(name, { useCache: false }).dropDatabase();
  }
}

/**
 * Deletes the keys of the run's prefixes (board keys `<prefix>:…`, queue keys `{<prefix>}:…`),
 * so the shared Redis does not grow from run to run: every rebuild test walks its whole key space.
 */
async function deleteRunKeys(url: string, prefix: string): Promise<void> {
  const redis = createRedis(url, 'command', 'test-teardown');
  redis.on('error', () => {});
  try {
    await waitForReady(redis);
    for (const pattern of [`${prefix}*`, `{${prefix}*`]) {
      // One UNLINK per key: on a Redis Cluster, one command's keys must share a slot.
      for await (const batch of scanKeys(redis, pattern, 5_000))
        await Promise.all(batch.map((key) => redis.unlink(key)));
    }
  } finally {
    await closeRedis(redis);
  }
}

/**
 * A teardown that cannot hang the run: FerretDB v1 has been seen to block listDatabases for
 * good after a drop raced an open cursor, and the run's tests were done by then.
 */
function withinTeardown(work: Promise<void>): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer in ${TEARDOWN_MS / 1000} s`)), TEARDOWN_MS);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}
