import { randomUUID } from 'node:crypto';
import { campaignModel, type LedgerVote, ledgerModel } from '@rallyboard/core/db';
import type { VoteContext } from '@rallyboard/core/protocol';
import { decodeScore, type RedisClient } from '@rallyboard/core/redis';
import type { Worker } from 'bullmq';
import mongoose, { type Connection } from 'mongoose';
import { afterAll, beforeAll } from 'vitest';
import { testConfig } from '../../../test/support/config.js';
import { seedBoard, testRedis } from '../../../test/support/stack.js';
import { createReviewWorker } from '../../src/review/review-worker.js';
import type { DecidedVote } from '../../src/risk/follow-up.js';
import { type BatchItem, createVoteApplier } from '../../src/votes/apply-votes.js';
import { openWorkerDeps } from '../support/deps.js';

/**
 * What the cluster-hold tests share: a campaign's votes judged and applied by the vote worker's
 * applier (which records cluster members and queues holds), and the review worker that runs the
 * holds, on the file's own key prefix and database; the ledger's commands are monitored.
 */

const config = testConfig();
export let mongo: Connection;
export let deps: Awaited<ReturnType<typeof openWorkerDeps>>;
export let apply: ReturnType<typeof createVoteApplier>;
let reviewWorker: Worker;
let reviewConnection: RedisClient;
/** The ledger's reads and updates (one per update statement) with their filters, as the driver sent them. */
export const ledgerCommands: { command: string; filter: unknown }[] = [];

export function useClusterHoldStack(): void {
  beforeAll(async () => {
    mongo = mongoose.createConnection(config.mongo.uri, { monitorCommands: true });
    await mongo.asPromise();
    mongo.getClient().on('commandStarted', (event) => {
      const command = event.command as Record<string, unknown>;
      const name = ['find', 'count', 'aggregate', 'update', 'delete'].find((n) => command[n] === 'votes');
      if (name === 'update' || name === 'delete') {
        const statements = (command.updates ?? command.deletes) as { q: unknown }[];
        for (const { q } of statements) ledgerCommands.push({ command: name, filter: q });
      } else if (name) {
        ledgerCommands.push({ command: name, filter: command.filter ?? command.query ?? command.pipeline });
      }
    });
    deps = await openWorkerDeps(config, mongo);
    apply = createVoteApplier(deps);
    reviewConnection = await testRedis(config, 'worker');
    reviewWorker = createReviewWorker(deps, reviewConnection);
    void reviewWorker.run();
    await reviewWorker.waitUntilReady();
  });
  afterAll(async () => {
    await reviewWorker?.close();
    reviewConnection?.disconnect();
    await deps?.close();
    await mongo?.close();
  });
}

/** A live campaign with the default risk settings: its board in Redis and MongoDB. */
export async function liveCampaign(
  candidates = ['alice', 'bob'],
  kind: 'vote' | 'like' = 'vote',
): Promise<string> {
  const boardId = await seedBoard(config, deps.redis, mongo, candidates, { kind });
  await campaignModel(mongo).create({
    _id: boardId,
    title: boardId,
    kind,
    members: candidates.map((candidateId) => ({ candidateId, name: candidateId })),
    schedule: { startAt: new Date(), endAt: new Date(Date.now() + 86_400_000), timezone: 'Asia/Shanghai' },
    visibility: 'public',
    rules: {},
    status: 'live',
    createdBy: 'h-test',
  });
  return boardId;
}

/** A participant's vote with its request context, accepted at `at`. */
export function judged(
  boardId: string,
  candidateId: string,
  voterId: string,
  at: number,
  context: VoteContext,
): BatchItem {
  return {
    boardId,
    vote: { voteId: `v-${randomUUID()}`, candidateId, action: 'vote', voterId, acceptedAt: at, context },
  };
}

/** A vote risk control stopped for `cluster` at `at`, as the follow-up gets it: its cluster's holds follow. */
export function stoppedFor(boardId: string, cluster: string, at: number, candidateId = 'alice'): DecidedVote {
  return {
    boardId,
    candidateId,
    acceptedAt: at,
    stopped: true,
    decision: {
      mode: 'h',
      assessment: { clusters: [cluster], holdClusters: [cluster], reasons: [] } as never,
    },
  };
}

/** Whether a ledger command names its votes by id alone (`{ _id: <id> }`), which FerretDB answers from its key. */
export const byIdAlone = ({ command, filter }: { command: string; filter: unknown }): boolean =>
  (command === 'find' || command === 'update') &&
  typeof filter === 'object' &&
  filter !== null &&
  Object.keys(filter).length === 1 &&
  typeof (filter as { _id?: unknown })._id === 'string';

/** A candidate's all-time count on the board. */
export async function countOf(boardId: string, candidateId: string): Promise<number> {
  const score = await deps.redis.zscore(deps.keys.board(boardId).scores, candidateId);
  return score === null ? 0 : decodeScore(Number(score)).count;
}

/** The vote's ledger record. */
export async function recordOf(voteId: string): Promise<LedgerVote | null> {
  return ledgerModel(mongo).findById(voteId).lean<LedgerVote>();
}

/** Whether every one of `votes` has its ledger record held for review (with `cluster`, when named). */
export async function allHeld(votes: readonly (BatchItem | undefined)[], cluster?: string): Promise<boolean> {
  const records = await Promise.all(votes.map((v) => recordOf(v?.vote.voteId ?? '')));
  return records.every(
    (r) => r?.review?.state === 'held' && (cluster === undefined || r.review.cluster === cluster),
  );
}

/** Polls until `probe` holds, answering how long it took (ms), or fails after `timeoutMs`. */
export async function timeUntil(
  probe: () => Promise<boolean>,
  timeoutMs: number,
  what: string,
): Promise<number> {
  const start = Date.now();
  while (Date.now() - start < timeoutMs) {
    if (await probe()) return Date.now() - start;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}
