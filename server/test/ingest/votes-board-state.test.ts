import { campaignModel } from '@rallyboard/core/db';
import { setBoardStatus } from '@rallyboard/core/redis';
import { describe, expect, it } from 'vitest';
import { seedBoard } from '../../../test/support/stack.js';
import { loseBoardState } from '../support/boards.js';
import {
  accepted,
  config,
  errorOf,
  mongo,
  queuedVotes,
  server,
  useVotesServer,
  vote,
} from '../support/votes-fixture.js';

// What the board is in: its campaign's status, and its state lost from Redis but not from MongoDB.
useVotesServer();

describe('POST /api/boards/:boardId/votes', () => {
  describe("by the campaign's status", () => {
    it.each(['draft', 'scheduled', 'paused', 'ended', 'archived'] as const)(
      'answers 409 CAMPAIGN_NOT_LIVE while the campaign is %s, and enqueues nothing',
      async (status) => {
        const board = await seedBoard(config, server.deps.redis, mongo, ['alice']);
        await setBoardStatus(server.deps.redis, server.deps.keys, board, status);
        const res = await vote(board, { candidateId: 'alice' });
        expect(res.status).toBe(409);
        expect(await res.json()).toMatchObject({ error: { code: 'CAMPAIGN_NOT_LIVE', details: { status } } });
        expect(await queuedVotes(board)).toEqual([]);
      },
    );

    it.each(['live', 'frozen'] as const)(
      'takes votes while the campaign is %s (frozen: 封榜, counting goes on)',
      async (status) => {
        const board = await seedBoard(config, server.deps.redis, mongo, ['alice']);
        await setBoardStatus(server.deps.redis, server.deps.keys, board, status);
        // The board cache may hold the board from before: it trusts Redis for BOARD_CACHE_MS.
        const res = await vote(board, { candidateId: 'alice' });
        expect(res.status).toBe(202);
      },
    );
  });

  describe('when another process moves the campaign', () => {
    it.each(['ended', 'paused'] as const)(
      'refuses a vote as soon as it is %s, not a board-cache time later (the schedule worker, another server)',
      async (status) => {
        const board = await seedBoard(config, server.deps.redis, mongo, ['alice']);
        // A live vote: this server now holds the board, live, for BOARD_CACHE_MS (1 s).
        await accepted(await vote(board, { candidateId: 'alice' }));
        // The move as the schedule worker makes it, in its own process: Redis, then the screens told.
        await setBoardStatus(server.deps.redis, server.deps.keys, board, status);
        await new Promise((resolve) => setTimeout(resolve, 100));
        const res = await vote(board, { candidateId: 'alice' });
        expect(await errorOf(res)).toMatchObject({ code: 'CAMPAIGN_NOT_LIVE', details: { status } });
        expect(await queuedVotes(board)).toHaveLength(1);
      },
    );
  });

  describe('for a board that MongoDB has but Redis lost', () => {
    it('still accepts its votes (202) onto the queue, to wait for a rebuild', async () => {
      const board = await seedBoard(config, server.deps.redis, mongo, ['alice', 'bob']);
      expect(await loseBoardState(server.deps.redis, server.deps.keys, board)).toBeGreaterThan(0);
      const voteId = await accepted(await vote(board, { candidateId: 'bob' }));
      expect((await queuedVotes(board)).map((v) => v.voteId)).toEqual([voteId]);
    });

    it('still checks the candidate and the action against the board in MongoDB', async () => {
      const board = await seedBoard(config, server.deps.redis, mongo, ['alice'], { kind: 'like' });
      await loseBoardState(server.deps.redis, server.deps.keys, board);
      const unknown = await vote(board, { candidateId: 'mallory', action: 'like' });
      expect(unknown.status).toBe(422);
      expect((await errorOf(unknown)).code).toBe('UNKNOWN_MEMBER');
      const wrongAction = await vote(board, { candidateId: 'alice' });
      expect((await errorOf(wrongAction)).code).toBe('ACTION_NOT_ALLOWED');
      await accepted(await vote(board, { candidateId: 'alice', action: 'like' }));
      expect(await queuedVotes(board)).toHaveLength(1);
    });

    it("still refuses a vote while the board's campaign is paused (CAMPAIGN_NOT_LIVE), from MongoDB", async () => {
      const board = await seedBoard(config, server.deps.redis, mongo, ['alice']);
      await campaignModel(mongo).create({
        _id: board,
        title: 'paused',
        kind: 'vote',
        members: [{ candidateId: 'alice', name: 'Alice' }],
        schedule: {
          startAt: new Date(),
          endAt: new Date(Date.now() + 86_400_000),
          timezone: 'Asia/Shanghai',
        },
        visibility: 'public',
        rules: {},
        status: 'paused',
        createdBy: 'h-1',
      });
      await loseBoardState(server.deps.redis, server.deps.keys, board);
      const res = await vote(board, { candidateId: 'alice' });
      expect(res.status).toBe(409);
      expect(await errorOf(res)).toMatchObject({ code: 'CAMPAIGN_NOT_LIVE', details: { status: 'paused' } });
      expect(await queuedVotes(board)).toEqual([]);
    });
  });
});
