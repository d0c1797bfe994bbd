import {
  AppError,
  type BoardTotals,
  type LeaderboardEntry,
  type MemberStanding,
} from '@rallyboard/core/protocol';
import type { BoardRead, Ranking } from '@rallyboard/core/redis';

/** A read's answer: its entries, the members it named, and the ranking's totals. */
export interface DerivedSlice {
  totals: BoardTotals;
  entries: LeaderboardEntry[];
  foci: MemberStanding[];
}

/**
 * A group ranking derived from the board's whole ranking of a window, for the windows whose
 * group keys Redis does not serve: a frozen board's public snapshot (封榜) and an ended
 * period's archive. A group's candidates keep their order; groups rank by their totals, a tie
 * by the better rank of their best candidate. Bounded by the board's candidates (≤ 2,000).
 * @param whole the window's ranking, every entry it has, best first
 * @param groups member id → group id, for members in a group
 */
export function deriveRanking(
  whole: readonly LeaderboardEntry[],
  groups: ReadonlyMap<string, string>,
  ranking: Exclude<Ranking, { view: 'candidates'; group?: undefined }>,
  read: BoardRead,
): DerivedSlice {
  let ranked: { candidateId: string; score: number }[];
  let known: (id: string) => boolean;
  let members: number;
  if (ranking.view === 'groups') {
    const totals = new Map<string, number>();
    for (const entry of whole) {
      const group = groups.get(entry.candidateId);
      if (group !== undefined) totals.set(group, (totals.get(group) ?? 0) + entry.score);
    }
    // Map order is first appearance, which is best rank: a stable sort keeps it for ties.
    ranked = [...totals]
      .map(([candidateId, score]) => ({ candidateId, score }))
      .sort((a, b) => b.score - a.score);
    const all = new Set(groups.values());
    known = (id) => all.has(id);
    members = all.size;
  } else {
    const { group } = ranking;
    ranked = whole.filter((e) => groups.get(e.candidateId) === group);
    known = (id) => groups.get(id) === group;
    members = [...groups.values()].filter((g) => g === group).length;
  }
  const entries = ranked.map((e, i) => ({ rank: i + 1, candidateId: e.candidateId, score: e.score }));
  const totals = { votes: entries.reduce((n, e) => n + e.score, 0), members };
  const standing = (id: string): MemberStanding => {
    if (!known(id)) throw new AppError('UNKNOWN_MEMBER');
    const entry = entries.find((e) => e.candidateId === id);
    return entry ?? { candidateId: id, rank: null, score: 0 };
  };
  switch (read.mode) {
    case 'range':
      return { totals, entries: entries.slice(read.offset, read.offset + read.limit), foci: [] };
    case 'member':
      return { totals, entries: [], foci: [standing(read.candidateId)] };
    case 'around': {
      const focus = standing(read.candidateId);
      const at =
        focus.rank === null ? [] : entries.slice(Math.max(0, focus.rank - 1 - read.k), focus.rank + read.k);
      return { totals, entries: at, foci: [focus] };
    }
    case 'watch':
      return { totals, entries: entries.slice(0, read.limit), foci: read.candidateIds.map(standing) };
  }
}
