import { randomUUID } from 'node:crypto';
import { AppError } from '../protocol/errors.js';
import type { RedisClient } from './connection.js';
import { runScript } from './scripts.js';

/**
 * Runs `work` while holding a Redis lock (SET NX PX with a random token), so that processes
 * which share nothing else take turns. The lock expires after `ttlMs` if its holder dies; keep
 * `work` well inside it. Waits up to `waitMs` for the lock, then answers 503 SERVICE_UNAVAILABLE.
 */
export async function withLock<T>(
  redis: RedisClient,
  key: string,
  work: () => Promise<T>,
  options: { ttlMs?: number; waitMs?: number } = {},
): Promise<T> {
  const ttlMs = options.ttlMs ?? 10_000;
  const deadline = Date.now() + (options.waitMs ?? 5_000);
  const token = randomUUID();
  for (let pause = 10; ; pause = Math.min(pause * 2, 200)) {
    if ((await redis.set(key, token, 'PX', ttlMs, 'NX')) === 'OK') break;
    if (Date.now() > deadline) {
      throw new AppError('SERVICE_UNAVAILABLE', { message: 'The resource is busy. Try again shortly.' });
    }
    await new Promise((resolve) => setTimeout(resolve, pause));
  }
  try {
    return await work();
  } finally {
    await runScript(redis, 'releaseLock', [key], [token]);
  }
}
