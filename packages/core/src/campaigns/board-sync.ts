import type { Config } from '../config/index.js';
import { type BoardDoc, type BoardModel, type CampaignDoc, registrationOf } from '../db/index.js';
import { AppError, type CampaignRules, type CampaignStatus, weekStartOf } from '../protocol/index.js';
import {
  type BoardQuotas,
  type KeyBuilder,
  publishScreenChange,
  type RedisClient,
  readBoardMeta,
  registerBoard,
  setBoardStatus,
  writeInterestTags,
} from '../redis/index.js';

/** A campaign's rules as its board's quotas; a limit left out is no limit. */
function quotasOf(rules: CampaignRules | undefined): BoardQuotas {
  const quotas: BoardQuotas = {};
  if (rules?.votesPerUserPerDay !== undefined) quotas.perDay = rules.votesPerUserPerDay;
  if (rules?.votesPerUserPerCandidatePerDay !== undefined) {
    quotas.perCandidatePerDay = rules.votesPerUserPerCandidatePerDay;
  }
  if (rules?.votesPerUserTotal !== undefined) quotas.total = rules.votesPerUserTotal;
  return quotas;
}

/** The statuses of a campaign that has never been live (no move leads back to them). */
const NEVER_LIVE: readonly CampaignStatus[] = ['draft', 'scheduled'];

/**
 * Whether the campaign's board can hold no vote yet, so that registering it empty, were Redis
 * without it, loses nothing: the campaign is a draft or scheduled, or is making its move from
 * there right now (`from`: the move scheduled → live registers the board before any vote of it
 * can apply, since the apply script refuses a board Redis does not have). A board Redis lost once
 * the campaign has been live is a rebuild's to restore, from the ledger: registered empty, it
 * would take the votes waiting for it as the first ever (seq from 1, quotas and like sets gone).
 */
const hasNeverBeenLive = (status: CampaignStatus, from: CampaignStatus | undefined): boolean =>
  NEVER_LIVE.includes(status) || (from !== undefined && NEVER_LIVE.includes(from));

/** The campaign's end as its board records it (epoch ms). */
const endOf = (campaign: Pick<CampaignDoc, 'schedule'>): number =>
  new Date(campaign.schedule.endAt).getTime();

export interface BoardSyncDeps {
  redis: RedisClient;
  keys: KeyBuilder;
  config: Pick<Config, 'boards'>;
  boards: BoardModel;
}

export interface BoardSyncOptions {
  /** The status the campaign is moving from, when the sync is a move's (see hasNeverBeenLive). */
  from?: CampaignStatus | undefined;
  /** The change message's origin of a status set. @default 'sync' */
  origin?: string | undefined;
}

/** What a sync did to the board in Redis. */
export type BoardSync =
  /** Redis had the board: its registration and status now say what the campaign says. */
  | 'synced'
  /** Redis did not have the board of a campaign that has never been live: registered, empty. */
  | 'registered'
  /**
   * Redis lost the board of a campaign that has been live: left to a rebuild from the ledger,
   * which registers it from the `boards` record (written all the same). Votes wait meanwhile.
   */
  | 'board-missing';

/** Writes the campaign's `boards` record, the system of record a rebuild registers the board from. */
async function writeBoardRecord(deps: BoardSyncDeps, campaign: CampaignDoc): Promise<BoardDoc> {
  const board = await deps.boards
    .findOneAndUpdate(
      { _id: campaign._id },
      {
        $set: {
          title: campaign.title,
          kind: campaign.kind,
          timezone: campaign.schedule.timezone,
          weekStartsOn: weekStartOf(campaign.schedule),
          members: campaign.members.map(({ candidateId, name, group }) => ({
            candidateId,
            name,
            ...(group === undefined ? {} : { group }),
          })),
          quotas: quotasOf(campaign.rules),
          endAt: new Date(campaign.schedule.endAt),
        },
        $setOnInsert: { dailyRetentionDays: deps.config.boards.dailyRetentionDays },
      },
      { upsert: true, returnDocument: 'after' },
    )
    .lean<BoardDoc>();
  if (!board) throw new Error(`board ${campaign._id} was not written`);
  return board;
}

/**
 * Makes the campaign's board say what the campaign says: the `boards` record (the system of
 * record a rebuild reads) and then its registration in Redis, with the campaign's status, end and
 * quotas. Redis only ever gains members here; removing members is the caller's step, and only
 * before the campaign has taken votes. A board keeps the retention it was created with.
 *
 * A board Redis does not have is registered, empty, only for a campaign that has never been live
 * (a creation or a move whose Redis write failed); for one that has, the record is written and
 * Redis left to a rebuild (`board-missing`): registered empty, the board would count the votes
 * waiting for it from seq 1 with no quota or like spent, and the ledger would keep the double
 * counts (until 2026-12-07 any sync registered it so).
 */
export async function syncBoard(
  deps: BoardSyncDeps,
  campaign: CampaignDoc,
  options: BoardSyncOptions = {},
): Promise<BoardSync> {
  const board = await writeBoardRecord(deps, campaign);
  // The tags a counted like teaches the recommendations (the workers read them then).
  await writeInterestTags(deps.redis, deps.keys, campaign);
  const current = await readBoardMeta(deps.redis, deps.keys, campaign._id);
  if (current === undefined && !hasNeverBeenLive(campaign.status, options.from)) return 'board-missing';
  // A board whose status differs from the campaign's (a move whose Redis write failed) changes
  // status the way a move does, through setBoardStatus: written into the meta with the rest, a
  // `frozen` would have no snapshot and a thaw would leave one behind. A new board is registered
  // with the status.
  const moves = current !== undefined && current.status !== campaign.status;
  await registerBoard(deps.redis, deps.keys, {
    ...registrationOf(board),
    ...(moves ? {} : { status: campaign.status }),
  });
  if (moves) {
    // A freeze is refused while a rebuild holds the board: its install makes the move (and the
    // campaign repair, failing that), so the edit this sync follows is not failed for it.
    await setBoardStatus(deps.redis, deps.keys, campaign._id, campaign.status, {
      origin: options.origin ?? 'sync',
    }).catch((error: unknown) => {
      if (!(error instanceof AppError && error.code === 'BOARD_REBUILDING')) throw error;
    });
  }
  return current === undefined ? 'registered' : 'synced';
}

/** What settleBoard did: a sync's outcome, the status set, or nothing, Redis agreeing already. */
export type BoardSettlement = BoardSync | 'status-set' | 'unchanged';

/**
 * Puts a campaign's board in step with the campaign's status and end, after a move (the host's,
 * the schedule's) or for the campaign repair, under the campaign's lock:
 * - Redis agrees: nothing is written (a retried freeze must not snapshot again);
 * - the status differs: set through setBoardStatus (a freeze with its snapshot, a thaw deleting
 *   it; a freeze refused while a rebuild holds the board throws BOARD_REBUILDING);
 * - the end differs (a board registered before ends were recorded, or by a rebuild from an older
 *   record; an edit whose Redis write failed): registered again from the campaign (syncBoard);
 * - Redis lacks the board: registered, empty, when the campaign has never been live (`from`
 *   included), and the screens told; otherwise `board-missing`, left to a rebuild, nothing written.
 */
export async function settleBoard(
  deps: BoardSyncDeps,
  campaign: CampaignDoc,
  options: BoardSyncOptions = {},
): Promise<BoardSettlement> {
  const meta = await readBoardMeta(deps.redis, deps.keys, campaign._id);
  if (meta === undefined) {
    if (!hasNeverBeenLive(campaign.status, options.from)) return 'board-missing';
    const synced = await syncBoard(deps, campaign, options);
    await publishScreenChange(deps.redis, deps.keys, campaign._id);
    return synced;
  }
  let settled: BoardSettlement = 'unchanged';
  if (meta.status !== campaign.status) {
    await setBoardStatus(deps.redis, deps.keys, campaign._id, campaign.status, {
      origin: options.origin ?? 'status',
    });
    settled = 'status-set';
  }
  if (meta.endAt !== endOf(campaign)) {
    // The status agrees by now: the sync only writes the registration, end included.
    await syncBoard(deps, campaign, options);
    settled = 'synced';
  }
  return settled;
}
