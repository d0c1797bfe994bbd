import { connectMongo } from '@rallyboard/core/db';
import { createVoteQueue, type VoteJob } from '@rallyboard/core/queue';
import { closeRedis, type RedisClient, type ScriptName } from '@rallyboard/core/redis';
import type { Queue } from 'bullmq';
import type { Connection } from 'mongoose';
import { afterAll, beforeAll } from 'vitest';
import { testConfig } from '../../../test/support/config.js';
import { seedBoard, testRedis } from '../../../test/support/stack.js';
import type { RebuildOptions } from '../../src/recovery/rebuild.js';
import { type BatchItem, createVoteApplier } from '../../src/votes/apply-votes.js';
import { openWorkerDeps, queuedVote } from './deps.js';

/**
 * What the rebuild tests share (they were one file, recovery/rebuild.test.ts): each test file's
 * own config (its key prefix and database), worker deps, a vote applier and a vote queue, the
 * rebuild's options, and a vote board with votes over three days.
 */

export const config = testConfig();
export const TIMEZONE = 'Asia/Shanghai';
const DAY_MS = 86_400_000;
export let mongo: Connection;
export let deps: Awaited<ReturnType<typeof openWorkerDeps>>;
export let apply: ReturnType<typeof createVoteApplier>;
let producer: RedisClient;
export let queue: Queue<VoteJob>;

/** Opens the file's connections and queue before its tests and closes them after. */
export function useRebuildDeps(): void {
  beforeAll(async () => {
    mongo = await connectMongo(config.mongo.uri, 'test');
    deps = await openWorkerDeps(config, mongo);
    apply = createVoteApplier(deps);
    producer = await testRedis(config, 'producer');
    queue = createVoteQueue(producer, deps.keys);
  });
  afterAll(async () => {
    await queue.close();
    await closeRedis(producer);
    await deps.close();
    await mongo.close();
  });
}

export const options = (overrides: Partial<RebuildOptions> = {}): RebuildOptions => ({
  queue,
  settleTimeoutMs: 10_000,
  dedupTtlSeconds: config.votes.dedupTtlSeconds,
  origin: 'test-rebuild',
  ...overrides,
});

export const at = (daysAgo: number) => Date.now() - daysAgo * DAY_MS;

/**
 * A vote board with votes over three days and ties everywhere: bob and carol both reach 2
 * (bob first), alice and dave both 1; a rejected vote; some votes carry their voter.
 */
export async function votedBoard(): Promise<{ boardId: string; items: BatchItem[] }> {
  const boardId = await seedBoard(config, deps.redis, mongo, ['alice', 'bob', 'carol', 'dave', 'erin'], {
    timezone: TIMEZONE,
  });
  const plan: [string, number][] = [
    ['carol', 2],
    ['bob', 2],
    ['bob', 1],
    ['dave', 1],
    ['mallory', 1],
    ['carol', 0],
    ['alice', 0],
  ];
  const items = plan.map(([candidateId, daysAgo]) => ({
    boardId,
    vote: queuedVote(candidateId, { acceptedAt: at(daysAgo) }),
  }));
  await apply(items);
  return { boardId, items };
}

type Call = (...args: unknown[]) => Promise<unknown>;

/**
 * The Redis connection, with one script's calls (runScript looks the script up on the
 * connection by name) going through what `through` makes of the real call: one that fails, or
 * that lets something happen right after it, as a test's fault needs. Everything else is the
 * connection itself.
 */
export function redisWithScript(
  redis: RedisClient,
  name: ScriptName,
  through: (real: Call) => Call,
): RedisClient {
  return new Proxy(redis, {
    get: (target, prop) => {
      const value: unknown = Reflect.get(target, prop);
      if (typeof value !== 'function') return value;
      const bound = (...args: unknown[]) => Reflect.apply(value, target, args) as Promise<unknown>;
      return prop === name ? through(bound) : value.bind(target);
    },
  });
}
