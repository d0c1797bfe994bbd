import { campaignModel } from '@rallyboard/core/db';
import { AppError } from '@rallyboard/core/protocol';
import {
  type BoardRegistration,
  fenceBoard,
  fenceIsHeld,
  holdFence,
  liftFence,
  publishScreenChange,
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
 * A rebuild that failed, or stopped, once its board's Redis state was no longer whole: the board
 * stays fenced (its fence is held, without expiry), its votes wait, none is applied or lost, and
 * the rebuild must be run again to finish the restore.
 */
export class RebuildIncomplete extends AppError {
  constructor(
    readonly boardId: string,
    /** The step that failed. */
    readonly step: string,
    cause: unknown,
  ) {
    const why = cause instanceof Error ? cause.message : String(cause);
    super('BOARD_REBUILDING', {
      message:
        `the rebuild of board ${boardId} failed at its ${step} step (${why}); the board's Redis state ` +
        'is not whole, so it stays fenced: its votes wait, none is applied or lost. Run ' +
        `\`npm run rebuild -- ${boardId}\` again to finish the restore`,
      details: { boardId, step },
      cause,
    });
    this.name = 'RebuildIncomplete';
  }
}

/**
 * Registers the board again from MongoDB and fences it, under the campaign's lock (a lifecycle
 * move cannot slip in between reading and writing it). A board Redis lost gets its campaign's
 * status back with the registration (ingest reads it there); one it has keeps its own, which the
 * install settles (statusToSettle).
 *
 * The fence is held (no expiry: only an install lifts it) when the board's Redis state is not
 * whole already: Redis lost it (registered, it would count waiting votes from zero), or a
 * rebuild before this one left it half restored. Otherwise it expires, so a rebuild that dies
 * before it changes anything frees its board by itself; it is held before the first step that
 * rewrites the board (keepFence's `hold`).
 * @returns whether the fence is held from the start
 */
export async function fence(
  deps: RecoveryDeps,
  boardId: string,
  registration: BoardRegistration,
  options: HeldFence,
): Promise<{ held: boolean }> {
  const { redis, keys } = deps;
  const campaigns = campaignModel(deps.boards.db);
  return withLock(redis, keys.campaignLock(boardId), async () => {
    // The status only for a board Redis lost: one it has keeps its own, and the install moves it
    // to MongoDB's the way a move does (a freeze with its snapshot). Until 2026-12-07 it was
    // written here whatever Redis had, so a freeze refused during a failed rebuild came back with
    // the next one as a `frozen` without a snapshot: an empty public ranking until the end.
    const [campaign, meta, halfRestored] = await Promise.all([
      campaigns.findById(boardId, { status: 1 }).lean(),
      readBoardMeta(redis, keys, boardId),
      fenceIsHeld(redis, keys, boardId),
    ]);
    const status = campaign && !meta ? { status: campaign.status } : {};
    const held = !meta || halfRestored;
    await fenceBoard(redis, keys, { ...registration, ...status }, { ...options, held });
    return { held };
  });
}

/**
 * What a failed rebuild leaves. Before it began rewriting the board (and on a board Redis had
 * not lost), the board is as it was: the fence is lifted and the error passed on. After that the
 * board is half restored (markers restored and dropped, like sets or quotas rewritten, rankings
 * not yet installed): its fence, held, stays, so votes keep waiting rather than count twice (a
 * dropped marker) or onto the wrong ranking, and RebuildIncomplete says to run the rebuild again
 * (until 2026-12-08 any failure lifted the fence, and votes applied onto the half-restored board).
 * A fence this rebuild no longer holds was lifted by its install (a later step failed) or taken
 * over by another rebuild: the error is passed on.
 */
export async function afterFailure(
  deps: Pick<RecoveryDeps, 'redis' | 'keys'>,
  boardId: string,
  { token, held, step }: { token: string; held: boolean; step: string },
  error: unknown,
): Promise<unknown> {
  if (!held) {
    await liftFence(deps.redis, deps.keys, boardId, token);
    return error;
  }
  // Unread (Redis unreachable), it is still ours: a held fence does not expire.
  const holder = await deps.redis.get(deps.keys.board(boardId).fence).catch(() => token);
  return holder === token ? new RebuildIncomplete(boardId, step, error) : error;
}

/**
 * Renews the fence every third of its life while the rebuild runs, however long its ledger takes
 * to read (until 2026-12-07 the fence lapsed its fixed time after the start, and a long rebuild
 * went on restoring markers, like sets and quotas beside the votes that applied again).
 * `stillFenced` renews it at once and throws unless this rebuild still holds it. `hold` makes it
 * outlive the rebuild (no expiry), before the first step that rewrites the board: from then on
 * a failure or the rebuild's death leaves the board fenced, and `held` says so.
 * @param held.held the fence is held from the start (fence's answer)
 */
export function keepFence(
  deps: Pick<RecoveryDeps, 'redis' | 'keys'>,
  boardId: string,
  held: HeldFence & { held: boolean },
): { stillFenced(): Promise<void>; hold(): Promise<void>; held(): boolean; stop(): void } {
  let holding = held.held;
  // A held fence stays held: renewFence-1.lua gives it no expiry again.
  const renewal = setInterval(
    () => void renewFence(deps.redis, deps.keys, boardId, held).catch(() => undefined),
    Math.max(1, Math.floor(held.ttlMs / 3)),
  );
  renewal.unref();
  return {
    stillFenced: () => assertFenced(deps, boardId, held),
    async hold() {
      if (!(await holdFence(deps.redis, deps.keys, boardId, held.token))) throw fenceLost(boardId);
      holding = true;
    },
    held: () => holding,
    stop: () => clearInterval(renewal),
  };
}

const fenceLost = (boardId: string) =>
  new AppError('BOARD_REBUILDING', {
    message: `the rebuild of board ${boardId} lost its fence and stopped before its next step; run it again`,
  });

/**
 * Renews the fence, and throws BOARD_REBUILDING when this rebuild no longer holds it (it lapsed
 * while Redis could not be reached, or it was lifted): votes may be applying again, and a step
 * that rewrites the board from what the ledger said would undo them.
 */
async function assertFenced(deps: Pick<RecoveryDeps, 'redis' | 'keys'>, boardId: string, fence: HeldFence) {
  if (!(await renewFence(deps.redis, deps.keys, boardId, fence))) throw fenceLost(boardId);
}

/**
 * Under the campaign's lock, read before the install: how the install brings the board to its
 * campaign's status, as the campaign repair would; or nothing to do. A freeze refused while the
 * board was fenced is made by the install itself (`freeze`), from the ranking it installs, in the
 * same step: a vote the fence held back applies after it, never into the snapshot (until
 * 2026-12-08 the freeze was a second step right after the install, and such a vote could land in
 * between and be in the public ranking of the freeze). `settle` follows the install: the screens
 * told of the freeze, or any other move made (no snapshot to take, nothing a vote can change).
 */
export async function statusToSettle(
  deps: RecoveryDeps,
  boardId: string,
  origin: string,
): Promise<{ freeze: boolean; settle(): Promise<void> }> {
  const [campaign, meta] = await Promise.all([
    campaignModel(deps.boards.db).findById(boardId, { status: 1 }).lean(),
    readBoardMeta(deps.redis, deps.keys, boardId),
  ]);
  if (!campaign || !boardDisagrees(campaign, meta)) return { freeze: false, settle: async () => {} };
  if (campaign.status === 'frozen') {
    return { freeze: true, settle: () => publishScreenChange(deps.redis, deps.keys, boardId) };
  }
  return {
    freeze: false,
    settle: () => setBoardStatus(deps.redis, deps.keys, boardId, campaign.status, { origin }),
  };
}
