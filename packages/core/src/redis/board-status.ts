import type { CampaignStatus } from '../protocol/campaigns.js';
import { DEFAULT_TIMEZONE, dayOf } from '../protocol/day.js';
import { DEFAULT_WEEK_STARTS_ON, PERIOD_WINDOWS, periodStart } from '../protocol/periods.js';
import { liveReadKeys, type ReadKeys, type WindowRef } from './board-read.js';
import type { BoardMeta } from './board-registry.js';
import type { RedisClient } from './connection.js';
import type { KeyBuilder, WindowKeys } from './keys.js';
import { runScript, SCRIPT_CODES, scriptFailure } from './scripts.js';

/** What a status change did to the board's public ranking. */
export type StatusChange =
  /** The board froze: its public ranking is the snapshot taken at `seq`, on `day`. */
  | { outcome: 'frozen'; day: string; seq: number }
  /** The board left `frozen`: its snapshot is gone and watchers were told to resync. */
  | { outcome: 'thawed' }
  | { outcome: 'set' }
  /** Redis does not have the board; a rebuild's registration brings its status back. */
  | { outcome: 'board-missing' };

export interface StatusOptions {
  /** The change message's origin. @default 'status' */
  origin?: string;
  /** The instant of a freeze, whose day (board timezone) is the freeze day. @default Date.now() */
  now?: number;
}

/** A window's two keys, as the status scripts take them. */
const pair = (w: WindowKeys) => [w.scores, w.total];

/**
 * The keys a freeze copies from and to, after the board's own (freezeBoard-20.lua's KEYS[5..19],
 * and the last of installBoard-7+.lua's when the install freezes): the snapshot's scores, total
 * and seq; the freeze day's, week's and month's live scores and total; their snapshot's.
 * @param day the freeze day, in the board's timezone
 */
export function freezeKeys(keys: KeyBuilder, boardId: string, day: string, weekStartsOn: number): string[] {
  const k = keys.board(boardId);
  const f = k.frozen;
  return [
    f.scores,
    f.total,
    f.seq,
    ...PERIOD_WINDOWS.flatMap((w) => pair(k.period(w, periodStart(day, w, weekStartsOn)))),
    ...PERIOD_WINDOWS.flatMap((w) => pair(f.period(w))),
  ];
}

/**
 * Records a campaign's new status on its board, for ingest and the public reads to see.
 *
 * Moving to `frozen` (封榜) snapshots the public ranking in the same step (freezeBoard-20.lua):
 * the all-time scores and total, the seq, and the scores and totals of the freeze day, its week
 * and its month. Moving out of `frozen` deletes the snapshot (setBoardStatus-11.lua). Both publish a `reset` change, so every
 * process forgets its cached status and every screen resyncs.
 */
export async function changeBoardStatus(
  redis: RedisClient,
  keys: KeyBuilder,
  boardId: string,
  status: CampaignStatus,
  options: StatusOptions = {},
): Promise<StatusChange> {
  const k = keys.board(boardId);
  const f = k.frozen;
  const tail = [keys.boardChanges(boardId), boardId, options.origin ?? 'status'];
  if (status === 'frozen') {
    // The timezone and week start are fixed once a campaign is live (see the server's campaigns/edits.ts).
    const [timezone, weekStartsOn] = await redis.hmget(k.meta, 'timezone', 'weekStartsOn');
    const day = dayOf(options.now ?? Date.now(), timezone ?? DEFAULT_TIMEZONE);
    const reply = await runScript(
      redis,
      'freezeBoard',
      [
        k.meta,
        k.scores,
        k.total,
        k.seq,
        ...freezeKeys(keys, boardId, day, Number(weekStartsOn ?? DEFAULT_WEEK_STARTS_ON)),
        k.fence,
      ],
      [day, ...tail],
    );
    if (reply === SCRIPT_CODES.boardMissing) return { outcome: 'board-missing' };
    // A fenced board (a rebuild restoring it) throws BOARD_REBUILDING: the move is retried.
    if (typeof reply !== 'number' || reply < 0) throw scriptFailure(Number(reply), 'freezeBoard');
    return { outcome: 'frozen', day, seq: reply };
  }
  const reply = await runScript(
    redis,
    'setBoardStatus',
    [k.meta, k.seq, f.scores, f.total, f.seq, ...PERIOD_WINDOWS.flatMap((w) => pair(f.period(w)))],
    [status, ...tail],
  );
  if (reply === SCRIPT_CODES.boardMissing) return { outcome: 'board-missing' };
  return reply === 1 ? { outcome: 'thawed' } : { outcome: 'set' };
}

/**
 * Tells every server that what the big screens show of a campaign changed, so they send its
 * screens the new view. A screen that misses it (it was reconnecting) reads the view again when
 * it subscribes again.
 */
export async function publishScreenChange(
  redis: RedisClient,
  keys: KeyBuilder,
  campaignId: string,
): Promise<void> {
  await redis.publish(keys.screenChanges, JSON.stringify({ campaignId }));
}

/**
 * changeBoardStatus without its outcome, then the screens are told: every status change, the
 * host's and the schedule worker's alike, comes through here.
 */
export async function setBoardStatus(
  redis: RedisClient,
  keys: KeyBuilder,
  boardId: string,
  status: CampaignStatus,
  options: StatusOptions = {},
): Promise<void> {
  await changeBoardStatus(redis, keys, boardId, status, options);
  await publishScreenChange(redis, keys, boardId);
}

/**
 * The one decision of which keys a public read of a window takes, used by every public read
 * (REST, socket acks, subscribe snapshots) and the relay. A board that is not frozen reads its
 * live keys. A frozen one reads what was public at the freeze:
 * - the all-time window, and the freeze day, its week and its month: the snapshot;
 * - a period before the freeze's: its own keys, already final;
 * - a period after it: an empty window (nothing has been public since the freeze).
 * Every window of a frozen board answers the seq of the freeze.
 *
 * When Redis lost the board while it was frozen, a rebuild restores the live ranking but not the
 * snapshot (`frozen` is undefined while the status says frozen): every window then answers empty,
 * with seq 0, rather than show what was counted after the freeze.
 */
export function publicReadKeys(
  keys: KeyBuilder,
  boardId: string,
  board: Pick<BoardMeta, 'status' | 'frozen' | 'weekStartsOn'>,
  ref: WindowRef,
): ReadKeys {
  if (board.status !== 'frozen') return liveReadKeys(keys, boardId, ref);
  const k = keys.board(boardId);
  const f = k.frozen;
  if (!board.frozen) return { ...f.none, seq: f.seq };
  if (ref.window === 'all') return { scores: f.scores, total: f.total, seq: f.seq };
  const frozenStart = periodStart(board.frozen.day, ref.window, board.weekStartsOn);
  if (ref.day < frozenStart) return { ...k.period(ref.window, ref.day), seq: f.seq };
  if (ref.day === frozenStart) return { ...f.period(ref.window), seq: f.seq };
  return { ...f.none, seq: f.seq };
}
