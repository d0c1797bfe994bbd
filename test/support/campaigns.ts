import { type BoardSyncDeps, syncBoard } from '@rallyboard/core/campaigns';
import { type CampaignDoc, campaignModel } from '@rallyboard/core/db';
import { changeBoardStatus } from '@rallyboard/core/redis';
import type { Connection } from 'mongoose';

/**
 * A live campaign in MongoDB for a board already seeded with the same id (see stack.ts
 * seedBoard): public, started an hour ago, ending in a day, its members named after their ids,
 * no quotas, created by `h-test`, unless `fields` say otherwise.
 */
export async function createLiveCampaign(
  mongo: Connection,
  campaignId: string,
  fields: Partial<CampaignDoc> & { candidateIds?: readonly string[] } = {},
): Promise<CampaignDoc> {
  const { candidateIds = ['alice', 'bob'], ...rest } = fields;
  const doc = await campaignModel(mongo).create({
    _id: campaignId,
    title: `campaign ${campaignId}`,
    kind: 'vote',
    members: candidateIds.map((candidateId) => ({ candidateId, name: candidateId })),
    schedule: {
      startAt: new Date(Date.now() - 3_600_000),
      endAt: new Date(Date.now() + 86_400_000),
      timezone: 'Asia/Shanghai',
    },
    visibility: 'public',
    rules: {},
    status: 'live',
    createdBy: 'h-test',
    ...rest,
  });
  return doc.toObject();
}

/**
 * Registers a campaign's board (its record and Redis) as its moves did, from its draft on, for a
 * campaign written straight into MongoDB (createLiveCampaign): a sync registers no board for a
 * campaign that has been live (see syncBoard), as Redis may have lost its votes.
 */
export async function registerCampaignBoard(deps: BoardSyncDeps, campaign: CampaignDoc): Promise<void> {
  await syncBoard(deps, { ...campaign, status: 'draft' });
  if (campaign.status !== 'draft')
    await changeBoardStatus(deps.redis, deps.keys, campaign._id, campaign.status);
}
