import { randomUUID } from 'node:crypto';
import { AppError } from '../protocol/errors.js';
import type { RedisClient } from './connection.js';
import { runScript } from './scripts.js';

/**
 * Runs `work` while holding a Redis lock (SET NX PX with a random token), so that processes
 * which share nothing else take turns. The lock expires after `ttlMs` if its holder dies; keep
 * `work` well inside it, or pass `renew`: the lock is then extended every third of `ttlMs` while
 * `work` runs, for at most `renew.forMs` (then it lapses `ttlMs` later, as a hung holder's must),
 * so that work of unknown length (a review chunk on a slow store) is not joined by another holder
 * while it runs, and a holder that dies still frees it within `ttlMs`. Waits up to `waitMs` for
 * the lock, then answers 503 SERVICE_UNAVAILABLE.
 */
export async function withLock<T>(
  redis: RedisClient,
  key: string,
  work: () => Promise<T>,
  options: { ttlMs?: number; waitMs?: number; renew?: { forMs: number } } = {},
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
  // A failed extension is tried again at the next beat; the lock's own expiry is the bound.
  const renewUntil = Date.now() + (options.renew?.forMs ?? 0);
  const renewal = options.renew
    ? setInterval(
        () => {
          if (Date.now() > renewUntil) clearInterval(renewal);
          else runScript(redis, 'extendLock', [key], [token, String(ttlMs)]).catch(() => undefined);
        },
        Math.max(1, Math.floor(ttlMs / 3)),
      )
    : undefined;
  try {
    return await work();
  } finally {
    clearInterval(renewal);
    await runScript(redis, 'releaseLock', [key], [token]);
  }
}
