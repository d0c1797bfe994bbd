import { Cluster, type ClusterOptions, Redis, type RedisOptions } from 'ioredis';

/**
 * A connection to the deployment's Redis: one server (`Redis`) or a Redis Cluster (`Cluster`),
 * as `REDIS_URL` names it (see {@link redisNodes}). Both take the same commands; a pipeline, a
 * transaction or a script call on a cluster must keep its keys in one slot, which every key
 * builder's hash tag sees to (keys.ts).
 */
export type RedisClient = Redis | Cluster;

/**
 * What a connection is for decides how it behaves when Redis is unreachable:
 * - `producer`: enqueues from an HTTP request; fails fast so the request can answer 503.
 * - `worker`: a BullMQ Worker's blocking connection; must wait forever (maxRetriesPerRequest null).
 * - `subscriber`: pub/sub only; waits and resubscribes after a reconnect.
 * - `command`: ordinary reads and writes; a couple of retries, then an error.
 */
export type ConnectionRole = 'producer' | 'worker' | 'subscriber' | 'command';

// Typed without `replyMapping`: ioredis infers its reply-mapping generic from that field.
type RoleOptions = Omit<RedisOptions, 'replyMapping' | 'protocol'>;

const ROLE_OPTIONS: Record<ConnectionRole, RoleOptions> = {
  producer: { enableOfflineQueue: false, maxRetriesPerRequest: 1 },
  worker: { maxRetriesPerRequest: null },
  subscriber: { maxRetriesPerRequest: null },
  command: { maxRetriesPerRequest: 2 },
};

/** The roles a command timeout may apply to: those that answer a request. */
type TimedRole = Extract<ConnectionRole, 'producer' | 'command'>;

export interface RedisOptionsOf<R extends ConnectionRole> {
  /**
   * Rejects a command Redis has not answered within this time (ioredis `commandTimeout`), so a
   * request answers 503 instead of hanging while Redis stalls. Only for the request path (the
   * server's command and producer connections): a worker's blocking connection and a subscriber
   * wait on purpose. @default none
   */
  commandTimeoutMs?: R extends TimedRole ? number : never;
}

/**
 * The nodes `REDIS_URL` names: one URL is one Redis server (never a cluster); two or more,
 * separated by commas, are seed nodes of a Redis Cluster
 * (`redis://10.0.0.1:6379,redis://10.0.0.2:6379`), and the client learns the rest from them. The first URL's user, password and scheme
 * (`rediss://` for TLS) apply to every node.
 */
export function redisNodes(url: string): { cluster: boolean; nodes: URL[] } {
  const nodes = url
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part.length > 0)
    .map((part) => new URL(part));
  return { cluster: nodes.length > 1, nodes };
}

/**
 * Opens a Redis connection for one role. Name it after the process so `CLIENT LIST` tells
 * who is connected.
 */
export function createRedis<R extends ConnectionRole>(
  url: string,
  role: R,
  name: string,
  options: RedisOptionsOf<R> = {},
): RedisClient {
  const common = {
    ...(options.commandTimeoutMs === undefined ? {} : { commandTimeout: options.commandTimeoutMs }),
    connectionName: `rallyboard:${name}:${role}`,
    connectTimeout: 5_000,
  };
  // Back off up to 2 s between reconnection attempts, forever; callers see errors meanwhile.
  const retry = (times: number) => Math.min(times * 100, 2_000);
  const { cluster, nodes } = redisNodes(url);
  if (!cluster) return new Redis(url, { ...ROLE_OPTIONS[role], ...common, retryStrategy: retry });
  const { enableOfflineQueue, ...perNode } = ROLE_OPTIONS[role];
  const [first] = nodes as [URL, ...URL[]];
  // A cluster that is down holds commands in its own offline queue, where no command timeout
  // runs: a request's connection (timed) must fail at once instead, and answer 503.
  const offline = options.commandTimeoutMs === undefined ? enableOfflineQueue : false;
  const clusterOptions = {
    ...(offline === undefined ? {} : { enableOfflineQueue: offline }),
    clusterRetryStrategy: retry,
    redisOptions: {
      ...perNode,
      ...common,
      ...(first.username ? { username: decodeURIComponent(first.username) } : {}),
      ...(first.password ? { password: decodeURIComponent(first.password) } : {}),
      ...(first.protocol === 'rediss:' ? { tls: {} } : {}),
    },
  } satisfies ClusterOptions;
  return new Cluster(
    nodes.map((node) => ({ host: node.hostname, port: Number(node.port || 6379) })),
    clusterOptions,
  );
}

/**
 * Resolves once the connection is ready, or rejects after `timeoutMs`. A cluster is ready once it
 * knows its slots; its connection to each master is then opened too, so that no first command
 * meets one still connecting (which a connection without an offline queue refuses).
 */
export async function waitForReady(redis: RedisClient, timeoutMs = 10_000): Promise<void> {
  await untilReady(redis, timeoutMs);
  if (redis instanceof Cluster) await Promise.all(redis.nodes('master').map((node) => node.ping()));
}

async function untilReady(redis: RedisClient, timeoutMs: number): Promise<void> {
  if (redis.status === 'ready') return;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`Redis was not ready within ${timeoutMs} ms (status ${redis.status})`));
    }, timeoutMs);
    const onReady = () => {
      cleanup();
      resolve();
    };
    const cleanup = () => {
      clearTimeout(timer);
      redis.off('ready', onReady);
    };
    redis.on('ready', onReady);
  });
}

/** Closes a connection politely, falling back to a hard disconnect if QUIT fails. */
export async function closeRedis(redis: RedisClient): Promise<void> {
  if (redis.status === 'end') return;
  try {
    await redis.quit();
  } catch {
    redis.disconnect();
  }
}
