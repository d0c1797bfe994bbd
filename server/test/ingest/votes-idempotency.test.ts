import { dayOf, type ErrorBody } from '@rallyboard/core/protocol';
import { applyVotes, dayExpiresAt, setBoardStatus } from '@rallyboard/core/redis';
import { describe, expect, it } from 'vitest';
import { randomId } from '../../../test/support/config.js';
import { seedBoard } from '../../../test/support/stack.js';
import {
  accepted,
  boardId,
  config,
  jobsOf,
  mongo,
  post,
  queuedVotes,
  server,
  useVotesServer,
  VOTE_ID,
  vote,
} from '../support/votes-fixture.js';

// The vote an Idempotency-Key names: the same one again for a retry, another for anyone or
// anywhere else.
useVotesServer();

describe('POST /api/boards/:boardId/votes', () => {
  describe('retrying with an Idempotency-Key', () => {
    it('gets the same vote id back once the vote is decided, even past a quota it spent, and casts nothing', async () => {
      const board = await seedBoard(config, server.deps.redis, mongo, ['alice', 'bob'], {
        quotas: { perDay: 1 },
      });
      const key = `key-${randomId()}`;
      const send = (idempotencyKey: string) =>
        post(`/api/boards/${board}/votes`, '{"candidateId":"alice"}', { idempotencyKey, as: 'p-retry' });
      const voteId = await accepted(await send(key));
      // The worker decides it (as applyVotes does, from the queued vote): the quota is spent.
      const [queued] = await queuedVotes(board);
      expect(queued?.voteId).toBe(voteId);
      await applyVotes(
        server.deps.redis,
        server.deps.keys,
        board,
        [
          {
            voteId,
            candidateId: 'alice',
            action: 'vote',
            voterId: 'p-retry',
            day: dayOf(Date.now(), 'Asia/Shanghai'),
            dayExpiresAt: dayExpiresAt(Date.now(), 8),
          },
        ],
        { dedupTtlSeconds: 600, origin: 'test' },
      );

      expect(await accepted(await send(key))).toBe(voteId);
      expect((await queuedVotes(board)).map((v) => v.voteId)).toEqual([voteId]);
      // Another key is another vote: that one is past the quota.
      const other = await send(`key-${randomId()}`);
      expect(other.status).toBe(429);
    });

    it('gets the same vote id back while the vote is still queued, even once the campaign has ended, and queues it once', async () => {
      // The answer to the first send was lost; the campaign ends before the client's retry. The
      // vote, accepted while live, still counts when the worker comes to it, so its retry must
      // not be told CAMPAIGN_NOT_LIVE.
      const board = await seedBoard(config, server.deps.redis, mongo, ['alice']);
      const key = `key-${randomId()}`;
      const send = () =>
        post(`/api/boards/${board}/votes`, '{"candidateId":"alice"}', { idempotencyKey: key });
      const voteId = await accepted(await send());
      await setBoardStatus(server.deps.redis, server.deps.keys, board, 'ended');
      await new Promise((resolve) => setTimeout(resolve, 100));

      expect(await accepted(await send())).toBe(voteId);
      expect((await queuedVotes(board)).map((v) => v.voteId)).toEqual([voteId]);
      // Another key is another vote, refused.
      const other = await post(`/api/boards/${board}/votes`, '{"candidateId":"alice"}', {
        idempotencyKey: `key-${randomId()}`,
      });
      expect(other.status).toBe(409);
    });
  });

  describe('with an Idempotency-Key', () => {
    it('names the same vote for the same key on the same board', async () => {
      const key = `key-${randomId()}`;
      const first = await accepted(await vote(boardId, { candidateId: 'alice' }, key));
      const again = await accepted(await vote(boardId, { candidateId: 'alice' }, key));
      expect(first).toMatch(VOTE_ID);
      expect(again).toBe(first);
    });

    it("names different votes for the same key from different participants: one cannot spend another's", async () => {
      const key = `key-${randomId()}`;
      const mine = await accepted(
        await post(`/api/boards/${boardId}/votes`, '{"candidateId":"alice"}', {
          idempotencyKey: key,
          as: 'p-a',
        }),
      );
      const theirs = await accepted(
        await post(`/api/boards/${boardId}/votes`, '{"candidateId":"alice"}', {
          idempotencyKey: key,
          as: 'p-b',
        }),
      );
      expect(mine).not.toBe(theirs);
    });

    it('names different votes for the same key on different boards', async () => {
      const key = `key-${randomId()}`;
      const other = await seedBoard(config, server.deps.redis, mongo, ['alice']);
      const here = await accepted(await vote(boardId, { candidateId: 'alice' }, key));
      const there = await accepted(await vote(other, { candidateId: 'alice' }, key));
      expect(here).not.toBe(there);
    });

    it('names different votes for different keys', async () => {
      const a = await accepted(await vote(boardId, { candidateId: 'alice' }, `key-${randomId()}`));
      const b = await accepted(await vote(boardId, { candidateId: 'alice' }, `key-${randomId()}`));
      expect(a).not.toBe(b);
    });

    it.each([
      ['too short', 'short'],
      ['with a space', 'has a space'],
      ['with braces', '{hash-tag}x'],
      ['too long', 'k'.repeat(129)],
    ])('refuses a key %s with 400 INVALID_INPUT naming the header, and enqueues nothing', async (_, key) => {
      const board = await seedBoard(config, server.deps.redis, mongo, ['alice']);
      const res = await vote(board, { candidateId: 'alice' }, key);
      expect(res.status).toBe(400);
      const body = (await res.json()) as ErrorBody;
      expect(body.error.code).toBe('INVALID_INPUT');
      expect((body.error.details as { path: string }[]).map((d) => d.path)).toEqual([
        'headers.idempotency-key',
      ]);
      expect(await jobsOf(board)).toEqual([]);
    });
  });
});
