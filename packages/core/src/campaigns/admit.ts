import type { Config } from '../config/index.js';
import type { BoardModel, CampaignDoc, CampaignModel } from '../db/index.js';
import type { Logger } from '../logger.js';
import { AppError, type CampaignMember } from '../protocol/index.js';
import { type KeyBuilder, publishScreenChange, type RedisClient, withLock } from '../redis/index.js';
import { syncBoard } from './board-sync.js';

/** The most candidates a campaign has (as createCampaignBodySchema allows). */
export const MAX_MEMBERS = 2_000;

export interface AdmitDeps {
  redis: RedisClient;
  keys: KeyBuilder;
  config: Pick<Config, 'boards'>;
  campaigns: CampaignModel;
  boards: BoardModel;
  /** Where a board Redis has lost is reported (the candidate is added in MongoDB all the same). */
  logger?: Pick<Logger, 'error'> | undefined;
}

/**
 * Makes an approved entry a candidate of its campaign, under the campaign's lock (the one host
 * edits and lifecycle moves take): added to the members, its board registered again (it enters
 * the ranking at 0) and its screens told. Once only: a candidate of that id already there is
 * answered `already` and left as it is, so an approval retried after a crash adds it once.
 * Throws CAMPAIGN_NOT_EDITABLE once the campaign has ended, or is full.
 */
export async function admitCandidate(
  deps: AdmitDeps,
  campaignId: string,
  member: CampaignMember,
): Promise<'added' | 'already'> {
  return withLock(deps.redis, deps.keys.campaignLock(campaignId), async () => {
    const campaign = await deps.campaigns.findById(campaignId).lean<CampaignDoc>();
    if (!campaign) throw new AppError('CAMPAIGN_NOT_FOUND');
    if (campaign.members.some((m) => m.candidateId === member.candidateId)) return 'already';
    if (campaign.status === 'ended' || campaign.status === 'archived') {
      throw new AppError('CAMPAIGN_NOT_EDITABLE', {
        message: `Entries become candidates until the campaign ends; this one is ${campaign.status}.`,
        details: { status: campaign.status },
      });
    }
    if (campaign.members.length >= MAX_MEMBERS) {
      throw new AppError('CAMPAIGN_NOT_EDITABLE', {
        message: `A campaign has at most ${MAX_MEMBERS} candidates.`,
      });
    }
    const members = [...campaign.members, member];
    await deps.campaigns.updateOne({ _id: campaignId }, { $set: { members } });
    if ((await syncBoard(deps, { ...campaign, members })) === 'board-missing') {
      deps.logger?.error(
        { campaignId },
        `entry made a candidate, but Redis has lost its board: run \`npm run rebuild -- ${campaignId}\``,
      );
    }
    await publishScreenChange(deps.redis, deps.keys, campaignId);
    return 'added';
  });
}
