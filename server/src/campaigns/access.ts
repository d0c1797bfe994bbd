import { type CampaignDoc, type CampaignModel, findCampaign, mayTouchCampaign } from '@rallyboard/core/db';
import { AppError } from '@rallyboard/core/protocol';
import type { Connection } from 'mongoose';
import type { HostPrincipal } from '../hosts/principal.js';

/** Who may touch a campaign: a host's id and role. */
export type CampaignToucher = Pick<HostPrincipal, 'hostId' | 'role'>;

/** The campaign if the host may touch it, else CAMPAIGN_NOT_FOUND (see loadCampaign). */
export type CampaignAccess = (host: CampaignToucher, campaignId: string) => Promise<CampaignDoc>;

const mine = (campaign: CampaignDoc | null, host: CampaignToucher): CampaignDoc => {
  if (!campaign || !mayTouchCampaign(campaign, host)) throw new AppError('CAMPAIGN_NOT_FOUND');
  return campaign;
};

/**
 * The campaign if the host may touch it. Another host's campaign answers CAMPAIGN_NOT_FOUND,
 * exactly as a campaign that does not exist: a host learns nothing about campaigns that are
 * not theirs, not even that the id is taken.
 */
export async function loadCampaign(
  campaigns: CampaignModel,
  host: CampaignToucher,
  campaignId: string,
): Promise<CampaignDoc> {
  return mine(await campaigns.findById(campaignId).lean<CampaignDoc>(), host);
}

/** loadCampaign over a connection: what host routes and handlers are given. */
export function createCampaignAccess(mongo: Connection): CampaignAccess {
  return async (host, campaignId) => mine(await findCampaign(mongo, campaignId), host);
}

/** The filter of the campaigns a host may touch: every one for an admin. */
export function campaignsOf(host: CampaignToucher): Record<string, unknown> {
  if (host.role === 'admin') return {};
  return { $or: [{ createdBy: host.hostId }, { hostIds: host.hostId }] };
}
