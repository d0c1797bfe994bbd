import { type Config, loadConfig } from '@rallyboard/core/config';
import { connectMongo, pingMongo } from '@rallyboard/core/db';
import { redisNodes } from '@rallyboard/core/redis';
import { localFerret } from './ferretdb.js';
import { localRedis, pingRedis } from './redis.js';
import { localRedisCluster } from './redis-cluster.js';
import type { ManagedService, ServiceStatus } from './types.js';

export { ServiceError } from './process.js';
export type { ServiceStatus } from './types.js';

/**
 * What to run: `redisCluster` asks for the local Redis Cluster (redis-cluster.ts) in place of
 * the Redis that REDIS_URL names or the local one (the cluster test tier, `--redis-cluster`).
 */
export interface ServiceOptions {
  redisCluster?: boolean;
}

/**
 * The services this configuration uses. Only those without REDIS_URL / MONGODB_URI are
 * managed: given a URL, the script starts nothing for that service and only reports on it.
 */
function managedServices(config: Config, options: ServiceOptions): ManagedService[] {
  const services: ManagedService[] = [];
  if (options.redisCluster) services.push(localRedisCluster(config.redis.appendfsync));
  else if (config.redis.managed)
    services.push(localRedis(Number(new URL(config.redis.url).port), config.redis.appendfsync));
  if (config.mongo.managed) {
    services.push(localFerret(Number(new URL(config.mongo.uri).port), config.mongo.uri));
  }
  return services;
}

async function externalStatuses(config: Config, options: ServiceOptions): Promise<ServiceStatus[]> {
  const out: ServiceStatus[] = [];
  if (!config.redis.managed && !options.redisCluster) {
    // One server, or every seed node of a cluster; TLS (rediss://) is not probed here.
    const { nodes } = redisNodes(config.redis.url);
    const answers = await Promise.all(
      nodes.map((url) => url.protocol === 'redis:' && pingRedis(url.hostname, Number(url.port || 6379))),
    );
    const healthy = answers.every(Boolean);
    out.push({
      name: 'redis',
      url: redact(config.redis.url),
      managed: false,
      pid: undefined,
      healthy,
      log: undefined,
    });
  }
  if (!config.mongo.managed) {
    let healthy = false;
    try {
      const connection = await connectMongo(config.mongo.uri, 'services');
      await pingMongo(connection)
        .then(() => (healthy = true))
        .finally(() => connection.close());
    } catch {
      healthy = false;
    }
    out.push({
      name: 'ferretdb',
      url: redact(config.mongo.uri),
      managed: false,
      pid: undefined,
      healthy,
      log: undefined,
    });
  }
  return out;
}

/** Hides a password in a URL before it is printed. */
function redact(url: string): string {
  return url.replace(/\/\/([^:/@]+):[^@]+@/, '//$1:***@');
}

/** Installs whatever managed service is missing. */
export async function ensureServices(config = loadConfig(), options: ServiceOptions = {}): Promise<void> {
  for (const service of managedServices(config, options)) await service.ensure();
}

/** Starts the managed services (idempotent) and returns every service's status. */
export async function startServices(
  config = loadConfig(),
  options: ServiceOptions = {},
): Promise<(ServiceStatus & { started: boolean })[]> {
  const started = [];
  // One at a time: each may install itself first, and apt-get and go don't share well.
  for (const service of managedServices(config, options)) started.push(await service.start());
  const external = (await externalStatuses(config, options)).map((s) => ({ ...s, started: false }));
  for (const s of external) {
    if (!s.healthy) console.error(`! ${s.name} at ${s.url} (external) does not answer.`);
  }
  return [...started, ...external];
}

/**
 * Stops the managed services; given what `startServices` answered, only those it started (a
 * run leaves alone what was running before it).
 */
export async function stopServices(
  config = loadConfig(),
  options: ServiceOptions = {},
  startedBy?: readonly Pick<ServiceStatus & { started: boolean }, 'name' | 'started'>[],
): Promise<{ name: string; result: string }[]> {
  const results = [];
  for (const service of managedServices(config, options).reverse()) {
    if (startedBy && !startedBy.some((s) => s.started && s.name === service.name)) continue;
    results.push({ name: service.name, result: await service.stop() });
  }
  return results;
}

export async function serviceStatuses(
  config = loadConfig(),
  options: ServiceOptions = {},
): Promise<ServiceStatus[]> {
  const managed = await Promise.all(managedServices(config, options).map((s) => s.status()));
  return [...managed, ...(await externalStatuses(config, options))];
}
