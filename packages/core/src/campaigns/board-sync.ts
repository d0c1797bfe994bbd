import type { Config } from '../config/index.js';
import { type BoardModel, type CampaignDoc, registrationOf } from '../db/index.js';
import { AppError, type CampaignRules, weekStartOf } from '../protocol/index.js';
import {
  type BoardQuotas,
  type KeyBuilder,
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

export interface BoardSyncDeps {
  redis: RedisClient;
  keys: KeyBuilder;
  config: Pick<Config, 'boards'>;
  boards: BoardModel;
}

/**
 * Makes the campaign's board say what the campaign says: the `boards` record (the system of
 * record a rebuild reads) and then its registration in Redis, with the campaign's status and
 * quotas. Redis only ever gains members here; removing members is the caller's step, and only
 * before the campaign has taken votes. A board keeps the retention it was created with.
 */
export async function syncBoard(deps: BoardSyncDeps, campaign: CampaignDoc): Promise<void> {
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
        },
        $setOnInsert: { dailyRetentionDays: deps.config.boards.dailyRetentionDays },
      },
      { upsert: true, returnDocument: 'after' },
    )
    .lean();
  if (!board) throw new Error(`board ${campaign._id} was not written`);
  // A board whose status differs from the campaign's (a move whose Redis write failed) changes
  // status the way a move does, through setBoardStatus: written into the meta with the rest, a
  // `frozen` would have no snapshot and a thaw would leave one behind. A new or lost board is
  // registered with the status.
  const current = await readBoardMeta(deps.redis, deps.keys, campaign._id);
  const moves = current !== undefined && current.status !== campaign.status;
  await registerBoard(deps.redis, deps.keys, {
    ...registrationOf(board),
    ...(moves ? {} : { status: campaign.status }),
  });
  if (moves) {
    // A freeze is refused while a rebuild holds the board: its install makes the move (and the
    // campaign repair, failing that), so the edit this sync follows is not failed for it.
    await setBoardStatus(deps.redis, deps.keys, campaign._id, campaign.status, { origin: 'sync' }).catch(
      (error: unknown) => {
        if (!(error instanceof AppError && error.code === 'BOARD_REBUILDING')) throw error;
      },
    );
  }
  // The tags a counted like teaches the recommendations (the workers read them then).
  await writeInterestTags(deps.redis, deps.keys, campaign);
}
