import { connectMongo } from '@rallyboard/core/db';
import { decodeScore } from '@rallyboard/core/redis';
import type { Connection } from 'mongoose';
import { afterAll, afterEach, beforeAll, type MockInstance, vi } from 'vitest';
import { testConfig } from '../../../test/support/config.js';
import { type BatchItem, createVoteApplier } from '../../src/votes/apply-votes.js';
import { openWorkerDeps, queuedVote } from './deps.js';

/**
 * What the vote applier's tests share (they were one file, votes/apply-votes.test.ts): each test
 * file's own config (its key prefix and database), worker deps and applier, spies on its script
 * calls and ledger writes, and the votes and counts they look at.
 */

export const config = testConfig();
export let mongo: Connection;
export let deps: Awaited<ReturnType<typeof openWorkerDeps>>;
export let apply: ReturnType<typeof createVoteApplier>;
/** applyVotes script calls, calling through to Redis. */
export let scriptCalls: MockInstance;
/** Ledger writes (the driver's insertMany, which recordEachVote uses), calling through to MongoDB. */
export let ledgerWrites: MockInstance;

/** Opens the file's connections and spies before its tests, clears the spies after each, closes after all. */
export function useVoteApplier(): void {
  beforeAll(async () => {
    mongo = await connectMongo(config.mongo.uri, 'test');
    deps = await openWorkerDeps(config, mongo);
    apply = createVoteApplier(deps);
    scriptCalls = vi.spyOn(
      deps.redis as unknown as { applyVotes: (...args: unknown[]) => unknown },
      'applyVotes',
    );
    ledgerWrites = vi.spyOn(deps.ledger.collection, 'insertMany');
  });
  afterEach(() => {
    scriptCalls.mockClear();
    ledgerWrites.mockClear();
  });
  afterAll(async () => {
    vi.restoreAllMocks();
    await deps.close();
    await mongo.close();
  });
}

/** The records handed to the `n`th ledger write. */
export const writtenBy = (n: number) =>
  (ledgerWrites.mock.calls[n]?.[0] ?? []) as { _id: string; boardId: string }[];

export const item = (boardId: string, ...args: Parameters<typeof queuedVote>): BatchItem => ({
  boardId,
  vote: queuedVote(...args),
});

export async function countOf(boardId: string, candidateId: string, day?: string) {
  const k = deps.keys.board(boardId);
  const score = await deps.redis.zscore(day ? k.day(day).scores : k.scores, candidateId);
  return score === null ? null : decodeScore(Number(score));
}
