import {
  AppError,
  type BoardTotals,
  type LeaderboardEntry,
  type MemberStanding,
} from '@rallyboard/core/protocol';
import type { BoardRead, GroupRanking } from '@rallyboard/core/redis';

/** A read's answer: its entries, the members it named, and the ranking's totals. */
export interface DerivedSlice {
  totals: BoardTotals;
  entries: LeaderboardEntry[];
  foci: MemberStanding[];
}

/**
 * A group ranking derived from the board's whole ranking of a window, for the windows whose
 * group keys Redis does not serve: a frozen board's public snapshot (封榜) and an ended
 * period's archive. A group's candidates keep their order; groups rank by their totals, a tie by
 * who reached it first (the latest change of its candidates), as the live group keys rank them.
 * Bounded by the board's candidates (≤ 2,000).
 * @param whole the window's ranking, every entry it has, best first
 * @param seqs each entry's seq of its last change, in the same order
 * @param groups member id → group id, for members in a group
 */
export function deriveRanking(
  whole: readonly LeaderboardEntry[],
  seqs: readonly number[],
  groups: ReadonlyMap<string, string>,
  ranking: GroupRanking,
  read: BoardRead,
): DerivedSlice {
  let ranked: { candidateId: string; score: number }[];
  let known: (id: string) => boolean;
  let members: number;
  if (ranking.view === 'groups') {
    const totals = new Map<string, { score: number; seq: number }>();
    whole.forEach((entry, i) => {
      const group = groups.get(entry.candidateId);
      if (group === undefined) return;
      const total = totals.get(group) ?? { score: 0, seq: 0 };
      totals.set(group, { score: total.score + entry.score, seq: Math.max(total.seq, seqs[i] ?? 0) });
    });
    ranked = [...totals]
      .map(([candidateId, t]) => ({ candidateId, ...t }))
      .sort((a, b) => b.score - a.score || a.seq - b.seq || (a.candidateId < b.candidateId ? -1 : 1))
      .map(({ candidateId, score }) => ({ candidateId, score }));
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
