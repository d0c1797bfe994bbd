import { archiveModels, boardModel, ledgerModel } from '@rallyboard/core/db';
import type { VoteJob } from '@rallyboard/core/queue';
import { readDeadLetters } from '@rallyboard/core/redis';
import type { Queue } from 'bullmq';
import type { Connection } from 'mongoose';
import { expect } from 'vitest';
import { reconcile } from '../../workers/src/recovery/reconcile.js';
import { eventually, type TestServer } from './stack.js';
import { castVote, inParallel, readRanking } from './votes.js';

const CANDIDATES = ['alice', 'bob', 'carol', 'dave'];
export const FAULT_CANDIDATES = CANDIDATES;

/**
 * Sends `count` votes over the boards, 16 requests in flight, each with an Idempotency-Key of its
 * own (`fault-<tag>-<i>`), every one answered 202; adds each accepted vote id to its board's set.
 */
export async function sendVotes(
  server: TestServer,
  accepted: Map<string, Set<string>>,
  count: number,
  tag: string,
): Promise<void> {
  const boards = [...accepted.keys()];
  await inParallel(count, 16, async (i) => {
    const boardId = boards[i % boards.length] as string;
    const res = await castVote(server, boardId, CANDIDATES[(i * 7) % CANDIDATES.length] as string, {
      idempotencyKey: `fault-${tag}-${i}`,
    });
    expect(res.status, await res.clone().text()).toBe(202);
    accepted.get(boardId)?.add(((await res.json()) as { voteId: string }).voteId);
  });
}

const boardTotal = async (server: TestServer, boardId: string) =>
  (await readRanking(server.url, boardId)).entries.reduce((sum, e) => sum + e.score, 0);

/**
 * Waits until every accepted vote is counted, then checks, board by board, that what was
 * accepted is exactly what was counted (scores, total, seq) and exactly what the ledger counted,
 * that reconcile finds no drift, and that nothing is dead-lettered or failed: no manual step.
 */
export async function expectAcceptedCountedRecorded(
  server: TestServer,
  mongo: Connection,
  queue: Queue<VoteJob>,
  accepted: Map<string, Set<string>>,
  timeoutMs: number,
): Promise<void> {
  const expected = [...accepted.values()].reduce((n, s) => n + s.size, 0);
  const ledger = ledgerModel(mongo);
  await eventually(
    async () =>
      (await Promise.all([...accepted.keys()].map((b) => boardTotal(server, b)))).reduce(
        (a, b) => a + b,
        0,
      ) >= expected && (await ledger.countDocuments({ verdict: 'counted' })) >= expected,
    timeoutMs,
    `${expected} votes counted and recorded`,
  );
  // Let any re-delivered job land before judging: a double count would show now.
  await new Promise((resolve) => setTimeout(resolve, 2_500));
  expect(await queue.getFailedCount()).toBe(0);
  for (const [boardId, ids] of accepted) {
    const view = await readRanking(server.url, boardId);
    expect(
      view.entries.reduce((sum, e) => sum + e.score, 0),
      `board ${boardId}`,
    ).toBe(ids.size);
    expect(view.totals.votes).toBe(ids.size);
    expect(view.seq).toBe(ids.size);
    const counted = await ledger.find({ boardId, verdict: 'counted' }, { _id: 1 }).lean();
    expect(new Set(counted.map((r) => r._id))).toEqual(ids);
    const deps = {
      redis: server.deps.redis,
      keys: server.deps.keys,
      ledger,
      boards: boardModel(mongo),
      archives: archiveModels(mongo),
    };
    expect((await reconcile(deps, boardId)).ok).toBe(true);
    expect(await readDeadLetters(server.deps.redis, server.deps.keys, boardId)).toEqual({
      jobs: 0,
      votes: 0,
    });
  }
}
