import { nextPeriodStart, type PeriodWindow } from '../protocol/periods.js';
import { type BoardRegistration, registerBoard } from './board-registry.js';
import { freezeKeys } from './board-status.js';
import type { RedisClient } from './connection.js';
import type { KeyBuilder, WindowKeys } from './keys.js';
import { SEQ_SPAN } from './score.js';
import { runScript, scriptFailure } from './scripts.js';

/** One window's state as a rebuild recomputed it from the ledger. */
export interface WindowState {
  total: number;
  /** Members with at least one counted change: their count and the seq of their last change. */
  members: { candidateId: string; count: number; seq: number }[];
}

/**
 * Fences a board for a rebuild: registers it again from the system of record (its meta may be
 * gone) and sets the fence, in one transaction, so no vote applies from now until installBoard
 * lifts it, or until `ttlMs` passes if the rebuild dies. A `held` fence never expires: a board
 * whose Redis state is not whole (lost, or half restored by a rebuild that failed) stays fenced
 * until an install completes.
 */
export function fenceBoard(
  redis: RedisClient,
  keys: KeyBuilder,
  board: BoardRegistration,
  fence: { token: string; ttlMs: number; held?: boolean },
): Promise<void> {
  return registerBoard(redis, keys, board, { fence });
}

/**
 * Extends a fence this token still holds to `ttlMs` from now (renewFence-1.lua); a held fence
 * stays held, without expiry. A rebuild renews its fence while it runs, and checks it before each
 * step that changes the board.
 * @returns whether the token still held it
 */
export async function renewFence(
  redis: RedisClient,
  keys: KeyBuilder,
  boardId: string,
  fence: { token: string; ttlMs: number },
): Promise<boolean> {
  const reply = await runScript(
    redis,
    'renewFence',
    [keys.board(boardId).fence],
    [fence.token, String(fence.ttlMs)],
  );
  return reply === 1;
}

/**
 * Holds a fence this token still holds (renewFence-1.lua): no expiry from now on, so only an
 * install lifts it. A rebuild holds its fence before it rewrites anything of the board: from then
 * on, neither its failure nor its death may let votes apply onto a half-restored board.
 * @returns whether the token still held it
 */
export async function holdFence(
  redis: RedisClient,
  keys: KeyBuilder,
  boardId: string,
  token: string,
): Promise<boolean> {
  return (await runScript(redis, 'renewFence', [keys.board(boardId).fence], [token, 'hold'])) === 1;
}

/** Whether a rebuild fences the board: running, or left half restored (fenceIsHeld). */
export async function boardFenced(redis: RedisClient, keys: KeyBuilder, boardId: string): Promise<boolean> {
  return (await redis.exists(keys.board(boardId).fence)) === 1;
}

/**
 * Whether the board's fence is held (set, without expiry): a rebuild left the board half restored
 * (it failed or died after it began rewriting it), and the board waits for a rebuild run again.
 */
export async function fenceIsHeld(redis: RedisClient, keys: KeyBuilder, boardId: string): Promise<boolean> {
  return (await redis.pttl(keys.board(boardId).fence)) === -1;
}

/**
 * Lifts a fence if this token still holds it (a rebuild that failed before it changed anything).
 * Never call it for a held fence: the board is not whole until an install completes.
 */
export async function liftFence(
  redis: RedisClient,
  keys: KeyBuilder,
  boardId: string,
  token: string,
): Promise<void> {
  const k = keys.board(boardId);
  if ((await redis.get(k.fence)) === token) await redis.del(k.fence);
}

/**
 * The last, atomic step of a rebuild (installBoard-7+.lua): replaces the rankings and totals of a
 * fenced board, freezes it (`freeze`: its campaign froze while it was fenced) from the rankings
 * just installed, lifts the fence and tells watchers to resync. Throws unless `fence` still holds.
 * @returns the board's seq after the install
 */
export async function installBoard(
  redis: RedisClient,
  keys: KeyBuilder,
  boardId: string,
  state: {
    fence: string;
    seq: number;
    all: WindowState;
    /** Each period window to install (days, weeks, months), with when its keys expire (unix seconds). */
    periods: readonly InstalledPeriod[];
    /** The group boards' windows (see groupWindows), installed with the rest. */
    groups?: readonly InstalledWindow[] | undefined;
    /** Windows whose keys go (group windows the ledger no longer has), in the same step. */
    drop?: readonly WindowKeys[] | undefined;
    /**
     * Freeze the board (封榜) in the same step, as freezeBoard-20.lua does: the freeze day (board
     * timezone) and the board's week start. Its publishing to the screens is the caller's.
     */
    freeze?: { day: string; weekStartsOn: number } | undefined;
    origin: string;
  },
): Promise<number> {
  const k = keys.board(boardId);
  const pairs = (w: WindowState) => [
    w.members.length,
    ...w.members.flatMap((m) => [m.candidateId, String(m.seq - m.count * SEQ_SPAN)]),
  ];
  const windows: InstalledWindow[] = [
    ...state.periods.map((p) => ({ ...p, keys: k.period(p.window, p.start) })),
    ...(state.groups ?? []),
  ];
  // Expiry -1: the window's keys are deleted.
  const dropped = (state.drop ?? []).map((keys) => ({ keys, total: 0, members: [], expiresAt: -1 }));
  const dayKeys = [...windows, ...dropped].flatMap((w) => [w.keys.scores, w.keys.total]);
  const dayArgs = [...windows, ...dropped].flatMap((w) => [w.total, w.expiresAt ?? 0, ...pairs(w)]);
  const reply = await runScript(
    redis,
    'installBoard',
    [
      k.meta,
      k.scores,
      k.total,
      k.seq,
      k.members,
      k.fence,
      k.periods,
      ...dayKeys,
      ...(state.freeze ? freezeKeys(keys, boardId, state.freeze.day, state.freeze.weekStartsOn) : []),
    ],
    [
      state.fence,
      state.seq,
      keys.boardChanges(boardId),
      boardId,
      state.origin,
      state.freeze?.day ?? '',
      state.all.total,
      ...pairs(state.all),
      ...dayArgs,
      state.periods.length,
      ...state.periods.flatMap((p) => [p.expiresAt, k.period(p.window, p.start).total]),
    ],
  );
  if (typeof reply === 'number' && reply < 0) throw scriptFailure(reply, 'installBoard');
  return Number(reply);
}

/**
 * When a period's keys may expire, unix seconds: retention after its end. A period ends within
 * a day of its UTC end date, whatever the timezone.
 */
export function periodExpiresAt(start: string, window: PeriodWindow, retentionDays: number): number {
  return Date.parse(`${nextPeriodStart(start, window)}T00:00:00Z`) / 1000 + (retentionDays + 1) * 86_400;
}

/** Any window a rebuild installs besides the all-time one: its keys, and when they expire (null: never). */
export interface InstalledWindow extends WindowState {
  keys: WindowKeys;
  expiresAt: number | null;
}

/** A period window as a rebuild installs it. */
export interface InstalledPeriod extends WindowState {
  window: PeriodWindow;
  /** The period's first day. */
  start: string;
  expiresAt: number;
}
