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
  changeBoardStatus,
  closeRedis,
  createKeys,
  type RedisClient,
  readBoardMeta,
  registerBoard,
  setBoardStatus,
  withLock,
} from '@rallyboard/core/redis';
import type { Queue } from 'bullmq';
import type { Connection } from 'mongoose';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { randomId, testConfig } from '../../../test/support/config.js';
import { eventually, testRedis } from '../../../test/support/stack.js';
import { type RepairDeps, repairCampaigns, startCampaignRepair } from '../../src/campaigns/repair.js';
import { createScheduleWorker } from '../../src/campaigns/schedule-worker.js';

// This file's database holds only its own campaigns, so a pass reads exactly these.
const config = testConfig();
const keys = createKeys(config.keyPrefix);
let mongo: Connection;
let campaigns: CampaignModel;
let redis: RedisClient;
let producer: RedisClient;
let queue: Queue<CampaignScheduleJob>;
let deps: RepairDeps;

beforeAll(async () => {
  mongo = await connectMongo(config.mongo.uri, 'test');
  campaigns = campaignModel(mongo);
  [redis, producer] = await Promise.all([testRedis(config), testRedis(config, 'producer')]);
  queue = createCampaignQueue(producer, keys);
  deps = {
    logger: createLogger(config, 'workers', 'test'),
    redis,
    keys,
    config,
    boards: boardModel(mongo),
    campaigns,
    serialize: (campaignId, work) => withLock(redis, keys.campaignLock(campaignId), work),
    campaignQueue: queue,
  };
});
afterAll(async () => {
  await queue.close();
  await Promise.all([closeRedis(redis), closeRedis(producer)]);
  await mongo.close();
});

/**
 * A campaign in MongoDB with `status`, whose board in Redis says `board` (none: no board), with
 * the campaign's end unless `noEnd` (a board registered before ends were recorded).
 */
async function campaign(
  status: CampaignStatus,
  board: CampaignStatus | 'none',
  times: { startInMs?: number; endInMs?: number; updatedAt?: Date; noEnd?: boolean } = {},
): Promise<string> {
  const id = randomId('c');
  const endAt = new Date(Date.now() + (times.endInMs ?? 86_400_000));
  await campaigns.create({
    _id: id,
    title: 'repaired',
    kind: 'vote',
    members: [{ candidateId: 'c01', name: 'one' }],
    schedule: {
      startAt: new Date(Date.now() + (times.startInMs ?? -3_600_000)),
      endAt,
      timezone: 'Asia/Shanghai',
    },
    visibility: 'public',
    rules: {},
    status,
    createdBy: 'h-test',
  });
  // Straight to the collection: the model would stamp its own time.
  if (times.updatedAt)
    await campaigns.collection.updateOne({ _id: id as never }, { $set: { updatedAt: times.updatedAt } });
  if (board !== 'none') {
    await registerBoard(redis, keys, {
      boardId: id,
      title: 'repaired',
      kind: 'vote',
      dailyRetentionDays: 8,
      candidateIds: ['c01'],
      status: board === 'frozen' ? 'live' : board,
      endAt: times.noEnd ? undefined : endAt.getTime(),
    });
    if (board === 'frozen') await changeBoardStatus(redis, keys, id, 'frozen');
  }
  return id;
}

const boardStatus = async (id: string) => (await readBoardMeta(redis, keys, id))?.status;
const statusOf = async (id: string) => (await campaigns.findById(id, { status: 1 }).lean())?.status;

/** A schedule worker as the workers process runs it. */
async function startWorker() {
  const connection = await testRedis(config, 'worker');
  const worker = createScheduleWorker(
    {
      ...deps,
      settleBoard: (campaign, from) => settleBoard(deps, campaign, { from }),
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

describe('the campaign repair', () => {
  it("sets each board's status to its campaign's, a page at a time, and leaves drafts and campaigns archived long ago alone", async () => {
    const live = await campaign('live', 'scheduled');
    const frozen = await campaign('frozen', 'live');
    const ended = await campaign('ended', 'frozen');
    const paused = await campaign('paused', 'paused');
    const draft = await campaign('draft', 'scheduled');
    const archived = await campaign('archived', 'ended', {
      updatedAt: new Date(Date.now() - 8 * 86_400_000),
    });
    const lost = await campaign('live', 'none');
    const report = await repairCampaigns(deps, { pageSize: 2 });
    expect(report).toEqual({ checked: 5, boardsSet: 3, jobsQueued: 0, boardsLost: 1 });
    expect(await boardStatus(live)).toBe('live');
    expect(await boardStatus(frozen)).toBe('frozen');
    // Frozen through the freeze, with its snapshot, as a host's move does; thawed the same way.
    expect((await readBoardMeta(redis, keys, frozen))?.frozen).toBeDefined();
    expect(await boardStatus(ended)).toBe('ended');
    expect((await readBoardMeta(redis, keys, ended))?.frozen).toBeUndefined();
    expect(await boardStatus(paused)).toBe('paused');
    expect(await boardStatus(draft)).toBe('scheduled');
    expect(await boardStatus(archived)).toBe('ended');
    // A board Redis lost is the rebuild's to restore; the repair does not half-register it, but
    // reports it at every pass.
    expect(await readBoardMeta(redis, keys, lost)).toBeUndefined();
    // Idempotent: the stores agree now, and a second pass changes nothing.
    expect(await repairCampaigns(deps, { pageSize: 2 })).toEqual({
      checked: 5,
      boardsSet: 0,
      jobsQueued: 0,
      boardsLost: 1,
    });
  });

  it('registers the board of a scheduled campaign Redis does not have, and reports the lost one of a live campaign', async () => {
    // The move to scheduled wrote MongoDB, and its board's registration failed (as at a creation).
    const scheduled = await campaign('scheduled', 'none', { startInMs: 3_600_000 });
    const live = await campaign('live', 'none');
    const errors = vi.spyOn(deps.logger, 'error');
    try {
      await repairCampaigns(deps);
      expect(await readBoardMeta(redis, keys, scheduled)).toMatchObject({ status: 'scheduled' });
      expect(await readBoardMeta(redis, keys, live)).toBeUndefined();
      expect(
        errors.mock.calls.some(([fields]) => (fields as { campaignId?: string }).campaignId === live),
      ).toBe(true);
    } finally {
      errors.mockRestore();
    }
  });

  it('sets the board of a campaign archived lately that still takes votes (its end and its archive both failed in Redis)', async () => {
    const archived = await campaign('archived', 'live');
    await repairCampaigns(deps);
    expect(await boardStatus(archived)).toBe('archived');
  });

  it("records the campaign's end on a board registered without it", async () => {
    const live = await campaign('live', 'live', { noEnd: true });
    await repairCampaigns(deps);
    const doc = await campaigns.findById(live).lean();
    expect((await readBoardMeta(redis, keys, live))?.endAt).toBe(doc?.schedule.endAt.getTime());
  });

  it('does not queue again the start of a scheduled campaign whose end has passed too', async () => {
    const id = await campaign('scheduled', 'scheduled', { startInMs: -7_200_000, endInMs: -1_000 });
    await repairCampaigns(deps);
    const doc = await campaigns.findById(id).lean();
    const at = doc?.schedule.startAt.getTime() ?? 0;
    expect(await queue.getJob(campaignScheduleJobId({ campaignId: id, event: 'start', at }))).toBeUndefined();
  });

  it('queues again the start of a scheduled campaign whose start job ran too early and did nothing', async () => {
    const worker = await startWorker();
    try {
      // What moveCampaign did before: the start job ran while the campaign was still a draft.
      const id = await campaign('draft', 'draft', { startInMs: -1_000 });
      const doc = await campaigns.findById(id).lean();
      if (!doc) throw new Error('no campaign');
      await scheduleCampaign(queue, {
        campaignId: id,
        startAt: doc.schedule.startAt,
        endAt: doc.schedule.endAt,
      });
      await eventually(
        async () => (await queue.getJobs(['completed'])).some((j) => j.data.campaignId === id),
        5_000,
        'the start job done',
      );
      await campaigns.updateOne({ _id: id }, { $set: { status: 'scheduled' } });
      await setBoardStatus(redis, keys, id, 'scheduled');
      const report = await repairCampaigns(deps);
      expect(report.jobsQueued).toBe(1);
      await eventually(async () => (await statusOf(id)) === 'live', 5_000, 'live');
      await eventually(async () => (await boardStatus(id)) === 'live', 2_000, 'board live');
    } finally {
      await worker.close();
    }
  });

  it('queues again the end of a running campaign whose end has passed', async () => {
    const worker = await startWorker();
    try {
      const id = await campaign('paused', 'paused', { endInMs: -1_000 });
      await repairCampaigns(deps);
      await eventually(async () => (await statusOf(id)) === 'ended', 5_000, 'ended');
      await eventually(async () => (await boardStatus(id)) === 'ended', 2_000, 'board ended');
    } finally {
      await worker.close();
    }
  });

  it('runs by itself every interval until stopped', async () => {
    const repair = startCampaignRepair(deps, { everyMs: 100 });
    try {
      const id = await campaign('live', 'scheduled');
      await eventually(async () => (await boardStatus(id)) === 'live', 3_000, 'board live');
      // After stop() no pass runs: a disagreement stays until the next start.
      await repair.stop();
      await setBoardStatus(redis, keys, id, 'paused');
      await new Promise((resolve) => setTimeout(resolve, 400));
      expect(await boardStatus(id)).toBe('paused');
    } finally {
      await repair.stop();
    }
  });
});
