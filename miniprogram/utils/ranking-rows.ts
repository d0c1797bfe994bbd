import type { LeaderboardEntry } from '../protocol/leaderboard.js';
import { moveLabel, type RankMove } from '../protocol/rank-moves.js';
import type { RankingChoice } from '../services/api.js';
import { ApiError } from '../services/request.js';

/** A row of the ranking page. */
export interface Row {
  rank: number;
  candidateId: string;
  name: string;
  score: number;
  /** `▲2`, `▼1`, `NEW`, or '' (rows of the live top N only). */
  move?: string;
  moveKind?: RankMove['kind'];
  /**
   * How far (rpx) the row starts from its place, where it stood before this update: it then
   * slides home (the reorder animation). 0 once settled.
   */
  shift?: number;
}

/** One choice of the group filter: '' every candidate, 'groups' the groups' ranking, or a group id. */
export interface Filter {
  key: string;
  label: string;
}

/** A pinned row: my candidate's standing in the tab's window, and its neighbours. */
export interface Pinned {
  candidateId: string;
  name: string;
  rank: number | null;
  score: number;
  around: Row[];
}

/** The ranking a filter picks. */
export const rankingOf = (filter: string): RankingChoice =>
  filter === '' ? {} : filter === 'groups' ? { view: 'groups' } : { group: filter };

/** A live row's height (index.wxss `.row`): a row that moved starts this much per rank away. */
const ROW_RPX = 96;

/**
 * The live top N as rows: named, with each candidate's last move as an arrow, and, for a row that
 * changed places since `before`, how far it starts from its new place (it then slides home: FLIP).
 */
export function liveRows(
  before: readonly Row[],
  entries: readonly LeaderboardEntry[],
  nameOf: (id: string) => string,
  moves: ReadonlyMap<string, RankMove>,
): Row[] {
  const was = new Map(before.map((row, i) => [row.candidateId, i]));
  return entries.map((e, i) => {
    const move = moves.get(e.candidateId);
    const from = was.get(e.candidateId);
    return {
      ...e,
      name: nameOf(e.candidateId),
      move: moveLabel(move),
      moveKind: move?.kind ?? 'same',
      shift: from === undefined ? 0 : (from - i) * ROW_RPX,
    };
  });
}

/** Whether a page read was refused for starting past the ranking's last entry (400 naming `offset`). */
export function isPastTheEnd(error: unknown): boolean {
  if (!(error instanceof ApiError) || error.code !== 'INVALID_INPUT' || !Array.isArray(error.details))
    return false;
  return error.details.some((d: { path?: unknown }) => d.path === 'query.offset');
}
