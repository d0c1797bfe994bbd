import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { randomId, testConfig } from '../../../../test/support/config.js';
import { testRedis } from '../../../../test/support/stack.js';
import type { RedisClient } from '../../src/redis/connection.js';
import { closeRedis, createBoardCache, createKeys, registerBoard } from '../../src/redis/index.js';

const config = testConfig();
const keys = createKeys(config.keyPrefix);
let redis: RedisClient;

beforeAll(async () => {
  redis = await testRedis(config);
});
afterAll(() => closeRedis(redis));
afterEach(() => {
  vi.useRealTimers();
});

async function newBoard(candidateIds: string[] = ['alice', 'bob']) {
  const boardId = randomId('board');
  await registerBoard(redis, keys, {
    boardId,
    title: 'Before',
    kind: 'like',
    dailyRetentionDays: 5,
    candidateIds,
  });
  return boardId;
}

/** Changes the board in Redis behind the cache's back. */
async function change(boardId: string) {
  await redis.hset(keys.board(boardId).meta, 'title', 'After');
  await redis.sadd(keys.board(boardId).members, 'carol');
}

describe('createBoardCache', () => {
  it("reads a board's meta and members", async () => {
    const boardId = await newBoard();
    const cache = createBoardCache(redis, keys, 60_000);
    expect(await cache.get(boardId)).toEqual({
      title: 'Before',
      kind: 'like',
      timezone: 'Asia/Shanghai',
      weekStartsOn: 1,
      dailyRetentionDays: 5,
      status: undefined,
      quotas: {},
      members: new Set(['alice', 'bob']),
      groups: new Map(),
    });
  });

  it('answers from memory within the ttl, so a change in Redis is not seen yet', async () => {
    const boardId = await newBoard();
    const cache = createBoardCache(redis, keys, 60_000);
    await cache.get(boardId);
    await change(boardId);
    const cached = await cache.get(boardId);
    expect(cached?.title).toBe('Before');
    expect(cached?.members.has('carol')).toBe(false);
  });

  it('reads Redis again once the ttl has passed', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.parse('2026-11-25T08:00:00Z'));
    const boardId = await newBoard();
    const cache = createBoardCache(redis, keys, 1_000);
    await cache.get(boardId);
    await change(boardId);
    vi.setSystemTime(Date.parse('2026-11-25T08:00:00.999Z'));
    expect((await cache.get(boardId))?.title).toBe('Before');
    vi.setSystemTime(Date.parse('2026-11-25T08:00:01Z'));
    const fresh = await cache.get(boardId);
    expect(fresh?.title).toBe('After');
    expect(fresh?.members).toEqual(new Set(['alice', 'bob', 'carol']));
  });

  it('reads Redis again after forget', async () => {
    const boardId = await newBoard();
    const cache = createBoardCache(redis, keys, 60_000);
    await cache.get(boardId);
    await change(boardId);
    cache.forget(boardId);
    expect((await cache.get(boardId))?.title).toBe('After');
  });

  it('keeps boards apart: forgetting one leaves the other cached', async () => {
    const [first, second] = [await newBoard(), await newBoard()];
    const cache = createBoardCache(redis, keys, 60_000);
    await Promise.all([cache.get(first), cache.get(second)]);
    await Promise.all([change(first), change(second)]);
    cache.forget(first);
    expect((await cache.get(first))?.title).toBe('After');
    expect((await cache.get(second))?.title).toBe('Before');
  });

  it('answers undefined for a board Redis does not have, until the ttl passes or it is forgotten', async () => {
    const boardId = randomId('board');
    const cache = createBoardCache(redis, keys, 60_000);
    expect(await cache.get(boardId)).toBeUndefined();
    await registerBoard(redis, keys, {
      boardId,
      title: 'Late',
      kind: 'vote',
      dailyRetentionDays: 8,
      candidateIds: ['x'],
    });
    expect(await cache.get(boardId)).toBeUndefined();
    cache.forget(boardId);
    expect(await cache.get(boardId)).toMatchObject({ title: 'Late', kind: 'vote', members: new Set(['x']) });
  });

  it('answers undefined for a board Redis has only part of: meta without members is lost state', async () => {
    const boardId = await newBoard();
    await redis.del(keys.board(boardId).members);
    expect(await createBoardCache(redis, keys, 60_000).get(boardId)).toBeUndefined();
  });

  it('when gets for one board overlap, they share one read', async () => {
    const boardId = await newBoard();
    const cache = createBoardCache(redis, keys, 60_000);
    const first = cache.get(boardId);
    // Commands on one connection run in order: this change lands after the first read...
    const changed = change(boardId);
    // ...so a second read of its own would see it. The shared one does not.
    const second = cache.get(boardId);
    expect(second).toBe(first);
    await changed;
    const [a, b] = await Promise.all([first, second]);
    expect(a?.title).toBe('Before');
    expect(b?.members.has('carol')).toBe(false);
  });

  it('does not remember a read that failed', async () => {
    const boardId = randomId('board');
    const meta = keys.board(boardId).meta;
    // A string where a hash belongs: HGETALL fails with WRONGTYPE.
    await redis.set(meta, 'not a hash');
    const cache = createBoardCache(redis, keys, 60_000);
    await expect(cache.get(boardId)).rejects.toThrow(/WRONGTYPE/);
    await redis.del(meta);
    await registerBoard(redis, keys, {
      boardId,
      title: 'Fixed',
      kind: 'vote',
      dailyRetentionDays: 8,
      candidateIds: ['x'],
    });
    expect(await cache.get(boardId)).toMatchObject({ title: 'Fixed' });
  });
});
