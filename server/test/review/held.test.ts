import {
  createReviewQueue,
  REVIEW_QUEUE,
  type ReviewJob,
  type ReviewJobResult,
} from '@rallyboard/core/queue';
import { closeRedis, createKeys, createRedis, type RedisClient, waitForReady } from '@rallyboard/core/redis';
import { type Queue, QueueEvents, Worker } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testConfig } from '../../../test/support/config.js';
import { testRedis } from '../../../test/support/stack.js';
import { currentActionView } from '../../src/review/held.js';

const config = testConfig();
const keys = createKeys(config.keyPrefix);
let connection: RedisClient;
let queue: Queue<ReviewJob, ReviewJobResult>;

beforeAll(async () => {
  connection = createRedis(config.redis.url, 'worker', 'test');
  await waitForReady(connection);
  queue = createReviewQueue(connection, keys);
});
afterAll(async () => {
  await queue.close();
  await closeRedis(connection);
});

const job: ReviewJob = {
  kind: 'approve',
  campaignId: 'c-review-view',
  select: { cluster: 'device:d-1' },
  by: 'h-1',
};

describe('a review action followed by a host', () => {
  it('is never answered done without the counts of the run that finished it', async () => {
    const added = await queue.add(job.kind, job);
    // The host's read of the action happens here, while the job still waits…
    const snapshot = await queue.getJob(String(added.id));
    if (!snapshot) throw new Error('job not found');

    // …and the job runs to its end before the host's read asks for its state.
    const [eventsConnection, workerConnection] = await Promise.all([
      testRedis(config, 'worker'),
      testRedis(config, 'worker'),
    ]);
    const events = new QueueEvents(REVIEW_QUEUE, {
      connection: eventsConnection,
      prefix: keys.queuePrefix,
    });
    await events.waitUntilReady();
    const worker = new Worker<ReviewJob, ReviewJobResult>(
      REVIEW_QUEUE,
      async () => ({ matched: 6, changed: 6, unchanged: 0 }),
      { connection: workerConnection, prefix: keys.queuePrefix },
    );
    await added.waitUntilFinished(events, 10_000);
    await worker.close();
    await events.close();
    await Promise.all([closeRedis(eventsConnection), closeRedis(workerConnection)]);

    expect(await currentActionView(queue, snapshot)).toMatchObject({
      state: 'done',
      matched: 6,
      changed: 6,
      progress: 1,
    });
  });

  it('answers a job that has not run as queued, with nothing counted yet', async () => {
    const added = await queue.add(job.kind, job);
    const snapshot = await queue.getJob(String(added.id));
    if (!snapshot) throw new Error('job not found');
    expect(await currentActionView(queue, snapshot)).toMatchObject({
      state: 'queued',
      matched: 0,
      changed: 0,
      progress: 0,
    });
  });
});
