import { randomUUID } from 'node:crypto';
import type { Config } from '@rallyboard/core/config';
import {
  archiveModels,
  boardModel,
  connectMongo,
  type LedgerModel,
  type LedgerVote,
  ledgerModel,
  rewardModels,
} from '@rallyboard/core/db';
import { createLogger } from '@rallyboard/core/logger';
import { dayOf, type VoteAction } from '@rallyboard/core/protocol';
import { createReviewQueue, type QueuedVote } from '@rallyboard/core/queue';
import {
  applyVotes,
  closeRedis,
  createKeys,
  dayExpiresAt,
  defineScripts,
  type KeyBuilder,
  type RedisClient,
  scanKeys,
} from '@rallyboard/core/redis';
import type { Connection } from 'mongoose';
import { testRedis } from '../../../test/support/stack.js';
import type { WorkerDeps } from '../../src/deps.js';

/** Real, isolated worker deps: a command connection of their own with the scripts defined. */
export async function openWorkerDeps(
  config: Config,
  mongo: Connection,
): Promise<WorkerDeps & { close(): Promise<void> }> {
  const redis = await testRedis(config, 'command');
  defineScripts(redis);
  const ledger = ledgerModel(mongo);
  await ledger.init();
  const keys = createKeys(config.keyPrefix);
  const reviewQueue = createReviewQueue(redis, keys);
  reviewQueue.on('error', () => {});
  return {
    config,
    logger: createLogger(config, 'workers', 'test'),
    redis,
    keys,
    ledger,
    boards: boardModel(mongo),
    archives: archiveModels(mongo),
    instanceId: 'test-worker',
    reviewQueue,
    async close() {
      await reviewQueue.close();
      await closeRedis(redis);
    },
  };
}

/** What a rewards step works with, for a test file: MongoDB, a Redis command connection, the reward models. */
export async function openRewardStores(config: Config) {
  const mongo = await connectMongo(config.mongo.uri, 'test');
  const redis = await testRedis(config, 'command');
  return {
    mongo,
    redis,
    rewards: rewardModels(mongo),
    async close() {
      await closeRedis(redis);
      await mongo.close();
    },
  };
}

/** One queued vote with a fresh id (ledger ids are global: never reuse one across tests). */
export function queuedVote(
  candidateId: string,
  options: { action?: VoteAction; voterId?: string; acceptedAt?: number } = {},
): QueuedVote {
  return {
    voteId: `v-${randomUUID()}`,
    candidateId,
    action: options.action ?? 'vote',
    ...(options.voterId === undefined ? {} : { voterId: options.voterId }),
    acceptedAt: options.acceptedAt ?? Date.now(),
  };
}

/**
 * Applies votes in Redis only, as a worker does before its ledger write: one that died there
 * (`crashed`), or whose write failed until its job failed for good (`failed`). Each vote's day is
 * its acceptance's in `timezone`, kept 8 days.
 */
export async function applyInRedisOnly(
  deps: Pick<WorkerDeps, 'redis' | 'keys'>,
  boardId: string,
  votes: QueuedVote[],
  options: { timezone: string; origin: 'crashed' | 'failed' },
): Promise<void> {
  await applyVotes(
    deps.redis,
    deps.keys,
    boardId,
    votes.map((vote) => ({
      ...vote,
      day: dayOf(vote.acceptedAt, options.timezone),
      dayExpiresAt: dayExpiresAt(vote.acceptedAt, 8),
    })),
    { dedupTtlSeconds: 3_600, origin: options.origin },
  );
}

/** Every Redis key of a board. */
export async function boardKeys(redis: RedisClient, keys: KeyBuilder, boardId: string): Promise<string[]> {
  const pattern = `${keys.board(boardId).meta.slice(0, -'meta'.length)}*`;
  const found: string[] = [];
  for await (const batch of scanKeys(redis, pattern)) found.push(...(batch as string[]));
  return found.sort();
}

/** Deletes every Redis key of a board, as if Redis had lost it; MongoDB still has the board. */
export async function loseBoardState(redis: RedisClient, keys: KeyBuilder, boardId: string): Promise<number> {
  const found = await boardKeys(redis, keys, boardId);
  return found.length > 0 ? redis.del(...found) : 0;
}

/** A board's ledger, oldest seq first, as plain records. */
export async function ledgerOf(deps: Pick<WorkerDeps, 'ledger'>, boardId: string): Promise<LedgerVote[]> {
  const records = await deps.ledger.find({ boardId }).lean();
  return records.sort((a, b) => (a.seq ?? 0) - (b.seq ?? 0) || a._id.localeCompare(b._id));
}

/**
 * Everything Redis holds for a board's rankings, key by key (sorted sets as ZRANGE WITHSCORES, so ties and
 * their order show), without TTLs: two snapshots are equal when the board's state is. The periods
 * zset's scores are expiries too, so it shows as the sorted list of its members.
 */
export async function snapshotBoard(
  redis: RedisClient,
  keys: KeyBuilder,
  boardId: string,
): Promise<Record<string, unknown>> {
  const snapshot: Record<string, unknown> = {};
  // Risk control's windows and tallies are not the board's state: a rebuild leaves them be.
  const riskKeys = `${keys.board(boardId).meta.slice(0, -'meta'.length)}risk:`;
  for (const key of (await boardKeys(redis, keys, boardId)).filter((k) => !k.startsWith(riskKeys))) {
    const type = await redis.type(key);
    if (key === keys.board(boardId).periods) snapshot[key] = (await redis.zrange(key, '0', '-1')).sort();
    else if (type === 'zset') snapshot[key] = await redis.zrange(key, '0', '-1', 'WITHSCORES');
    else if (type === 'set') snapshot[key] = (await redis.smembers(key)).sort();
    else if (type === 'hash') snapshot[key] = await redis.hgetall(key);
    else if (type === 'string') snapshot[key] = await redis.get(key);
    else snapshot[key] = `(${type})`;
  }
  return snapshot;
}

type Insert = (...args: unknown[]) => Promise<unknown>;

/**
 * The ledger, with its inserts (the group commit's `collection.insertMany`) going through what
 * `through` makes of the real one: one that fails, or waits, as a test's fault needs.
 */
export function ledgerWithInserts(ledger: LedgerModel, through: (real: Insert) => Insert): LedgerModel {
  const collection = new Proxy(ledger.collection, {
    get: (target, prop) =>
      prop === 'insertMany'
        ? through((...args) => Reflect.apply(target.insertMany, target, args) as Promise<unknown>)
        : Reflect.get(target, prop),
  });
  return new Proxy(ledger, {
    get: (target, prop) => (prop === 'collection' ? collection : Reflect.get(target, prop)),
  });
}
