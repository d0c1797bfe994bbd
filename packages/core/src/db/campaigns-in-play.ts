import { PUBLISHED_STATUSES } from '../protocol/campaigns.js';
import type { CampaignDoc, CampaignModel } from './campaigns.js';

/**
 * The statuses whose board status matters to ingest, or whose schedule still has a move to make:
 * the published ones. A draft takes no votes and has no jobs yet, and an archived campaign
 * changes no more (but see ARCHIVED_WITHIN_MS).
 */
const CAMPAIGN_STATUSES_IN_PLAY = PUBLISHED_STATUSES;

/**
 * How long an archived campaign stays in play, by its last change (its archiving: an archived
 * campaign takes no edit): long enough for the campaign repair to see a board that still takes
 * votes after its end's and its archiving's Redis writes both failed, with the workers down for
 * days; short enough that a pass reads only the campaigns archived lately, not every one ever.
 */
const ARCHIVED_WITHIN_MS = 7 * 86_400_000;

/** What the schedule repair reads of a campaign. */
export type CampaignInPlay = Pick<CampaignDoc, '_id' | 'status' | 'schedule'>;

/**
 * One page of the campaigns in play (see CAMPAIGN_STATUSES_IN_PLAY), and of those archived within
 * ARCHIVED_WITHIN_MS, by id, after `after`: only their status and schedule, so a pass over every
 * campaign stays cheap (the archived ones through the `{ status, updatedAt }` index).
 * @param options.limit @default 200
 * @param options.now the instant the archived ones are counted back from @default Date.now()
 */
export async function findCampaignsInPlay(
  model: CampaignModel,
  options: { after?: string | undefined; limit?: number; now?: number } = {},
): Promise<CampaignInPlay[]> {
  const archivedSince = new Date((options.now ?? Date.now()) - ARCHIVED_WITHIN_MS);
  const filter = {
    $or: [
      { status: { $in: [...CAMPAIGN_STATUSES_IN_PLAY] } },
      { status: 'archived' as const, updatedAt: { $gte: archivedSince } },
    ],
    ...(options.after === undefined ? {} : { _id: { $gt: options.after } }),
  };
  return model
    .find(filter, { status: 1, schedule: 1 })
    .sort({ _id: 1 })
    .limit(options.limit ?? 200)
    .lean<CampaignInPlay[]>();
}
