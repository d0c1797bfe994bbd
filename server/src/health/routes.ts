import { pingMongo } from '@rallyboard/core/db';
import { type VoteJob, voteQueueLagMs } from '@rallyboard/core/queue';
import type { RedisClient } from '@rallyboard/core/redis';
import type { Queue } from 'bullmq';
import { type Response, Router } from 'express';
import type { Connection } from 'mongoose';

/** How long one check may take before it counts as down: a stalled store is not a ready one. */
const CHECK_TIMEOUT_MS = 1_500;

type CheckState = 'up' | 'down' | 'lagging';

/** The answer of `GET /readyz`: the same shape whether ready or not, and no error text. */
interface Readiness {
  status: 'ready' | 'unavailable';
  checks: { redis: CheckState; mongo: CheckState; queue: CheckState };
}

export interface HealthRouteDeps {
  redis: Pick<RedisClient, 'ping'>;
  mongo: Connection;
  voteQueue: Pick<Queue<VoteJob>, 'getJobs'>;
  config: { readiness: { maxQueueLagMs: number } };
}

/** `probe`'s answer, or undefined when it failed or took longer than CHECK_TIMEOUT_MS. */
async function within<T>(probe: () => Promise<T>): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      probe(),
      new Promise<undefined>((resolve) => {
        timer = setTimeout(() => resolve(undefined), CHECK_TIMEOUT_MS);
      }),
    ]);
  } catch {
    // The reason stays here: host names, ports and driver messages are nobody's business outside.
    return undefined;
  } finally {
    clearTimeout(timer);
  }
}

async function readiness(deps: HealthRouteDeps): Promise<Readiness> {
  const [redis, mongo, lagMs] = await Promise.all([
    within(() => deps.redis.ping()),
    within(async () => {
      await pingMongo(deps.mongo);
      return true;
    }),
    within(() => voteQueueLagMs(deps.voteQueue, Date.now())),
  ]);
  const checks: Readiness['checks'] = {
    redis: redis === undefined ? 'down' : 'up',
    mongo: mongo === undefined ? 'down' : 'up',
    queue: lagMs === undefined ? 'down' : lagMs > deps.config.readiness.maxQueueLagMs ? 'lagging' : 'up',
  };
  const ready = Object.values(checks).every((state) => state === 'up');
  return { status: ready ? 'ready' : 'unavailable', checks };
}

const noStore = (res: Response) => res.set('cache-control', 'no-store');

/**
 * Probes for an orchestrator or a load balancer. `GET /healthz` is liveness only: 200 while the
 * process serves HTTP, whatever its stores do (restarting the server cures no Redis outage), and
 * nothing about its internals. `GET /readyz` is readiness: 200 only when Redis and MongoDB answer
 * within 1.5 s and the votes queue's lag is under READY_MAX_QUEUE_LAG_MS, else 503 naming which
 * check is `down` or `lagging`, never why (docs/architecture.md).
 */
export function healthRouter(deps: HealthRouteDeps): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => {
    noStore(res).json({ status: 'ok' });
  });
  router.get('/readyz', async (_req, res) => {
    const answer = await readiness(deps);
    noStore(res)
      .status(answer.status === 'ready' ? 200 : 503)
      .json(answer);
  });
  return router;
}
