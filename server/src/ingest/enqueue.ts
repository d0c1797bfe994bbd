import { createBatcher } from '@rallyboard/core/batch';
import type { Config } from '@rallyboard/core/config';
import type { Logger } from '@rallyboard/core/logger';
import { type QueuedVote, VOTE_JOB, type VoteJob } from '@rallyboard/core/queue';
import { type KeyBuilder, type RedisClient, tallyIngest } from '@rallyboard/core/redis';
import type { Queue } from 'bullmq';
import type { IngestMetrics } from '../metrics/recorders.js';

/** Puts one accepted vote on the queue; resolves once Redis holds it. */
export type VoteEnqueuer = (boardId: string, vote: QueuedVote) => Promise<void>;

interface Item {
  boardId: string;
  vote: QueuedVote;
}

export interface VoteEnqueuerDeps {
  config: Pick<Config, 'ingest'>;
  logger: Logger;
  redis: RedisClient;
  keys: KeyBuilder;
  voteQueue: Queue<VoteJob>;
  /** Batches and their latency for /metrics; none recorded when absent. */
  metrics?: IngestMetrics;
}

/**
 * Gathers the votes of concurrent requests for up to `INGEST_BATCH_WAIT_MS` (or
 * `INGEST_BATCH_MAX` votes) and adds them with one `addBulk`: one job per board, holding that
 * board's votes. Each request still answers only after its vote is in Redis; if the add fails,
 * every request of the batch fails (503) and none of its votes was accepted, though an add that
 * timed out may still run and queue them: a client retries with the same Idempotency-Key, which
 * names the same vote (docs/architecture.md, step 3).
 */
export function createVoteEnqueuer(deps: VoteEnqueuerDeps): VoteEnqueuer {
  const { batchMax, batchWaitMs } = deps.config.ingest;
  const batcher = createBatcher<Item, void>({
    maxItems: batchMax,
    maxWaitMs: batchWaitMs,
    async run(items) {
      const byBoard = new Map<string, QueuedVote[]>();
      for (const { boardId, vote } of items) {
        const votes = byBoard.get(boardId) ?? [];
        votes.push(vote);
        byBoard.set(boardId, votes);
      }
      const started = performance.now();
      try {
        await deps.voteQueue.addBulk(
          [...byBoard].map(([boardId, votes]) => ({ name: VOTE_JOB, data: { boardId, votes } })),
        );
      } catch (error) {
        deps.metrics?.batchFailed(items.length);
        throw error;
      }
      deps.metrics?.batchAdded(items.length, (performance.now() - started) / 1_000);
      // The console's votes per second. Not awaited: a vote's answer never waits on a chart,
      // and a lost tally costs a dip in the chart, nothing more.
      tallyIngest(
        deps.redis,
        deps.keys,
        items.map(({ boardId, vote }) => ({ boardId, acceptedAt: vote.acceptedAt })),
      ).catch((error: unknown) => deps.logger.warn({ err: error }, 'could not tally ingest rate'));
      return items.map(() => undefined);
    },
  });
  return (boardId, vote) => batcher.add({ boardId, vote });
}
