import { settleBoard } from '@rallyboard/core/campaigns';
import { boardModel, type CampaignModel, campaignModel, connectMongo } from '@rallyboard/core/db';
import { createLogger } from '@rallyboard/core/logger';
import type { CampaignStatus } from '@rallyboard/core/protocol';
import {
  type CampaignScheduleJob,
  campaignScheduleJobId,
  createCampaignQueue,
  scheduleCampaign,
} from '@rallyboard/core/queue';
import {
  closeRedis,
  createKeys,
  type RedisClient,
  readBoardMeta,
  registerBoard,
  withLock,
} from '@rallyboard/core/redis';
import type { Queue } from 'bullmq';
import type { Connection } from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomId, testConfig } from '../../../test/support/config.js';
import { eventually, testRedis } from '../../../test/support/stack.js';
import { createScheduleWorker, type ScheduleDeps } from '../../src/campaigns/schedule-worker.js';

// What a start or an end does to the campaign's board in Redis, and when a start does not happen.
const config = testConfig();
const keys = createKeys(config.keyPrefix);
let mongo: Connection;
let campaigns: CampaignModel;
let redis: RedisClient;
let producer: RedisClient;
let queue: Queue<CampaignScheduleJob>;

beforeAll(async () => {
  mongo = await connectMongo(config.mongo.uri, 'test');
  campaigns = campaignModel(mongo);
  [redis, producer] = await Promise.all([testRedis(config), testRedis(config, 'producer')]);
  queue = createCampaignQueue(producer, keys);
});
afterAll(async () => {
  await queue.close();
  await Promise.all([closeRedis(redis), closeRedis(producer)]);
  await mongo.close();
});

const settle: NonNullable<ScheduleDeps['settleBoard']> = (campaign, from) =>
  settleBoard({ redis, keys, config, boards: boardModel(mongo) }, campaign, { from });

/** A schedule worker as the workers process runs it, on its own blocking connection. */
async function startWorker(extra: Partial<ScheduleDeps> = {}) {
  const connection = await testRedis(config, 'worker');
  const worker = createScheduleWorker(
    {
      logger: createLogger(config, 'workers', 'test'),
      keys,
      campaigns,
      serialize: (campaignId, work) => withLock(redis, keys.campaignLock(campaignId), work),
      settleBoard: settle,
      ...extra,
    },
    connection,
  );
  void worker.run();
  await worker.waitUntilReady();
  return {
    async close() {
      await worker.close();
      await closeRedis(connection);
    },
  };
}

/** A campaign `status` from `startInMs` to `endInMs` from now, its start and end jobs queued. */
async function scheduled(status: CampaignStatus, startInMs: number, endInMs: number, board?: CampaignStatus) {
  const id = randomId('camp');
  const schedule = {
    startAt: new Date(Date.now() + startInMs),
    endAt: new Date(Date.now() + endInMs),
    timezone: 'Asia/Shanghai',
  };
  await campaigns.create({
    _id: id,
    title: 'on schedule',
    kind: 'vote',
    members: [{ candidateId: 'c01', name: 'one' }],
    schedule,
    visibility: 'public',
    rules: {},
    status,
    createdBy: 'host-1',
  });
  if (board) {
    await registerBoard(redis, keys, {
      boardId: id,
      title: 'on schedule',
      kind: 'vote',
      dailyRetentionDays: 8,
      candidateIds: ['c01'],
      status: board,
      endAt: schedule.endAt.getTime(),
    });
  }
  await scheduleCampaign(queue, { campaignId: id, ...schedule });
  return { id, ...schedule };
}

const statusOf = async (id: string) => (await campaigns.findById(id, { status: 1 }).lean())?.status;
const boardStatus = async (id: string) => (await readBoardMeta(redis, keys, id))?.status;
const finished = async (campaignId: string, event: 'start' | 'end', at: Date) => {
  const job = await queue.getJob(campaignScheduleJobId({ campaignId, event, at: at.getTime() }));
  return job && (await job.isCompleted()) ? job.returnvalue : undefined;
};

describe('the campaign schedule and the board', () => {
  it('registers the board of a campaign it starts when Redis does not have it (its registration failed)', async () => {
    const worker = await startWorker();
    try {
      const { id } = await scheduled('scheduled', 200, 60_000);
      await eventually(async () => (await statusOf(id)) === 'live', 10_000, 'live');
      // Without a board, ingest takes its votes and the workers hold them for ever.
      await eventually(async () => (await boardStatus(id)) === 'live', 5_000, 'board registered live');
    } finally {
      await worker.close();
    }
  });

  it('does not start a campaign whose end has passed, nor tell its subscribers it started', async () => {
    const heard: string[] = [];
    const worker = await startWorker({
      notify: async (event, campaignId) => void heard.push(`${event} ${campaignId}`),
    });
    try {
      // The workers were down across its start and its end: both jobs come due together.
      const { id, startAt, endAt } = await scheduled('scheduled', -2_000, -1_000, 'scheduled');
      await eventually(
        async () => (await finished(id, 'start', startAt)) !== undefined,
        10_000,
        'the start ran',
      );
      await eventually(async () => (await finished(id, 'end', endAt)) !== undefined, 10_000, 'the end ran');
      expect(await finished(id, 'start', startAt)).toEqual({
        done: 'nothing',
        why: 'the campaign ended before it started',
      });
      expect(await statusOf(id)).toBe('scheduled');
      expect(await boardStatus(id)).toBe('scheduled');
      expect(heard).toEqual([]);
    } finally {
      await worker.close();
    }
  });

  it('sets the board on a retry after the move, when the first try could not (Redis away)', async () => {
    let failures = 1;
    const worker = await startWorker({
      settleBoard: async (campaign, from) => {
        if (campaign.status === 'ended' && failures-- > 0) throw new Error('Redis went away');
        return settle(campaign, from);
      },
    });
    try {
      const { id } = await scheduled('live', -60_000, 300, 'live');
      await eventually(async () => (await statusOf(id)) === 'ended', 10_000, 'ended');
      // The retry finds the campaign ended: it must not leave the board counting votes.
      await eventually(async () => (await boardStatus(id)) === 'ended', 10_000, 'board ended');
    } finally {
      await worker.close();
    }
  });
});
