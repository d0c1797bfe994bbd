import { ledgerModel } from '@rallyboard/core/db';
import { REVIEW_QUEUE, type ReviewJob, type ReviewJobResult } from '@rallyboard/core/queue';
import { closeRedis, createKeys, type RedisClient } from '@rallyboard/core/redis';
import { QueueEvents } from 'bullmq';
import mongoose, { type Connection } from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testConfig } from '../../../test/support/config.js';
import { seedBoard, startTestWorker, testRedis } from '../../../test/support/stack.js';

const config = testConfig();
let redis: RedisClient;
let eventsConnection: RedisClient | undefined;
let mongo: Connection;
let worker: Awaited<ReturnType<typeof startTestWorker>>;
let events: QueueEvents;
/** The most documents any one MongoDB reply carried, as the driver's command monitoring sees them. */
let largestReply = 0;
const VOTES = 450;
const DAY = Date.UTC(2026, 2, 1);

beforeAll(async () => {
  redis = await testRedis(config);
  // The worker's ledger on a connection of the test's own, with command monitoring.
  mongo = mongoose.createConnection(config.mongo.uri, { monitorCommands: true });
  await mongo.asPromise();
  mongo.getClient().on('commandSucceeded', (event) => {
    const cursor = (event.reply as { cursor?: { firstBatch?: unknown[]; nextBatch?: unknown[] } }).cursor;
    const batch = cursor?.firstBatch ?? cursor?.nextBatch ?? [];
    largestReply = Math.max(largestReply, batch.length);
  });
  worker = await startTestWorker(config, mongo);
  eventsConnection = await testRedis(config, 'worker');
  events = new QueueEvents(REVIEW_QUEUE, {
    connection: eventsConnection,
    prefix: createKeys(config.keyPrefix).queuePrefix,
  });
  await events.waitUntilReady();
});
afterAll(async () => {
  await events?.close();
  if (eventsConnection) await closeRedis(eventsConnection);
  await worker?.close();
  redis.disconnect();
  await mongo.close();
});

/** Held vote `i` on `boardId`, accepted `i` ms into the day (the rule's window holds them all). */
const held = (boardId: string, i: number) => ({
  _id: `v${String(i).padStart(4, '0')}.${boardId}`,
  boardId,
  candidateId: 'alice',
  action: 'vote',
  voterId: `p-${i}`,
  verdict: 'held',
  day: '2026-03-01',
  acceptedAt: new Date(DAY + i),
  decidedAt: new Date(DAY + i),
  context: { ip: '10.0.0.9' },
  review: { state: 'held', at: new Date(DAY + i), by: 'risk' },
});

describe('void by rule', () => {
  // 450 votes, each moved with a ledger write of its own: the timeout leaves minutes of margin for a
  // loaded 2-core CI machine (it timed out once at the default 30 s beside the fault tests).
  it('voids every vote a rule matches, reading them a page at a time, never all at once', async () => {
    const boardId = await seedBoard(config, redis, mongo, ['alice', 'bob']);
    const ledger = ledgerModel(mongo);
    await ledger.collection.insertMany(Array.from({ length: VOTES }, (_, i) => held(boardId, i)) as never[]);
    largestReply = 0;

    const job: ReviewJob = {
      kind: 'void-by-rule',
      campaignId: boardId,
      rule: {
        from: new Date(DAY).toISOString(),
        to: new Date(DAY + 86_400_000).toISOString(),
        candidateId: 'alice',
      },
      by: 'h-1',
    };
    const added = await worker.reviewQueue.add(job.kind, job);
    const result = (await added.waitUntilFinished(events, 170_000)) as ReviewJobResult;

    expect(result).toEqual({ matched: VOTES, changed: VOTES, unchanged: 0 });
    expect(await ledger.countDocuments({ boardId, 'review.state': 'voided' })).toBe(VOTES);
    // A page is 200 votes: no reply carried more, where selecting every id first carried them all.
    expect(largestReply).toBeLessThanOrEqual(200);
  }, 180_000);
});
