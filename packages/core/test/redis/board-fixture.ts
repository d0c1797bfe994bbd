import { afterAll, beforeAll } from 'vitest';
import { randomId, testConfig } from '../../../../test/support/config.js';
import { testRedis } from '../../../../test/support/stack.js';
import type { BoardKind } from '../../src/protocol/campaigns.js';
import { periodStart } from '../../src/protocol/periods.js';
import type { VoteAction } from '../../src/protocol/votes.js';
import type { RedisClient } from '../../src/redis/connection.js';
import {
  applyVotes,
  type BoardChange,
  boardChangeSchema,
  closeRedis,
  createKeys,
  readBoard,
  registerBoard,
  type VoteToApply,
  type VoteVerdict,
  type WindowRef,
} from '../../src/redis/index.js';

/**
 * What the board tests share (they were one file, board-store.test.ts, before the board store
 * was split): a connection, boards with random ids, votes to apply, reads and verdicts.
 */

export const config = testConfig();
export const keys = createKeys(config.keyPrefix);
export const options = { dedupTtlSeconds: 600, origin: 'test' };
export const ALL: WindowRef = { window: 'all' };
export const TODAY = '2026-11-25';
export const YESTERDAY = '2026-11-24';
export const dayOf = (day: string): WindowRef => ({ window: 'day', day });
/** Well in the future, so EXPIREAT never deletes a key under test. */
export const EXPIRES = Math.floor(Date.now() / 1000) + 10 * 86_400;

export let redis: RedisClient;
export const connections: RedisClient[] = [];

/** Opens the file's connection before its tests and closes every connection it opened after them. */
export function useBoardRedis(): void {
  beforeAll(async () => {
    redis = await testRedis(config);
    connections.push(redis);
  });
  afterAll(() => Promise.all(connections.map((c) => closeRedis(c))));
}

export async function newBoard(candidateIds: string[] = ['alice', 'bob', 'carol'], kind: BoardKind = 'vote') {
  const boardId = randomId('board');
  await registerBoard(redis, keys, {
    boardId,
    title: `T ${boardId}`,
    kind,
    dailyRetentionDays: 8,
    candidateIds,
  });
  return boardId;
}

export function vote(candidateId: string, over: Partial<VoteToApply> = {}): VoteToApply {
  return { voteId: randomId('v'), candidateId, action: 'vote', day: TODAY, dayExpiresAt: EXPIRES, ...over };
}

export const like = (
  candidateId: string,
  voterId: string,
  action: VoteAction = 'like',
  over: Partial<VoteToApply> = {},
) => vote(candidateId, { action, voterId, ...over });

export async function apply(boardId: string, votes: VoteToApply[], connection: RedisClient = redis) {
  const result = await applyVotes(connection, keys, boardId, votes, options);
  if (result.outcome !== 'applied') throw new Error(`expected applied, got ${result.outcome}`);
  return result;
}

export const top = async (boardId: string, ref: WindowRef = ALL, limit = 100) =>
  (await readBoard(redis, keys, boardId, ref, { mode: 'range', offset: 0, limit })).entries;

export const ids = async (boardId: string, ref: WindowRef = ALL) =>
  (await top(boardId, ref)).map((e) => e.candidateId);

export const member = async (boardId: string, candidateId: string, ref: WindowRef = ALL) =>
  (await readBoard(redis, keys, boardId, ref, { mode: 'member', candidateId })).foci[0];

/** Everything of a board a vote could change, to show that something changed nothing: its days' weeks and months too. */
export async function boardState(boardId: string, days: string[] = [TODAY]) {
  const k = keys.board(boardId);
  const periods = days.flatMap((d) =>
    (['day', 'week', 'month'] as const).map((w) => k.period(w, periodStart(d, w))),
  );
  const windows = await Promise.all(
    [k, ...periods].map(async (w) => ({
      scores: await redis.zrange(w.scores, '0', '-1', 'WITHSCORES'),
      total: await redis.get(w.total),
    })),
  );
  return { seq: await redis.get(k.seq), windows };
}

/** Collects the messages published on a board's change channel, on a connection of its own. */
export async function listen(boardId: string) {
  const subscriber = await testRedis(config, 'subscriber');
  connections.push(subscriber);
  const messages: BoardChange[] = [];
  const waiters: { count: number; resolve: () => void }[] = [];
  subscriber.on('message', (_channel: string, text: string) => {
    messages.push(boardChangeSchema.parse(JSON.parse(text)));
    for (const w of waiters) if (messages.length >= w.count) w.resolve();
  });
  await subscriber.subscribe(keys.boardChanges(boardId));
  return {
    messages,
    /** Resolves once `count` messages in all have arrived. */
    until: (count: number) =>
      new Promise<BoardChange[]>((resolve) => {
        if (messages.length >= count) resolve(messages);
        else waiters.push({ count, resolve: () => resolve(messages) });
      }),
    close: () => closeRedis(subscriber),
  };
}

export const counted = (seq: number, delta: 1 | -1 = 1, duplicate = false): VoteVerdict => ({
  duplicate,
  verdict: 'counted',
  seq,
  delta,
});
export const rejected = (
  reason: 'UNKNOWN_MEMBER' | 'ACTION_NOT_ALLOWED' | 'VOTER_REQUIRED' | 'BOARD_FULL' | 'SCORE_LIMIT',
  duplicate = false,
) => ({ duplicate, verdict: 'rejected', reason }) as const;
export const unchanged = (duplicate = false) => ({ duplicate, verdict: 'unchanged' }) as const;

/** A small seeded PRNG, so a failing race replays the same votes. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}
