import type { Connection } from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLiveCampaign } from '../../../../test/support/campaigns.js';
import { randomId, testConfig } from '../../../../test/support/config.js';
import { seedBoard, testRedis } from '../../../../test/support/stack.js';
import { admitCandidate } from '../../src/campaigns/admit.js';
import { type BoardSyncDeps, settleBoard, syncBoard } from '../../src/campaigns/board-sync.js';
import {
  boardModel,
  type CampaignDoc,
  campaignModel,
  connectMongo,
  ledgerModel,
} from '../../src/db/index.js';
import type { Logger } from '../../src/logger.js';
import type { CampaignStatus } from '../../src/protocol/index.js';
import {
  applyVotes,
  changeBoardStatus,
  closeRedis,
  createKeys,
  type RedisClient,
  readBoardMeta,
  scanKeys,
} from '../../src/redis/index.js';

const config = testConfig();
const keys = createKeys(config.keyPrefix);
let redis: RedisClient;
let mongo: Connection;
let deps: BoardSyncDeps;

beforeAll(async () => {
  redis = await testRedis(config, 'command');
  mongo = await connectMongo(config.mongo.uri, 'test');
  deps = { redis, keys, config, boards: boardModel(mongo) };
});
afterAll(async () => {
  await closeRedis(redis);
  await mongo.close();
});

/** What Redis loses of a board when its data is lost: every key in the board's hash tag. */
async function loseBoard(boardId: string): Promise<void> {
  const pattern = `${keys.board(boardId).meta.slice(0, -'meta'.length)}*`.replace(/[[\]]/g, '\\$&');
  for await (const batch of scanKeys(redis, pattern)) {
    const found = batch as string[];
    if (found.length > 0) await redis.del(...found);
  }
}

/** A campaign in MongoDB only (its board not registered yet), with `status`. */
const campaignOnly = (status: CampaignStatus) =>
  createLiveCampaign(mongo, randomId('camp'), { candidateIds: ['alice', 'bob'], status });

const voteFor = (boardId: string, voterId: string) =>
  applyVotes(
    redis,
    keys,
    boardId,
    [
      {
        voteId: randomId('v'),
        candidateId: 'alice',
        action: 'vote',
        voterId,
        day: '2026-11-25',
        dayExpiresAt: Math.floor(Date.now() / 1000) + 86_400,
      },
    ],
    { dedupTtlSeconds: 600, origin: 'test' },
  );

/** A vote of the board counted on the ledger: the board has been live, and took it. */
async function countedOnLedger(boardId: string): Promise<void> {
  const at = new Date();
  await ledgerModel(mongo).collection.insertOne({
    _id: randomId('v') as never,
    boardId,
    candidateId: 'alice',
    action: 'vote',
    voterId: 'p-before',
    verdict: 'counted',
    delta: 1,
    seq: 1,
    day: at.toISOString().slice(0, 10),
    acceptedAt: at,
    decidedAt: at,
  });
}

describe("syncing a campaign's board", () => {
  it('adds a candidate while a rebuild holds the board, and leaves a freeze it refuses to the install', async () => {
    const boardId = await seedBoard(config, redis, mongo, ['alice']);
    const campaign = await createLiveCampaign(mongo, boardId, {
      candidateIds: ['alice', 'bob'],
      status: 'frozen',
    });
    await changeBoardStatus(redis, keys, boardId, 'live');
    // The host froze it in MongoDB meanwhile; a rebuild holds the board.
    await redis.set(keys.board(boardId).fence, 'a-rebuild', 'PX', 30_000);
    await syncBoard(deps, campaign);
    const meta = await readBoardMeta(redis, keys, boardId);
    expect(meta?.status).toBe('live');
    expect(await redis.sismember(keys.board(boardId).members, 'bob')).toBe(1);
  });

  it("records the campaign's end on its board, for ingest to refuse votes from then on", async () => {
    const campaign = await campaignOnly('draft');
    const synced = await syncBoard(deps, campaign);
    const endAt = new Date(campaign.schedule.endAt).getTime();
    expect((await readBoardMeta(redis, keys, campaign._id))?.endAt).toBe(endAt);
    expect((await deps.boards.findById(campaign._id).lean())?.endAt?.getTime()).toBe(endAt);
    expect(synced).toBe('registered');
  });

  describe('when Redis has lost the board of a campaign that has been live', () => {
    it('leaves it to a rebuild: the votes waiting for it are not counted on an empty board', async () => {
      const campaign = await campaignOnly('live');
      // Registered when it was scheduled; live since, with a vote counted.
      await syncBoard(deps, { ...campaign, status: 'scheduled' });
      await changeBoardStatus(redis, keys, campaign._id, 'live');
      expect(await voteFor(campaign._id, 'p1')).toMatchObject({ outcome: 'applied', seq: 1 });
      await loseBoard(campaign._id);
      // An edit (a candidate added, an entry admitted) syncs the board again.
      const edited: CampaignDoc = {
        ...campaign,
        members: [...campaign.members, { candidateId: 'carol', name: 'carol' }],
      };
      const synced = await syncBoard(deps, edited);
      // Registered empty, the next vote would count from seq 1 with the voter's quota unspent.
      expect(await voteFor(campaign._id, 'p1')).toEqual({ outcome: 'board-missing' });
      expect(synced).toBe('board-missing');
      expect(await readBoardMeta(redis, keys, campaign._id)).toBeUndefined();
      // The edit stands in the record a rebuild registers the board from.
      const record = await deps.boards.findById(campaign._id).lean();
      expect(record?.members.map((m) => m.candidateId)).toEqual(['alice', 'bob', 'carol']);
    });

    it('is not registered by an entry made a candidate either, which says so in the log', async () => {
      const campaign = await campaignOnly('live');
      await countedOnLedger(campaign._id);
      const errors: string[] = [];
      const logger = {
        error: (...args: unknown[]) => void errors.push(args.filter((a) => typeof a === 'string').join(' ')),
      } as unknown as Pick<Logger, 'error'>;
      const admitted = await admitCandidate(
        { ...deps, campaigns: campaignModel(mongo), logger },
        campaign._id,
        { candidateId: 'e-entry', name: 'an entry' },
      );
      expect(admitted).toBe('added');
      expect(await readBoardMeta(redis, keys, campaign._id)).toBeUndefined();
      expect(errors).toEqual([expect.stringContaining(`npm run rebuild -- ${campaign._id}`)]);
    });

    it('is not registered by a move either, and the move says so', async () => {
      const campaign = await campaignOnly('paused');
      await countedOnLedger(campaign._id);
      expect(await settleBoard(deps, campaign, { from: 'live' })).toBe('board-missing');
      expect(await settleBoard(deps, { ...campaign, status: 'live' })).toBe('board-missing');
      expect(await readBoardMeta(redis, keys, campaign._id)).toBeUndefined();
    });
  });

  describe('when Redis does not have the board of a campaign that has never been live', () => {
    it.each(['draft', 'scheduled'] as const)(
      'registers the board of a %s campaign, empty, with its status',
      async (status) => {
        const campaign = await campaignOnly(status);
        expect(await settleBoard(deps, campaign)).toBe('registered');
        expect(await readBoardMeta(redis, keys, campaign._id)).toMatchObject({ status });
        expect((await redis.smembers(keys.board(campaign._id).members)).sort()).toEqual(['alice', 'bob']);
      },
    );

    it('registers it live on the move scheduled → live itself', async () => {
      const campaign = await campaignOnly('live');
      expect(await settleBoard(deps, campaign, { from: 'scheduled' })).toBe('registered');
      expect(await readBoardMeta(redis, keys, campaign._id)).toMatchObject({ status: 'live' });
      expect(await voteFor(campaign._id, 'p1')).toMatchObject({ outcome: 'applied', seq: 1 });
    });
  });

  it('settles a status and an end that differ, and writes nothing when the board agrees', async () => {
    const campaign = await campaignOnly('scheduled');
    await syncBoard(deps, campaign);
    expect(await settleBoard(deps, campaign)).toBe('unchanged');
    expect(await settleBoard(deps, { ...campaign, status: 'live' }, { from: 'scheduled' })).toBe(
      'status-set',
    );
    const later = new Date(new Date(campaign.schedule.endAt).getTime() + 3_600_000);
    const moved = { ...campaign, status: 'live' as const, schedule: { ...campaign.schedule, endAt: later } };
    expect(await settleBoard(deps, moved)).toBe('synced');
    expect(await readBoardMeta(redis, keys, campaign._id)).toMatchObject({
      status: 'live',
      endAt: later.getTime(),
    });
  });
});
