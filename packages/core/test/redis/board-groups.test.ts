import { describe, expect, it } from 'vitest';
import { eventually } from '../../../../test/support/stack.js';
import {
  readMemberGroups,
  registerBoard,
  removeBoardMembers,
  setMemberGroups,
  unregisterBoard,
} from '../../src/redis/index.js';
import {
  apply,
  dayOf,
  EXPIRES,
  keys,
  listen,
  newBoard,
  redis,
  TODAY,
  useBoardRedis,
  vote,
} from './board-fixture.js';
import { BLUE, GROUPS, groupedBoard, inGroup, RED, readRanking, week } from './group-fixture.js';

useBoardRedis();

describe('group boards', () => {
  it('rank each group of candidates, and the groups by their totals, in every window', async () => {
    const boardId = await groupedBoard({ alice: RED, bob: RED, carol: BLUE });
    await apply(boardId, [vote('alice'), vote('bob'), vote('bob'), vote('carol'), vote('dave')]);
    expect(await readRanking(boardId, inGroup(RED))).toEqual({
      totals: { votes: 3, members: 2 },
      ranking: [
        ['bob', 2],
        ['alice', 1],
      ],
    });
    expect(await readRanking(boardId, inGroup(BLUE), dayOf(TODAY))).toEqual({
      totals: { votes: 1, members: 1 },
      ranking: [['carol', 1]],
    });
    // dave is in no group: his vote counts on the board, not in the groups' ranking.
    expect(await readRanking(boardId, GROUPS, week)).toEqual({
      totals: { votes: 4, members: 2 },
      ranking: [
        [RED, 3],
        [BLUE, 1],
      ],
    });
    expect((await readRanking(boardId, GROUPS)).totals.votes).toBe(4);
  });

  it('rank tied groups by which reached the total first, as candidates are', async () => {
    const boardId = await groupedBoard({ alice: RED, carol: BLUE });
    await apply(boardId, [vote('carol'), vote('alice')]);
    expect((await readRanking(boardId, GROUPS)).ranking).toEqual([
      [BLUE, 1],
      [RED, 1],
    ]);
  });

  it('move a candidate with its counts when its group changes, in every window Redis holds', async () => {
    const boardId = await groupedBoard({ alice: RED, bob: RED, carol: BLUE });
    await apply(boardId, [vote('alice'), vote('alice'), vote('bob'), vote('carol')]);
    await apply(boardId, [vote('alice', { day: '2026-11-20' })]);
    const moved = await setMemberGroups(redis, keys, boardId, new Map([['alice', BLUE]]));
    expect(moved).toBe(1);
    expect(await readRanking(boardId, inGroup(BLUE))).toEqual({
      totals: { votes: 4, members: 2 },
      ranking: [
        ['alice', 3],
        ['carol', 1],
      ],
    });
    expect(await readRanking(boardId, inGroup(RED), dayOf(TODAY))).toEqual({
      totals: { votes: 1, members: 1 },
      ranking: [['bob', 1]],
    });
    // RED had no one else in that day's ranking: it leaves it, as a rebuild would leave it out.
    expect((await readRanking(boardId, GROUPS, dayOf('2026-11-20'))).ranking).toEqual([[BLUE, 1]]);
    expect(await redis.exists(keys.board(boardId).group(RED).period('day', '2026-11-20').total)).toBe(0);
    // Votes after the move count into the new group.
    await apply(boardId, [vote('alice')]);
    expect((await readRanking(boardId, GROUPS)).ranking).toEqual([
      [BLUE, 5],
      [RED, 1],
    ]);
    // Out of every group: its counts leave the groups' ranking.
    await setMemberGroups(redis, keys, boardId, new Map([['alice', '']]));
    expect(await readRanking(boardId, GROUPS)).toEqual({
      totals: { votes: 2, members: 2 },
      ranking: [
        [RED, 1],
        [BLUE, 1],
      ],
    });
    expect(await readMemberGroups(redis, keys, boardId, ['alice', 'bob'])).toEqual(
      new Map([
        ['alice', ''],
        ['bob', RED],
      ]),
    );
  });

  it('drop a group from the groups ranking when its last candidate leaves it', async () => {
    const boardId = await groupedBoard({ alice: RED, carol: BLUE });
    await apply(boardId, [vote('carol')]);
    await setMemberGroups(redis, keys, boardId, new Map([['carol', RED]]));
    expect(await readRanking(boardId, GROUPS)).toEqual({
      totals: { votes: 1, members: 1 },
      ranking: [[RED, 1]],
    });
    expect(await readRanking(boardId, GROUPS, dayOf(TODAY))).toEqual({
      totals: { votes: 1, members: 1 },
      ranking: [[RED, 1]],
    });
  });

  it("tell the board's watchers to resync after a move, since a diff cannot take a member out of a ranking", async () => {
    const boardId = await groupedBoard({ alice: RED, carol: BLUE });
    await apply(boardId, [vote('alice')]);
    const channel = await listen(boardId);
    await setMemberGroups(redis, keys, boardId, new Map([['alice', BLUE]]));
    // In a Redis Cluster the vote's own change, published before the subscription, may still
    // reach it (pub/sub crosses the cluster bus): look for the reset among what arrives.
    await eventually(async () => channel.messages.some((m) => m.reset), 5_000, 'the reset');
    expect(channel.messages.find((m) => m.reset)).toMatchObject({
      boardId,
      seq: 1,
      reset: true,
      members: [],
    });
    await channel.close();
  });

  it('take a removed candidate out of its group, and a group without candidates out of the groups', async () => {
    const boardId = await groupedBoard({ alice: RED, bob: RED, carol: BLUE });
    await removeBoardMembers(redis, keys, boardId, ['carol', 'bob']);
    expect(await readRanking(boardId, inGroup(RED))).toEqual({
      totals: { votes: 0, members: 1 },
      ranking: [['alice', 0]],
    });
    expect(await readRanking(boardId, GROUPS)).toEqual({
      totals: { votes: 0, members: 1 },
      ranking: [[RED, 0]],
    });
    expect(await readMemberGroups(redis, keys, boardId, ['bob', 'carol'])).toEqual(
      new Map([
        ['bob', ''],
        ['carol', ''],
      ]),
    );
  });

  it('leave no group key behind when a board that never took a vote is unregistered', async () => {
    const boardId = await groupedBoard({ alice: RED, carol: BLUE });
    await unregisterBoard(redis, keys, boardId);
    const k = keys.board(boardId);
    const left = await redis.exists(
      k.memberGroups,
      k.groups.members,
      k.groups.scores,
      k.groups.total,
      ...[RED, BLUE].flatMap((g) => [k.group(g).members, k.group(g).scores, k.group(g).total]),
    );
    expect(left).toBe(0);
  });

  it("give a group's period keys the latest expiry of a batch's votes, and its all-time keys none", async () => {
    const boardId = await groupedBoard({ alice: RED, bob: RED });
    await apply(boardId, [
      vote('alice', { dayExpiresAt: EXPIRES + 300 }),
      vote('bob', { dayExpiresAt: EXPIRES }),
    ]);
    const k = keys.board(boardId);
    for (const window of [k.group(RED).period('day', TODAY), k.groups.period('day', TODAY), k.day(TODAY)]) {
      expect(await redis.expiretime(window.scores)).toBe(EXPIRES + 300);
      expect(await redis.expiretime(window.total)).toBe(EXPIRES + 300);
    }
    expect(await redis.ttl(k.group(RED).scores)).toBe(-1);
    expect(await redis.ttl(k.groups.total)).toBe(-1);
  });

  describe("when a group's keys of a period expired before the board's", () => {
    /**
     * Today's day keys of the groups given are gone, as their own expiry lets them go while the
     * board's window lives on (its latest vote came later): dave, in no group, keeps it.
     */
    async function expiredGroupsOfToday(boardId: string, gone: string[], groups = true) {
      const k = keys.board(boardId);
      const windows = [
        ...gone.map((g) => k.group(g).period('day', TODAY)),
        ...(groups ? [k.groups.period('day', TODAY)] : []),
      ];
      await redis.del(...windows.flatMap((w) => [w.scores, w.total]));
      expect(await redis.exists(k.day(TODAY).scores)).toBe(1);
    }

    /** Every group key of today's day window that exists, with its expiry (-1: none). */
    async function dayGroupKeys(boardId: string) {
      const k = keys.board(boardId);
      const windows = [k.groups, k.group(RED), k.group(BLUE)].map((g) => g.period('day', TODAY));
      const found: Record<string, { value: string | null; expiresAt: number }> = {};
      for (const key of windows.flatMap((w) => [w.scores, w.total])) {
        if ((await redis.exists(key)) === 0) continue;
        const type = await redis.type(key);
        found[key] = {
          value: type === 'string' ? await redis.get(key) : type,
          expiresAt: await redis.expiretime(key),
        };
      }
      return found;
    }

    it('leave the expired groups ranking gone when a candidate moves out of every group: no negative total, no key without expiry', async () => {
      const boardId = await groupedBoard({ alice: RED, bob: RED, carol: BLUE });
      await apply(boardId, [vote('alice'), vote('bob'), vote('dave')]);
      await expiredGroupsOfToday(boardId, [RED]);

      expect(await setMemberGroups(redis, keys, boardId, new Map([['alice', '']]))).toBe(1);
      expect(await dayGroupKeys(boardId)).toEqual({});
      // The windows that had not expired moved her counts as ever.
      expect((await readRanking(boardId, GROUPS, week)).ranking).toEqual([[RED, 1]]);
      expect((await readRanking(boardId, inGroup(RED), week)).ranking).toEqual([['bob', 1]]);
    });

    it("never makes a group's expired ranking again with the moved candidate alone in it", async () => {
      const boardId = await groupedBoard({ alice: RED, bob: RED, carol: BLUE });
      await apply(boardId, [vote('carol'), vote('alice'), vote('bob'), vote('dave')]);
      // BLUE's day keys are gone (carol's vote kept them the shortest); RED's and the groups' live.
      await expiredGroupsOfToday(boardId, [BLUE], false);

      await setMemberGroups(redis, keys, boardId, new Map([['alice', BLUE]]));
      const k = keys.board(boardId);
      expect(await redis.exists(k.group(BLUE).period('day', TODAY).scores)).toBe(0);
      expect(await redis.exists(k.group(BLUE).period('day', TODAY).total)).toBe(0);
      expect(await readRanking(boardId, inGroup(RED), dayOf(TODAY))).toEqual({
        totals: { votes: 1, members: 1 },
        ranking: [['bob', 1]],
      });
      // The groups' ranking still holds every group: alice's vote now counts for BLUE there.
      expect((await readRanking(boardId, GROUPS, dayOf(TODAY))).ranking).toEqual([
        [BLUE, 2],
        [RED, 1],
      ]);
      for (const { expiresAt } of Object.values(await dayGroupKeys(boardId))) expect(expiresAt).toBe(EXPIRES);
    });

    it("never makes the groups' expired ranking of a period again when a candidate in no group joins one", async () => {
      const boardId = await groupedBoard({ alice: RED, carol: BLUE });
      await apply(boardId, [vote('alice'), vote('dave')]);
      await expiredGroupsOfToday(boardId, [RED]);

      await setMemberGroups(redis, keys, boardId, new Map([['dave', BLUE]]));
      // BLUE had nothing today: its ranking of the day is made, with the board's expiry. The
      // groups' ranking of the day had RED: it stays gone.
      expect(await dayGroupKeys(boardId)).toEqual({
        [keys.board(boardId).group(BLUE).period('day', TODAY).scores]: { value: 'zset', expiresAt: EXPIRES },
        [keys.board(boardId).group(BLUE).period('day', TODAY).total]: { value: '1', expiresAt: EXPIRES },
      });
    });
  });

  it('leave groups alone when a registration says nothing of them', async () => {
    const boardId = await groupedBoard({ alice: RED });
    await registerBoard(redis, keys, {
      boardId,
      title: 'again',
      kind: 'vote',
      dailyRetentionDays: 8,
      candidateIds: ['alice'],
    });
    expect((await readMemberGroups(redis, keys, boardId, ['alice'])).get('alice')).toBe(RED);
  });

  it('keep a board without groups as it was: no group keys at all', async () => {
    const boardId = await newBoard();
    await apply(boardId, [vote('alice')]);
    const k = keys.board(boardId);
    expect(await redis.exists(k.groups.scores, k.groups.total, k.memberGroups)).toBe(0);
  });
});
