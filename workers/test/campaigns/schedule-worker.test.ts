import { settleBoard } from '@rallyboard/core/campaigns';
import { boardModel, type CampaignModel, campaignModel, connectMongo } from '@rallyboard/core/db';
import { createLogger } from '@rallyboard/core/logger';
import type { CampaignStatus } from '@rallyboard/core/protocol';
import { type CampaignScheduleJob, createCampaignQueue, scheduleCampaign } from '@rallyboard/core/queue';
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

/** A schedule worker as the workers process runs it, on its own blocking connection. */
async function startWorker(extra: Pick<ScheduleDeps, 'notify'> = {}) {
  const connection = await testRedis(config, 'worker');
  const worker = createScheduleWorker(
    {
      logger: createLogger(config, 'workers', 'test'),
      keys,
      campaigns,
      serialize: (campaignId, work) => withLock(redis, keys.campaignLock(campaignId), work),
      settleBoard: (campaign, from) =>
        settleBoard({ redis, keys, config, boards: boardModel(mongo) }, campaign, { from }),
      ...extra,
    },
    connection,
  );
  void worker.run();
  await worker.waitUntilReady();
  return {
    worker,
    async close() {
      await worker.close();
      await closeRedis(connection);
    },
  };
}

async function campaign(status: CampaignStatus, startInMs: number, endInMs: number) {
  const id = randomId('camp');
  await campaigns.create({
    _id: id,
    title: 'scheduled',
    kind: 'vote',
    members: [{ candidateId: 'c01', name: 'one' }],
    schedule: {
      startAt: new Date(Date.now() + startInMs),
      endAt: new Date(Date.now() + endInMs),
      timezone: 'Asia/Shanghai',
    },
    visibility: 'public',
    rules: {},
    status,
    createdBy: 'host-1',
  });
  return id;
}

const statusOf = async (id: string) => (await campaigns.findById(id, { status: 1 }).lean())?.status;
const schedule = async (id: string) => {
  const doc = await campaigns.findById(id).lean();
  if (!doc) throw new Error('no campaign');
  await scheduleCampaign(queue, { campaignId: id, startAt: doc.schedule.startAt, endAt: doc.schedule.endAt });
};

describe('the campaign schedule', () => {
  it('starts a scheduled campaign at its start and ends it at its end', async () => {
    const worker = await startWorker();
    try {
      const id = await campaign('scheduled', 300, 1_200);
      await registerBoard(redis, keys, {
        boardId: id,
        title: 'scheduled',
        kind: 'vote',
        dailyRetentionDays: 8,
        candidateIds: ['c01'],
        status: 'scheduled',
      });
      await schedule(id);
      await eventually(async () => (await statusOf(id)) === 'live', 10_000, 'live');
      // Ingest reads the status from the board's meta: the move reaches it.
      await eventually(
        async () => (await readBoardMeta(redis, keys, id))?.status === 'live',
        5_000,
        'board live',
      );
      await eventually(async () => (await statusOf(id)) === 'ended', 10_000, 'ended');
      await eventually(
        async () => (await readBoardMeta(redis, keys, id))?.status === 'ended',
        5_000,
        'board ended',
      );
    } finally {
      await worker.close();
    }
  });

  it('still starts a campaign whose start came while no worker was running (delayed jobs live in Redis)', async () => {
    const id = await campaign('scheduled', 300, 60_000);
    await schedule(id);
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect(await statusOf(id)).toBe('scheduled');
    const worker = await startWorker();
    try {
      await eventually(async () => (await statusOf(id)) === 'live', 10_000, 'live after the restart');
    } finally {
      await worker.close();
    }
  });

  it('ignores the job of a time the campaign was moved away from', async () => {
    const worker = await startWorker();
    try {
      const id = await campaign('scheduled', 300, 60_000);
      await schedule(id);
      // Moved to start an hour later before the first start fired.
      await campaigns.updateOne(
        { _id: id },
        { $set: { 'schedule.startAt': new Date(Date.now() + 3_600_000) } },
      );
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      expect(await statusOf(id)).toBe('scheduled');
      const done = (await queue.getJobs(['completed'])).find(
        (j) => j.data.campaignId === id && j.data.event === 'start',
      );
      expect(done?.returnvalue).toEqual({ done: 'nothing', why: 'the campaign was rescheduled' });
    } finally {
      await worker.close();
    }
  });

  it('reads the campaign under its lock: a start moved away while the job waited for the lock does nothing', async () => {
    const worker = await startWorker();
    try {
      const id = await campaign('scheduled', -1_000, 60_000);
      // A host's change holds the campaign's lock while the start job comes due and runs.
      await withLock(redis, keys.campaignLock(id), async () => {
        await schedule(id);
        await eventually(
          async () =>
            (await queue.getJobs(['active'])).some(
              (j) => j.data.campaignId === id && j.data.event === 'start',
            ),
          5_000,
          'the start job taken',
        );
        // Time enough for the job to read the campaign, were it to read before the lock.
        await new Promise((resolve) => setTimeout(resolve, 300));
        await campaigns.updateOne(
          { _id: id },
          { $set: { 'schedule.startAt': new Date(Date.now() + 3_600_000) } },
        );
      });
      await eventually(
        async () =>
          (await queue.getJobs(['completed'])).some(
            (j) => j.data.campaignId === id && j.data.event === 'start',
          ),
        10_000,
        'the start job done',
      );
      expect(await statusOf(id)).toBe('scheduled');
    } finally {
      await worker.close();
    }
  });

  it('does not start a draft, and ends a paused or frozen campaign', async () => {
    const worker = await startWorker();
    try {
      const draft = await campaign('draft', 200, 60_000);
      const frozen = await campaign('frozen', -60_000, 300);
      await schedule(draft);
      await schedule(frozen);
      await eventually(async () => (await statusOf(frozen)) === 'ended', 10_000, 'frozen ended');
      await eventually(
        async () =>
          (await queue.getJobs(['completed'])).some(
            (j) => j.data.campaignId === draft && j.data.event === 'start',
          ),
        10_000,
        'the draft start job ran',
      );
      expect(await statusOf(draft)).toBe('draft');
    } finally {
      await worker.close();
    }
  });

  it('starts a campaign scheduled again for the same times after its first start job ran and did nothing', async () => {
    const worker = await startWorker();
    try {
      // Scheduled, then moved back to draft before the start: the start job runs and does nothing.
      const id = await campaign('draft', 300, 60_000);
      await schedule(id);
      await eventually(
        async () =>
          (await queue.getJobs(['completed'])).some(
            (j) => j.data.campaignId === id && j.data.event === 'start',
          ),
        10_000,
        'the first start job ran',
      );
      expect(await statusOf(id)).toBe('draft');
      // Scheduled again with the same (now past) start: it must still go live.
      await campaigns.updateOne({ _id: id }, { $set: { status: 'scheduled' } });
      await schedule(id);
      await eventually(async () => (await statusOf(id)) === 'live', 10_000, 'live after scheduling again');
    } finally {
      await worker.close();
    }
  });

  it('queues what subscribers hear of a start and of the end, and queues it again after a failed try', async () => {
    const heard: string[] = [];
    let failures = 1;
    const worker = await startWorker({
      notify: async (event, campaignId) => {
        if (event === 'results-final' && failures-- > 0) throw new Error('Redis went away');
        heard.push(`${event} ${campaignId}`);
      },
    });
    try {
      const id = await campaign('scheduled', 200, 900);
      await schedule(id);
      await eventually(async () => heard.includes(`campaign-started ${id}`), 10_000, 'started');
      // The end moves the campaign, then fails to queue its notification: the retry queues it.
      await eventually(async () => heard.includes(`results-final ${id}`), 15_000, 'results');
      expect(await statusOf(id)).toBe('ended');
      expect(heard).toEqual([`campaign-started ${id}`, `results-final ${id}`]);
    } finally {
      await worker.close();
    }
  });
});
