import { describe, expect, it } from 'vitest';
import { randomId } from '../../../../test/support/config.js';
import { testRedis } from '../../../../test/support/stack.js';
import { groupIdOf } from '../../src/protocol/groups.js';
import { periodStart } from '../../src/protocol/periods.js';
import {
  liveReadKeys,
  type Ranking,
  readBoard,
  readMemberGroups,
  registerBoard,
  removeBoardMembers,
  setMemberGroups,
  unregisterBoard,
  type WindowRef,
} from '../../src/redis/index.js';
import {
  ALL,
  apply,
  config,
  connections,
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

useBoardRedis();

const RED = groupIdOf('红队');
const BLUE = groupIdOf('蓝队');

async function groupedBoard(
  groups: Record<string, string>,
  candidateIds = ['alice', 'bob', 'carol', 'dave'],
) {
  const boardId = randomId('board');
  await registerBoard(redis, keys, {
    boardId,
    title: 'groups',
    kind: 'vote',
    dailyRetentionDays: 8,
    candidateIds,
    groups: new Map(Object.entries(groups)),
  });
  return boardId;
}

const read = async (boardId: string, ranking: Ranking, ref: WindowRef = ALL) => {
  const slice = await readBoard(
    redis,
    keys,
    boardId,
    ref,
    { mode: 'range', offset: 0, limit: 100 },
    liveReadKeys(keys, boardId, ref, ranking),
  );
  return { totals: slice.totals, ranking: slice.entries.map((e) => [e.candidateId, e.score]) };
};
const inGroup = (group: string): Ranking => ({ view: 'candidates', group });
const GROUPS: Ranking = { view: 'groups' };
const week = { window: 'week', day: periodStart(TODAY, 'week') } as const;

describe('group boards', () => {
  it('rank each group of candidates, and the groups by their totals, in every window', async () => {
    const boardId = await groupedBoard({ alice: RED, bob: RED, carol: BLUE });
    await apply(boardId, [vote('alice'), vote('bob'), vote('bob'), vote('carol'), vote('dave')]);
    expect(await read(boardId, inGroup(RED))).toEqual({
      totals: { votes: 3, members: 2 },
      ranking: [
        ['bob', 2],
        ['alice', 1],
      ],
    });
    expect(await read(boardId, inGroup(BLUE), dayOf(TODAY))).toEqual({
      totals: { votes: 1, members: 1 },
      ranking: [['carol', 1]],
    });
    // dave is in no group: his vote counts on the board, not in the groups' ranking.
    expect(await read(boardId, GROUPS, week)).toEqual({
      totals: { votes: 4, members: 2 },
      ranking: [
        [RED, 3],
        [BLUE, 1],
      ],
    });
    expect((await read(boardId, GROUPS)).totals.votes).toBe(4);
  });

  it('rank tied groups by which reached the total first, as candidates are', async () => {
    const boardId = await groupedBoard({ alice: RED, carol: BLUE });
    await apply(boardId, [vote('carol'), vote('alice')]);
    expect((await read(boardId, GROUPS)).ranking).toEqual([
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
    expect(await read(boardId, inGroup(BLUE))).toEqual({
      totals: { votes: 4, members: 2 },
      ranking: [
        ['alice', 3],
        ['carol', 1],
      ],
    });
    expect(await read(boardId, inGroup(RED), dayOf(TODAY))).toEqual({
      totals: { votes: 1, members: 1 },
      ranking: [['bob', 1]],
    });
    // RED had no one else in that day's ranking: it leaves it, as a rebuild would leave it out.
    expect((await read(boardId, GROUPS, dayOf('2026-11-20'))).ranking).toEqual([[BLUE, 1]]);
    expect(await redis.exists(keys.board(boardId).group(RED).period('day', '2026-11-20').total)).toBe(0);
    // Votes after the move count into the new group.
    await apply(boardId, [vote('alice')]);
    expect((await read(boardId, GROUPS)).ranking).toEqual([
      [BLUE, 5],
      [RED, 1],
    ]);
    // Out of every group: its counts leave the groups' ranking.
    await setMemberGroups(redis, keys, boardId, new Map([['alice', '']]));
    expect(await read(boardId, GROUPS)).toEqual({
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
    expect(await read(boardId, GROUPS)).toEqual({ totals: { votes: 1, members: 1 }, ranking: [[RED, 1]] });
    expect(await read(boardId, GROUPS, dayOf(TODAY))).toEqual({
      totals: { votes: 1, members: 1 },
      ranking: [[RED, 1]],
    });
  });

  it('keep every group the sum of its candidates while votes and moves interleave', async () => {
    const boardId = await groupedBoard({ alice: RED, bob: RED, carol: BLUE });
    const mover = await testRedis(config);
    connections.push(mover);
    const batches = Array.from({ length: 20 }, (_, i) =>
      apply(boardId, [vote('alice'), vote('bob'), vote(i % 2 ? 'carol' : 'dave')]),
    );
    const moves = (async () => {
      for (const group of [BLUE, '', RED, BLUE, RED, '', BLUE]) {
        await setMemberGroups(mover, keys, boardId, new Map([['alice', group]]));
      }
    })();
    await Promise.all([...batches, moves]);
    const groupOf = await readMemberGroups(redis, keys, boardId, ['alice', 'bob', 'carol', 'dave']);
    for (const ref of [ALL, dayOf(TODAY), week]) {
      const board = new Map((await read(boardId, { view: 'candidates' }, ref)).ranking as [string, number][]);
      const groups = await read(boardId, GROUPS, ref);
      for (const [group, score] of groups.ranking as [string, number][]) {
        const members = [...groupOf].filter(([, g]) => g === group).map(([id]) => id);
        const sum = members.reduce((n, id) => n + (board.get(id) ?? 0), 0);
        expect(score).toBe(sum);
        const own = await read(boardId, inGroup(group), ref);
        expect(own.totals.votes).toBe(sum);
        expect(own.ranking.map(([id]) => id).sort()).toEqual(members.filter((id) => board.has(id)).sort());
      }
      const grouped = [...groupOf].filter(([, g]) => g !== '').map(([id]) => id);
      expect(groups.totals.votes).toBe(grouped.reduce((n, id) => n + (board.get(id) ?? 0), 0));
    }
    expect(groupOf.get('alice')).toBe(BLUE);
  });

  it('never count a vote into the group its candidate left between reading it and applying', async () => {
    const boardId = await groupedBoard({ alice: RED, carol: BLUE });
    const mover = await testRedis(config);
    connections.push(mover);
    let moved = false;
    // The batch reads alice's group (RED); the host moves her to BLUE before the script runs.
    const racing = new Proxy(redis, {
      get(target, name) {
        const value: unknown = Reflect.get(target, name, target);
        if (name !== 'hmget' || typeof value !== 'function') {
          return typeof value === 'function' ? value.bind(target) : value;
        }
        return async (...args: unknown[]) => {
          const groups: unknown = await value.apply(target, args);
          if (!moved) {
            moved = true;
            await setMemberGroups(mover, keys, boardId, new Map([['alice', BLUE]]));
          }
          return groups;
        };
      },
    });
    await apply(boardId, [vote('alice'), vote('alice')], racing);
    expect(moved).toBe(true);
    expect((await read(boardId, GROUPS)).ranking).toEqual([[BLUE, 2]]);
    expect((await read(boardId, inGroup(RED))).totals.votes).toBe(0);
  });

  it("tell the board's watchers to resync after a move, since a diff cannot take a member out of a ranking", async () => {
    const boardId = await groupedBoard({ alice: RED, carol: BLUE });
    await apply(boardId, [vote('alice')]);
    const channel = await listen(boardId);
    await setMemberGroups(redis, keys, boardId, new Map([['alice', BLUE]]));
    const [change] = await channel.until(1);
    expect(change).toMatchObject({ boardId, seq: 1, reset: true, members: [] });
    await channel.close();
  });

  it('take a removed candidate out of its group, and a group without candidates out of the groups', async () => {
    const boardId = await groupedBoard({ alice: RED, bob: RED, carol: BLUE });
    await removeBoardMembers(redis, keys, boardId, ['carol', 'bob']);
    expect(await read(boardId, inGroup(RED))).toEqual({
      totals: { votes: 0, members: 1 },
      ranking: [['alice', 0]],
    });
    expect(await read(boardId, GROUPS)).toEqual({ totals: { votes: 0, members: 1 }, ranking: [[RED, 0]] });
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
