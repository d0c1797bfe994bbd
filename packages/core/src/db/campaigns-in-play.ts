import { PUBLISHED_STATUSES } from '../protocol/campaigns.js';
import type { CampaignDoc, CampaignModel } from './campaigns.js';

/**
 * The statuses whose board status matters to ingest, or whose schedule still has a move to make:
 * the published ones. A draft takes no votes and has no jobs yet, and an archived campaign
 * changes no more.
 */
const CAMPAIGN_STATUSES_IN_PLAY = PUBLISHED_STATUSES;

/** What the schedule repair reads of a campaign. */
export type CampaignInPlay = Pick<CampaignDoc, '_id' | 'status' | 'schedule'>;

/**
 * One page of the campaigns in play (see CAMPAIGN_STATUSES_IN_PLAY), by id, after `after`: only
 * their status and schedule, so a pass over every campaign stays cheap.
 * @param options.limit @default 200
 */
export async function findCampaignsInPlay(
  model: CampaignModel,
  options: { after?: string | undefined; limit?: number } = {},
): Promise<CampaignInPlay[]> {
  const filter = {
    status: { $in: [...CAMPAIGN_STATUSES_IN_PLAY] },
    ...(options.after === undefined ? {} : { _id: { $gt: options.after } }),
  };
  return model
    .find(filter, { status: 1, schedule: 1 })
    .sort({ _id: 1 })
    .limit(options.limit ?? 200)
    .lean<CampaignInPlay[]>();
}
