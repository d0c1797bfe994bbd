import { randomId } from '../../../../test/support/config.js';
import { groupIdOf } from '../../src/protocol/groups.js';
import { periodStart } from '../../src/protocol/periods.js';
import {
  liveReadKeys,
  type Ranking,
  readBoard,
  registerBoard,
  type WindowRef,
} from '../../src/redis/index.js';
import { ALL, keys, redis, TODAY } from './board-fixture.js';

/** Two groups of the group-board tests, by id. */
export const RED = groupIdOf('红队');
export const BLUE = groupIdOf('蓝队');

/** Registers a vote board whose candidates are in the groups given (candidate → group id). */
export async function groupedBoard(
  groups: Record<string, string>,
  candidateIds = ['alice', 'bob', 'carol', 'dave'],
): Promise<string> {
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

/** A window's totals and its first hundred entries as [id, score] pairs. */
export async function readRanking(boardId: string, ranking: Ranking, ref: WindowRef = ALL) {
  const slice = await readBoard(
    redis,
    keys,
    boardId,
    ref,
    { mode: 'range', offset: 0, limit: 100 },
    liveReadKeys(keys, boardId, ref, ranking),
  );
  return { totals: slice.totals, ranking: slice.entries.map((e) => [e.candidateId, e.score]) };
}

export const inGroup = (group: string): Ranking => ({ view: 'candidates', group });
export const GROUPS: Ranking = { view: 'groups' };
export const week = { window: 'week', day: periodStart(TODAY, 'week') } as const;
