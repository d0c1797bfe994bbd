import { VOTE_JOB, VOTE_JOB_OPTIONS } from '@rallyboard/core/queue';
import { describe, expect, it } from 'vitest';
import { seedBoard } from '../../../test/support/stack.js';
import {
  accepted,
  config,
  jobsOf,
  mongo,
  post,
  queuedVotes,
  server,
  useVotesServer,
  VOTE_ID,
  VOTER,
  vote,
} from '../support/votes-fixture.js';

// A vote that is accepted: its answer, and the job it goes onto the queue in.
useVotesServer();

describe('POST /api/boards/:boardId/votes', () => {
  it('answers 202 with the vote id, status queued', async () => {
    const board = await seedBoard(config, server.deps.redis, mongo, ['alice']);
    const res = await vote(board, { candidateId: 'alice' });
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({ voteId: expect.stringMatching(VOTE_ID), status: 'queued' });
  });

  it('puts the vote on the queue as a `votes` job of its board', async () => {
    const board = await seedBoard(config, server.deps.redis, mongo, ['alice', 'bob']);
    const before = Date.now();
    const voteId = await accepted(await vote(board, { candidateId: 'bob' }));
    const jobs = await jobsOf(board);
    expect(jobs).toHaveLength(1);
    expect(jobs[0]?.name).toBe(VOTE_JOB);
    expect(jobs[0]?.data).toEqual({
      boardId: board,
      votes: [
        {
          voteId,
          candidateId: 'bob',
          action: 'vote',
          voterId: VOTER,
          acceptedAt: expect.any(Number),
          context: { ip: '127.0.0.1', userAgent: expect.any(String) },
        },
      ],
    });
    expect(jobs[0]?.data.votes[0]?.acceptedAt).toBeGreaterThanOrEqual(before);
    // Retried safely: applying is idempotent by vote id.
    expect(jobs[0]?.opts.attempts).toBe(VOTE_JOB_OPTIONS.attempts);
  });

  it("carries the token's participant onto the queue as the voter of a like", async () => {
    const board = await seedBoard(config, server.deps.redis, mongo, ['alice'], { kind: 'like' });
    const voteId = await accepted(
      await post(`/api/boards/${board}/votes`, '{"candidateId":"alice","action":"like"}', { as: 'p-liker' }),
    );
    expect(await queuedVotes(board)).toMatchObject([
      { voteId, candidateId: 'alice', action: 'like', voterId: 'p-liker' },
    ]);
  });

  it('gathers concurrent requests into fewer jobs, one board per job, losing no vote', async () => {
    const boards = await Promise.all([
      seedBoard(config, server.deps.redis, mongo, ['alice', 'bob']),
      seedBoard(config, server.deps.redis, mongo, ['alice', 'bob']),
    ]);
    const answers = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        vote(boards[i % 2] as string, { candidateId: i % 3 === 0 ? 'bob' : 'alice' }),
      ),
    );
    const voteIds = await Promise.all(answers.map(accepted));
    expect(new Set(voteIds).size).toBe(50);

    const jobs = (await Promise.all(boards.map(jobsOf))).flat();
    expect(jobs.length).toBeLessThan(50);
    const queued = jobs.flatMap((job) => job.data.votes.map((v) => v.voteId));
    expect(queued.sort()).toEqual([...voteIds].sort());
    // Each vote is in its own board's job.
    voteIds.forEach((voteId, i) => {
      const job = jobs.find((j) => j.data.votes.some((v) => v.voteId === voteId));
      expect(job?.data.boardId).toBe(boards[i % 2]);
    });
  });
});
