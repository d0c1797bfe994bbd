import { describe, expect, it } from 'vitest';
import { eventually, testRedis } from '../../../../test/support/stack.js';
import { readMemberGroups, setMemberGroups } from '../../src/redis/index.js';
import {
  ALL,
  apply,
  config,
  connections,
  dayOf,
  keys,
  listen,
  redis,
  TODAY,
  useBoardRedis,
  vote,
} from './board-fixture.js';
import { BLUE, GROUPS, groupedBoard, inGroup, RED, readRanking, week } from './group-fixture.js';

useBoardRedis();

describe('group boards, while votes and moves race', () => {
  /** A day before today's: a late vote opens its window. */
  const LATE_DAY = '2026-10-01';

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
      const board = new Map(
        (await readRanking(boardId, { view: 'candidates' }, ref)).ranking as [string, number][],
      );
      const groups = await readRanking(boardId, GROUPS, ref);
      for (const [group, score] of groups.ranking as [string, number][]) {
        const members = [...groupOf].filter(([, g]) => g === group).map(([id]) => id);
        const sum = members.reduce((n, id) => n + (board.get(id) ?? 0), 0);
        expect(score).toBe(sum);
        const own = await readRanking(boardId, inGroup(group), ref);
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
    expect((await readRanking(boardId, GROUPS)).ranking).toEqual([[BLUE, 2]]);
    expect((await readRanking(boardId, inGroup(RED))).totals.votes).toBe(0);
  });

  it('move the counts of a period a vote created after the move listed the windows', async () => {
    const boardId = await groupedBoard({ alice: RED, carol: BLUE });
    await apply(boardId, [vote('alice')]);
    const mover = await testRedis(config);
    connections.push(mover);
    let voted = false;
    // The move has listed the windows; a late vote for alice opens a day no window named, before
    // the move's script runs.
    const racing = new Proxy(mover, {
      get(target, name) {
        const value: unknown = Reflect.get(target, name, target);
        if (name !== 'setMemberGroup' || typeof value !== 'function') {
          return typeof value === 'function' ? value.bind(target) : value;
        }
        return async (...args: unknown[]) => {
          if (!voted) {
            voted = true;
            await apply(boardId, [vote('alice', { day: LATE_DAY })]);
          }
          return value.apply(target, args);
        };
      },
    });
    expect(await setMemberGroups(racing, keys, boardId, new Map([['alice', BLUE]]))).toBe(1);
    expect(voted).toBe(true);
    expect(await readRanking(boardId, GROUPS, dayOf(LATE_DAY))).toEqual({
      totals: { votes: 1, members: 1 },
      ranking: [[BLUE, 1]],
    });
    expect((await readRanking(boardId, inGroup(RED), dayOf(LATE_DAY))).totals.votes).toBe(0);
    expect((await readRanking(boardId, inGroup(BLUE), dayOf(LATE_DAY))).ranking).toEqual([['alice', 1]]);
  });

  it('announce the candidates that moved when another of the same call keeps failing to', async () => {
    const boardId = await groupedBoard({ alice: RED, bob: RED, carol: BLUE });
    await apply(boardId, [vote('alice'), vote('bob')]);
    const channel = await listen(boardId);
    const mover = await testRedis(config);
    connections.push(mover);
    // Every move of bob's meets a period opened after the listing (-6), five times: the call fails.
    const racing = new Proxy(mover, {
      get(target, name) {
        const value: unknown = Reflect.get(target, name, target);
        if (name !== 'setMemberGroup' || typeof value !== 'function') {
          return typeof value === 'function' ? value.bind(target) : value;
        }
        return async (...args: unknown[]) => (args.includes('bob') ? -6 : value.apply(target, args));
      },
    });
    await expect(
      setMemberGroups(
        racing,
        keys,
        boardId,
        new Map([
          ['alice', BLUE],
          ['bob', BLUE],
        ]),
      ),
    ).rejects.toThrow();
    expect(await readMemberGroups(redis, keys, boardId, ['alice', 'bob'])).toEqual(
      new Map([
        ['alice', BLUE],
        ['bob', RED],
      ]),
    );
    // alice moved: the other servers are told to read the board's groups again.
    await eventually(async () => channel.messages.some((m) => m.reset), 5_000, 'the reset');
    expect(channel.messages.find((m) => m.reset)).toMatchObject({ boardId, reset: true, members: [] });
    await channel.close();
  });
});
