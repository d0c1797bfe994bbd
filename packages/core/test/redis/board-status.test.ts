import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomId, testConfig } from '../../../../test/support/config.js';
import { testRedis } from '../../../../test/support/stack.js';
import type { RedisClient } from '../../src/redis/connection.js';
import {
  applyVotes,
  type BoardChange,
  boardChangeSchema,
  changeBoardStatus,
  closeRedis,
  createKeys,
  publicReadKeys,
  readBoard,
  readBoardMeta,
  registerBoard,
  type VoteToApply,
  type WindowRef,
} from '../../src/redis/index.js';

const config = testConfig();
const keys = createKeys(config.keyPrefix);
const ALL: WindowRef = { window: 'all' };
const BEFORE = '2026-11-24';
const FREEZE_DAY = '2026-11-25';
const AFTER = '2026-11-26';
/** Noon of FREEZE_DAY in Asia/Shanghai. */
const FREEZE_AT = Date.UTC(2026, 10, 25, 4);
const day = (d: string): WindowRef => ({ window: 'day', day: d });
const EXPIRES = Math.floor(Date.now() / 1000) + 10 * 86_400;

let redis: RedisClient;
const connections: RedisClient[] = [];

beforeAll(async () => {
  redis = await testRedis(config);
  connections.push(redis);
});
afterAll(() => Promise.all(connections.map((c) => closeRedis(c))));

async function newBoard(status: 'live' | 'frozen' = 'live') {
  const boardId = randomId('board');
  await registerBoard(redis, keys, {
    boardId,
    title: `T ${boardId}`,
    kind: 'vote',
    dailyRetentionDays: 8,
    candidateIds: ['alice', 'bob', 'carol'],
    status,
  });
  return boardId;
}

async function vote(boardId: string, candidateIds: string[], on: string = FREEZE_DAY) {
  const votes: VoteToApply[] = candidateIds.map((candidateId) => ({
    voteId: randomId('v'),
    candidateId,
    action: 'vote',
    day: on,
    dayExpiresAt: EXPIRES,
  }));
  const result = await applyVotes(redis, keys, boardId, votes, { dedupTtlSeconds: 600, origin: 'test' });
  expect(result.outcome).toBe('applied');
}

/** What the public reads of a window: the keys publicReadKeys picks from the board's meta. */
async function publicRead(boardId: string, ref: WindowRef) {
  const meta = await readBoardMeta(redis, keys, boardId);
  if (!meta) throw new Error('board missing');
  const from = publicReadKeys(keys, boardId, meta, ref);
  const slice = await readBoard(redis, keys, boardId, ref, { mode: 'range', offset: 0, limit: 10 }, from);
  return {
    seq: slice.seq,
    votes: slice.totals.votes,
    members: slice.totals.members,
    ranking: slice.entries.map((e) => `${e.candidateId}:${e.score}`),
  };
}

/** What the live keys hold, as a host sees it. */
async function liveRead(boardId: string, ref: WindowRef) {
  const slice = await readBoard(redis, keys, boardId, ref, { mode: 'range', offset: 0, limit: 10 });
  return {
    seq: slice.seq,
    votes: slice.totals.votes,
    ranking: slice.entries.map((e) => `${e.candidateId}:${e.score}`),
  };
}

async function listen(boardId: string) {
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
    until: (count: number) =>
      new Promise<BoardChange[]>((resolve) => {
        if (messages.length >= count) resolve(messages);
        else waiters.push({ count, resolve: () => resolve(messages) });
      }),
  };
}

describe('freezing a board (freezeBoard-20.lua)', () => {
  it('sets the status and records the freeze day and seq in the meta, in one step', async () => {
    const boardId = await newBoard();
    await vote(boardId, ['alice', 'bob', 'bob']);
    const change = await changeBoardStatus(redis, keys, boardId, 'frozen', { now: FREEZE_AT });
    expect(change).toEqual({ outcome: 'frozen', day: FREEZE_DAY, seq: 3 });
    const meta = await readBoardMeta(redis, keys, boardId);
    expect(meta).toMatchObject({ status: 'frozen', frozen: { day: FREEZE_DAY, seq: 3 } });
  });

  it('keeps the public all-time window and the freeze day as they were while counting goes on', async () => {
    const boardId = await newBoard();
    await vote(boardId, ['alice', 'bob', 'bob'], BEFORE);
    await vote(boardId, ['carol', 'alice']);
    await changeBoardStatus(redis, keys, boardId, 'frozen', { now: FREEZE_AT });
    const atFreeze = {
      all: await publicRead(boardId, ALL),
      freezeDay: await publicRead(boardId, day(FREEZE_DAY)),
    };
    expect(atFreeze.all).toEqual({ seq: 5, votes: 5, members: 3, ranking: ['bob:2', 'alice:2', 'carol:1'] });
    expect(atFreeze.freezeDay).toEqual({ seq: 5, votes: 2, members: 3, ranking: ['carol:1', 'alice:1'] });

    await vote(boardId, ['carol', 'carol', 'carol']);
    await vote(boardId, ['bob'], AFTER);

    expect(await publicRead(boardId, ALL)).toEqual(atFreeze.all);
    expect(await publicRead(boardId, day(FREEZE_DAY))).toEqual(atFreeze.freezeDay);
    // Counting went on in the live keys.
    expect(await liveRead(boardId, ALL)).toEqual({
      seq: 9,
      votes: 9,
      ranking: ['carol:4', 'bob:3', 'alice:2'],
    });
    expect((await liveRead(boardId, day(FREEZE_DAY))).ranking).toEqual(['carol:4', 'alice:1']);
  });

  it('answers a day before the freeze day from its own keys, and a day after it empty', async () => {
    const boardId = await newBoard();
    await vote(boardId, ['bob', 'bob'], BEFORE);
    await changeBoardStatus(redis, keys, boardId, 'frozen', { now: FREEZE_AT });
    await vote(boardId, ['alice'], AFTER);
    expect(await publicRead(boardId, day(BEFORE))).toEqual({
      seq: 2,
      votes: 2,
      members: 3,
      ranking: ['bob:2'],
    });
    expect(await publicRead(boardId, day(AFTER))).toEqual({ seq: 2, votes: 0, members: 3, ranking: [] });
    expect((await liveRead(boardId, day(AFTER))).ranking).toEqual(['alice:1']);
  });

  it('copies a freeze day without votes as an empty window, and keeps the copies past the day keys’ expiry', async () => {
    const boardId = await newBoard();
    await vote(boardId, ['alice'], BEFORE);
    await changeBoardStatus(redis, keys, boardId, 'frozen', { now: FREEZE_AT });
    await vote(boardId, ['bob']);
    expect(await publicRead(boardId, day(FREEZE_DAY))).toEqual({ seq: 1, votes: 0, members: 3, ranking: [] });

    const other = await newBoard();
    await vote(other, ['alice']);
    await changeBoardStatus(redis, keys, other, 'frozen', { now: FREEZE_AT });
    const f = keys.board(other).frozen;
    expect(await redis.ttl(f.period('day').scores)).toBe(-1);
    expect(await redis.ttl(f.period('day').total)).toBe(-1);
  });

  it('publishes a reset at the freeze and at its end', async () => {
    const boardId = await newBoard();
    // Listening from the first vote on: on a Redis Cluster a message published on the board's
    // master reaches a subscriber on another node a moment later, so a listener that subscribed
    // after a publish could still get it. From one master they come in order.
    const channel = await listen(boardId);
    await vote(boardId, ['alice']);
    await changeBoardStatus(redis, keys, boardId, 'frozen', { now: FREEZE_AT, origin: 'host' });
    await vote(boardId, ['bob']);
    await changeBoardStatus(redis, keys, boardId, 'ended', { origin: 'host' });
    const messages = await channel.until(4);
    expect(messages.map((m) => ({ seq: m.seq, reset: m.reset }))).toEqual([
      { seq: 1, reset: false },
      { seq: 1, reset: true },
      { seq: 2, reset: false },
      { seq: 2, reset: true },
    ]);
  });

  it('refuses a board fenced for a rebuild (BOARD_REBUILDING): its live keys are not yet the ledger', async () => {
    const boardId = await newBoard();
    await vote(boardId, ['alice', 'bob', 'bob']);
    const k = keys.board(boardId);
    // A rebuild has fenced the board and registered it again: every score is being restored.
    await redis.set(k.fence, 'a-rebuild');
    await expect(changeBoardStatus(redis, keys, boardId, 'frozen', { now: FREEZE_AT })).rejects.toMatchObject(
      {
        code: 'BOARD_REBUILDING',
      },
    );
    expect(await readBoardMeta(redis, keys, boardId)).toMatchObject({ status: 'live' });
    expect(await redis.exists(k.frozen.scores, k.frozen.seq)).toBe(0);
    // Once installed, the freeze (the host's retry, or the campaign repair) snapshots the ledger's ranking.
    await redis.del(k.fence);
    expect(await changeBoardStatus(redis, keys, boardId, 'frozen', { now: FREEZE_AT })).toEqual({
      outcome: 'frozen',
      day: FREEZE_DAY,
      seq: 3,
    });
  });

  it('does nothing to a board Redis does not have', async () => {
    const boardId = randomId('board');
    expect(await changeBoardStatus(redis, keys, boardId, 'frozen')).toEqual({ outcome: 'board-missing' });
    expect(await changeBoardStatus(redis, keys, boardId, 'ended')).toEqual({ outcome: 'board-missing' });
    const k = keys.board(boardId);
    expect(await redis.exists(k.meta, k.frozen.scores, k.frozen.seq, k.frozen.period('day').scores)).toBe(0);
  });
});

describe('leaving frozen', () => {
  it('deletes the snapshot, and the public reads the live ranking again', async () => {
    const boardId = await newBoard();
    await vote(boardId, ['alice']);
    await changeBoardStatus(redis, keys, boardId, 'frozen', { now: FREEZE_AT });
    await vote(boardId, ['bob', 'bob']);
    expect(await changeBoardStatus(redis, keys, boardId, 'ended')).toEqual({ outcome: 'thawed' });

    const meta = await readBoardMeta(redis, keys, boardId);
    expect(meta?.status).toBe('ended');
    expect(meta?.frozen).toBeUndefined();
    const f = keys.board(boardId).frozen;
    expect(await redis.exists(f.scores, f.total, f.seq, f.period('day').scores, f.period('day').total)).toBe(
      0,
    );
    expect(await publicRead(boardId, ALL)).toEqual({
      seq: 3,
      votes: 3,
      members: 3,
      ranking: ['bob:2', 'alice:1', 'carol:0'],
    });
    expect((await publicRead(boardId, day(AFTER))).ranking).toEqual([]);
    expect((await publicRead(boardId, day(FREEZE_DAY))).ranking).toEqual(['bob:2', 'alice:1']);
  });

  it('only sets the status of a board that was not frozen', async () => {
    const boardId = await newBoard();
    expect(await changeBoardStatus(redis, keys, boardId, 'paused')).toEqual({ outcome: 'set' });
    expect((await readBoardMeta(redis, keys, boardId))?.status).toBe('paused');
  });
});

describe('when Redis lost the board while it was frozen', () => {
  it('answers every public window empty, with seq 0, rather than what was counted since the freeze', async () => {
    const boardId = await newBoard();
    await vote(boardId, ['alice', 'bob']);
    await changeBoardStatus(redis, keys, boardId, 'frozen', { now: FREEZE_AT });
    await vote(boardId, ['bob']);
    // The loss, then a rebuild's registration: the status comes back from MongoDB, the snapshot does not.
    const k = keys.board(boardId);
    await redis.del(
      k.meta,
      k.frozen.scores,
      k.frozen.total,
      k.frozen.seq,
      k.frozen.period('day').scores,
      k.frozen.period('day').total,
    );
    await registerBoard(redis, keys, {
      boardId,
      title: 'T',
      kind: 'vote',
      dailyRetentionDays: 8,
      candidateIds: ['alice', 'bob', 'carol'],
      status: 'frozen',
    });
    const empty = { seq: 0, votes: 0, members: 3, ranking: [] };
    expect(await publicRead(boardId, ALL)).toEqual(empty);
    expect(await publicRead(boardId, day(BEFORE))).toEqual(empty);
    expect(await publicRead(boardId, day(FREEZE_DAY))).toEqual(empty);
    expect((await liveRead(boardId, ALL)).votes).toBe(3);
  });
});
