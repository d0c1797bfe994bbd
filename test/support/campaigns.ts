import { type CampaignDoc, campaignModel } from '@rallyboard/core/db';
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
