import { pingMongo } from '@rallyboard/core/db';
import { Router } from 'express';
import type { Redis } from 'ioredis';
import type { Connection } from 'mongoose';

type Check = { status: 'up'; latencyMs: number } | { status: 'down'; error: string };

const CHECK_TIMEOUT_MS = 1_500;

async function timed(probe: () => Promise<unknown>): Promise<Check> {
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      probe(),
      new Promise((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`no answer within ${CHECK_TIMEOUT_MS} ms`)),
          CHECK_TIMEOUT_MS,
        );
      }),
    ]);
    return { status: 'up', latencyMs: Math.round((performance.now() - started) * 10) / 10 };
  } catch (error) {
    return { status: 'down', error: error instanceof Error ? error.message : String(error) };
  } finally {
    clearTimeout(timer);
  }
}

/** `GET /healthz`: Redis and MongoDB checked separately; 503 when either is down. */
export function healthRouter(deps: { redis: Pick<Redis, 'ping'>; mongo: Connection }): Router {
  const router = Router();
  router.get('/healthz', async (_req, res) => {
    const [redis, mongo] = await Promise.all([
      timed(() => deps.redis.ping()),
      timed(() => pingMongo(deps.mongo)),
    ]);
    const ok = redis.status === 'up' && mongo.status === 'up';
    res.status(ok ? 200 : 503).json({ status: ok ? 'ok' : 'unavailable', checks: { redis, mongo } });
  });
  return router;
}
