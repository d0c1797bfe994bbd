import type { WindowTallies } from '@rallyboard/core/db';
import type { PeriodWindow } from '@rallyboard/core/protocol';
import { type InstalledWindow, type KeyBuilder, type WindowState, windowOf } from '@rallyboard/core/redis';

/** A group board's window, named for a report: its board window's name, then `group:<id>` or `groups`. */
export interface GroupWindow extends InstalledWindow {
  name: string;
  /** Its board window's period; undefined for the all-time window. */
  period?: { window: PeriodWindow; start: string } | undefined;
}

/** One window of the board as a rebuild installs it. */
export interface BoardWindow {
  /** Undefined for the all-time window. */
  period?: { window: PeriodWindow; start: string } | undefined;
  /** How a report names the window (see WindowReport.window). */
  name?: string | undefined;
  state: WindowState;
  expiresAt: number | null;
}

/**
 * The group boards of a board's windows, derived as the apply script keeps them: each group's
 * ranking holds its members' own entries (all of them all-time, at 0 if they never changed, as
 * the board's all-time ranking does), and the groups' ranking holds each group's count with the
 * seq of its latest member's change.
 * @param groups member id → group id, for members in a group
 * @param registered every registered member, for the all-time windows
 */
export function groupWindows(
  keys: KeyBuilder,
  boardId: string,
  windows: readonly BoardWindow[],
  groups: ReadonlyMap<string, string>,
  registered: readonly string[],
): GroupWindow[] {
  const k = keys.board(boardId);
  const groupIds = [...new Set(groups.values())];
  return windows.flatMap((w) => {
    const byMember = new Map(w.state.members.map((m) => [m.candidateId, m]));
    if (!w.period) {
      for (const id of registered)
        if (!byMember.has(id)) byMember.set(id, { candidateId: id, count: 0, seq: 0 });
    }
    const own = new Map(groupIds.map((id) => [id, [] as WindowState['members']]));
    for (const [id, entry] of byMember) {
      const group = groups.get(id);
      if (group !== undefined) own.get(group)?.push(entry);
    }
    const ranked = [...own].filter(([, members]) => members.length > 0);
    // No group has an entry here: the apply script never wrote this window's group keys either.
    if (ranked.length === 0) return [];
    const totals = ranked.map(([group, members]) => ({
      candidateId: group,
      count: members.reduce((n, m) => n + m.count, 0),
      seq: Math.max(0, ...members.map((m) => m.seq)),
    }));
    const grouped = totals.reduce((n, t) => n + t.count, 0);
    return [
      ...ranked.map(([group, members], i) => ({
        name: `${w.name ?? 'all'} group:${group}`,
        period: w.period,
        keys: windowOf(k.group(group), w.period),
        expiresAt: w.expiresAt,
        total: totals[i]?.count ?? 0,
        members,
      })),
      {
        name: `${w.name ?? 'all'} groups`,
        period: w.period,
        keys: windowOf(k.groups, w.period),
        expiresAt: w.expiresAt,
        total: grouped,
        members: totals,
      },
    ];
  });
}

/** A window's ledger tallies as a rebuild installs them: the members that ever changed. */
export function windowState(tallies: WindowTallies): WindowState {
  return {
    total: tallies.total,
    members: [...tallies.members]
      .filter(([, t]) => t.count !== 0 || t.lastSeq !== 0)
      .map(([candidateId, t]) => ({ candidateId, count: t.count, seq: t.lastSeq })),
  };
}
