import { campaignModel } from '@rallyboard/core/db';
import { AppError } from '@rallyboard/core/protocol';
import {
  type BoardRegistration,
  fenceBoard,
  readBoardMeta,
  renewFence,
  setBoardStatus,
  withLock,
} from '@rallyboard/core/redis';
import { boardDisagrees } from '../campaigns/repair.js';
import type { RecoveryDeps } from './reconcile.js';

/** A rebuild's hold on its board: the fence's token and how long it outlives its last renewal. */
export interface HeldFence {
  token: string;
  ttlMs: number;
}

/**
 * Registers the board again from MongoDB and fences it, under the campaign's lock (a lifecycle
 * move cannot slip in between reading and writing it). A board Redis lost gets its campaign's
 * status back with the registration (ingest reads it there); one it has keeps its own, which the
 * install settles (statusToSettle).
 */
export async function fence(
  deps: RecoveryDeps,
  boardId: string,
  registration: BoardRegistration,
  options: HeldFence,
): Promise<void> {
  const { redis, keys } = deps;
  const campaigns = campaignModel(deps.boards.db);
  await withLock(redis, keys.campaignLock(boardId), async () => {
    // The status only for a board Redis lost: one it has keeps its own, and the install moves it
    // to MongoDB's the way a move does (a freeze with its snapshot). Until 2026-12-07 it was
    // written here whatever Redis had, so a freeze refused during a failed rebuild came back with
    // the next one as a `frozen` without a snapshot: an empty public ranking until the end.
    const [campaign, meta] = await Promise.all([
      campaigns.findById(boardId, { status: 1 }).lean(),
      readBoardMeta(redis, keys, boardId),
    ]);
    const status = campaign && !meta ? { status: campaign.status } : {};
    await fenceBoard(redis, keys, { ...registration, ...status }, options);
  });
}

/**
 * Renews the fence every third of its life while the rebuild runs, however long its ledger takes
 * to read (until 2026-12-07 the fence lapsed its fixed time after the start, and a long rebuild
 * went on restoring markers, like sets and quotas beside the votes that applied again).
 * `stillFenced` renews it at once and throws unless this rebuild still holds it.
 */
export function keepFence(
  deps: Pick<RecoveryDeps, 'redis' | 'keys'>,
  boardId: string,
  held: HeldFence,
): { stillFenced(): Promise<void>; stop(): void } {
  const renewal = setInterval(
    () => void renewFence(deps.redis, deps.keys, boardId, held).catch(() => undefined),
    Math.max(1, Math.floor(held.ttlMs / 3)),
  );
  renewal.unref();
  return {
    stillFenced: () => assertFenced(deps, boardId, held),
    stop: () => clearInterval(renewal),
  };
}

/**
 * Renews the fence, and throws BOARD_REBUILDING when this rebuild no longer holds it (it lapsed
 * while Redis could not be reached, or it was lifted): votes may be applying again, and a step
 * that rewrites the board from what the ledger said would undo them.
 */
async function assertFenced(deps: Pick<RecoveryDeps, 'redis' | 'keys'>, boardId: string, fence: HeldFence) {
  if (!(await renewFence(deps.redis, deps.keys, boardId, fence))) {
    throw new AppError('BOARD_REBUILDING', {
      message: `the rebuild of board ${boardId} lost its fence and stopped before its next step; run it again`,
    });
  }
}

/**
 * Under the campaign's lock, read before the install: the move that brings the board to its
 * campaign's status once installed (a move refused while the board was fenced, such as a
 * freeze, which then snapshots the ranking just installed), as the campaign repair would; or
 * nothing to do. Read before, so the move follows the install at once: votes the fence held back
 * apply again from the install on, and the fewer of them come first, the nearer the snapshot is to
 * the ranking at the host's freeze (the install and the move are two steps, not one).
 */
export async function statusToSettle(
  deps: RecoveryDeps,
  boardId: string,
  origin: string,
): Promise<() => Promise<void>> {
  const [campaign, meta] = await Promise.all([
    campaignModel(deps.boards.db).findById(boardId, { status: 1 }).lean(),
    readBoardMeta(deps.redis, deps.keys, boardId),
  ]);
  if (!campaign || !boardDisagrees(campaign, meta)) return async () => {};
  return () => setBoardStatus(deps.redis, deps.keys, boardId, campaign.status, { origin });
}
