import { createBatcher } from '@rallyboard/core/batch';
import type { Config } from '@rallyboard/core/config';
import type { Logger } from '@rallyboard/core/logger';
import { type QueuedVote, VOTE_JOB, type VoteJob } from '@rallyboard/core/queue';
import { type KeyBuilder, type RedisClient, tallyIngest } from '@rallyboard/core/redis';
import type { Queue } from 'bullmq';
import type { IngestMetrics } from '../metrics/recorders.js';

/**
 * Puts one accepted vote on the queue; resolves once Redis holds it. A vote whose id comes from
 * an `Idempotency-Key` (`keyed`) is also marked accepted (`accepted` of the board's keys), so a
 * retry of the key finds it while it is queued.
 */
export type VoteEnqueuer = (
  boardId: string,
  vote: QueuedVote,
  options?: { keyed?: boolean },
) => Promise<void>;

interface Item {
  boardId: string;
  vote: QueuedVote;
  keyed: boolean;
}

/**
 * How long a keyed vote's accepted mark lasts: a client retries within seconds (the mini-program
 * at 300 and 600 ms), and a vote is decided (its marker then answers the retry) well within it
 * unless the workers are minutes behind. A retry after it goes through the checks again, as every
 * retry did until 2026-12-07, and still counts once (the worker knows the id).
 */
const ACCEPTED_MARK_SECONDS = 120;

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
      const byBoard = new Map<string, Item[]>();
      for (const item of items) {
        const ofBoard = byBoard.get(item.boardId) ?? [];
        ofBoard.push(item);
        byBoard.set(item.boardId, ofBoard);
      }
      const started = performance.now();
      try {
        await deps.voteQueue.addBulk(
          [...byBoard].map(([boardId, ofBoard]) => ({
            name: VOTE_JOB,
            data: { boardId, votes: ofBoard.map((item) => item.vote) },
          })),
        );
      } catch (error) {
        deps.metrics?.batchFailed(items.length);
        throw error;
      }
      deps.metrics?.batchAdded(items.length, (performance.now() - started) / 1_000);
      await markAccepted(deps, byBoard);
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
  return (boardId, vote, options) => batcher.add({ boardId, vote, keyed: options?.keyed === true });
}

/**
 * Marks a batch's keyed votes accepted, one pipeline per board (a board's keys share a slot).
 * The votes are queued whatever this does: a mark not written (Redis gone meanwhile) costs a
 * retry the checks it went through before, not the vote.
 */
async function markAccepted(
  deps: Pick<VoteEnqueuerDeps, 'redis' | 'keys' | 'logger'>,
  byBoard: ReadonlyMap<string, readonly Item[]>,
) {
  const marks = [...byBoard].flatMap(([boardId, ofBoard]) => {
    const keyed = ofBoard.filter((item) => item.keyed);
    if (keyed.length === 0) return [];
    const pipeline = deps.redis.pipeline();
    const board = deps.keys.board(boardId);
    for (const { vote } of keyed) pipeline.set(board.accepted(vote.voteId), '1', 'EX', ACCEPTED_MARK_SECONDS);
    return [pipeline.exec()];
  });
  for (const mark of await Promise.allSettled(marks)) {
    if (mark.status === 'rejected') deps.logger.warn({ err: mark.reason }, 'could not mark votes accepted');
  }
}
