import { Redis, type RedisOptions } from 'ioredis';

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
 * Opens a Redis connection for one role. Name it after the process so `CLIENT LIST` tells
 * who is connected.
 */
export function createRedis<R extends ConnectionRole>(
  url: string,
  role: R,
  name: string,
  options: RedisOptionsOf<R> = {},
): Redis {
  return new Redis(url, {
    ...ROLE_OPTIONS[role],
    ...(options.commandTimeoutMs === undefined ? {} : { commandTimeout: options.commandTimeoutMs }),
    connectionName: `rallyboard:${name}:${role}`,
    connectTimeout: 5_000,
    // Back off up to 2 s between reconnection attempts, forever; callers see errors meanwhile.
    retryStrategy: (times: number) => Math.min(times * 100, 2_000),
  });
}

/** Resolves once the connection is ready, or rejects after `timeoutMs`. */
export async function waitForReady(redis: Redis, timeoutMs = 10_000): Promise<void> {
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
export async function closeRedis(redis: Redis): Promise<void> {
  if (redis.status === 'end') return;
  try {
    await redis.quit();
  } catch {
    redis.disconnect();
  }
}
