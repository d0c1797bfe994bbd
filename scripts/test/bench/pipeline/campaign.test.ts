import { createReviewQueue, type ReviewJob } from '@rallyboard/core/queue';
import { closeRedis, createKeys, type RedisClient } from '@rallyboard/core/redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomId, testConfig } from '../../../../test/support/config.js';
import { testRedis } from '../../../../test/support/stack.js';
import { settleReviews } from '../../../bench/pipeline/campaign.js';

let redis: RedisClient;

beforeAll(async () => {
  redis = await testRedis(testConfig());
});

afterAll(() => closeRedis(redis));

/** A cluster hold as the workers queue one (no worker runs here: the jobs wait). */
const holdJob = (n: number): ReviewJob => ({
  kind: 'hold-cluster',
  campaignId: 'bench-live',
  cluster: `voter:p${n}`,
  since: 0,
  until: 1,
  by: 'risk',
});

describe('settling a live phase’s review jobs before the next phase', () => {
  it('answers settled once the review queue stays empty', async () => {
    const keys = createKeys(randomId('bench'));
    const settle = await settleReviews({ redis, keys }, 10_000);
    expect(settle).toMatchObject({ settled: true, mostWaiting: 0 });
    expect(settle.dropped).toBeUndefined();
  });

  it('drops the jobs no worker started when the queue is not dry in time, so the next phase runs without them', async () => {
    const keys = createKeys(randomId('bench'));
    const queue = createReviewQueue(redis, keys);
    try {
      await queue.addBulk([1, 2, 3].map((n) => ({ name: 'review', data: holdJob(n) })));
      await queue.add('review', holdJob(4), { delay: 60_000 });
      const settle = await settleReviews({ redis, keys }, 1_000);
      expect(settle).toMatchObject({ settled: false, mostWaiting: 4, dropped: 4, stillRunning: 0 });
      const left = await queue.getJobCounts('waiting', 'active', 'delayed', 'prioritized');
      expect(Object.values(left).reduce((a, b) => a + b, 0)).toBe(0);
    } finally {
      await queue.obliterate({ force: true });
      await queue.close();
    }
  });
});
