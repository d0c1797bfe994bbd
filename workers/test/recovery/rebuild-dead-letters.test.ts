import { closeRedis, decodeScore } from '@rallyboard/core/redis';
import { describe, expect, it } from 'vitest';
import { eventually, seedBoard, testRedis } from '../../../test/support/stack.js';
import { rebuild } from '../../src/recovery/rebuild.js';
import { reconcile } from '../../src/recovery/reconcile.js';
import { createVoteWorker } from '../../src/votes/vote-worker.js';
import { deadLetterJob } from '../support/dead-letter.js';
import { applyInRedisOnly, ledgerOf, queuedVote } from '../support/deps.js';
import { config, deps, mongo, options, queue, TIMEZONE, useRebuildDeps } from '../support/rebuild-fixture.js';

useRebuildDeps();

describe('rebuild, with a dead-lettered vote the ledger never recorded', () => {
  it('replays its job, so the vote is counted and recorded once instead of taken off the board', async () => {
    const boardId = await seedBoard(config, deps.redis, mongo, ['alice', 'bob']);
    // A worker applied the vote in Redis, then its ledger write failed until the job failed for good.
    const lost = queuedVote('bob');
    await applyInRedisOnly(deps, boardId, [lost], { timezone: TIMEZONE, origin: 'failed' });
    const job = await deadLetterJob(config, queue, { boardId, votes: [lost] });

    const report = await rebuild(deps, boardId, options());
    expect(report.markersDropped).toBe(1);

    const connection = await testRedis(config, 'worker');
    const worker = createVoteWorker(deps, connection);
    void worker.run();
    try {
      await eventually(
        async () => (await queue.getJobState(job.id as string)) === 'completed',
        20_000,
        'replayed',
      );
      const k = deps.keys.board(boardId);
      expect(decodeScore(Number(await deps.redis.zscore(k.scores, 'bob'))).count).toBe(1);
      expect((await ledgerOf(deps, boardId)).map((r) => [r._id, r.verdict])).toEqual([
        [lost.voteId, 'counted'],
      ]);
      expect((await reconcile(deps, boardId)).ok).toBe(true);
      expect(report).toMatchObject({ replayed: { jobs: 1, votes: 1 } });
    } finally {
      await worker.close();
      await closeRedis(connection);
    }
  });
});
