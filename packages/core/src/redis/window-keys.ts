import type { PeriodWindow } from '../protocol/periods.js';

/** The ranking windows' keys: what the key builder (keys.ts) answers for a board, a group, a freeze. */
/** The two keys of one ranking window: the all-time window or one period's. */
export interface WindowKeys {
  /** Sorted set: member id → encoded score (see score.ts). */
  readonly scores: string;
  /** String counter: the window's total of counted votes (net of unlikes). */
  readonly total: string;
}

/**
 * What the public reads of a frozen board (封榜): copies taken by freezeBoard-20.lua at the freeze,
 * deleted when the board leaves `frozen`. The freeze day itself is in the meta (`frozenDay`).
 */
export interface FrozenKeys extends WindowKeys {
  /** String: the board's seq at the freeze. */
  readonly seq: string;
  /** The freeze day's window, and the freeze day's week and month, as they stood at the freeze. */
  period(window: PeriodWindow): WindowKeys;
  /** Never written: a day after the freeze day reads as an empty window (nothing is public yet). */
  readonly none: WindowKeys;
}

/** Keys that hold a window per period beside their all-time one: a board, a group, the groups. */
export interface PeriodOwner extends WindowKeys {
  period(window: PeriodWindow, start: string): WindowKeys;
}

/** A period of a window, named by its window and its first day. */
export interface PeriodRef {
  readonly window: PeriodWindow;
  readonly start: string;
}

/** An owner's keys of one window: all-time when `period` is undefined, else that period's. */
export const windowOf = (owner: PeriodOwner, period: PeriodRef | undefined): WindowKeys =>
  period === undefined ? owner : owner.period(period.window, period.start);

/**
 * The keys of one group board (see protocol/groups.ts): a ranking of some members, all-time and
 * per period, kept by the apply script beside the board's own windows.
 */
export interface GroupKeys extends PeriodOwner {
  /** Set: who is ranked here (a group's candidate ids; for the groups ranking, the group ids). */
  readonly members: string;
}
