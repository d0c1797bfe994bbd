import { type CampaignDoc, type CampaignModel, mayTouchCampaign } from '@rallyboard/core/db';
import { AppError } from '@rallyboard/core/protocol';
import type { HostPrincipal } from '../hosts/principal.js';

/**
 * The campaign if the host may touch it. Another host's campaign answers CAMPAIGN_NOT_FOUND,
 * exactly as a campaign that does not exist: a host learns nothing about campaigns that are
 * not theirs, not even that the id is taken.
 */
export async function loadCampaign(
  campaigns: CampaignModel,
  host: Pick<HostPrincipal, 'hostId' | 'role'>,
  campaignId: string,
): Promise<CampaignDoc> {
  const campaign = await campaigns.findById(campaignId).lean<CampaignDoc>();
  if (!campaign || !mayTouchCampaign(campaign, host)) throw new AppError('CAMPAIGN_NOT_FOUND');
  return campaign;
}

/** The filter of the campaigns a host may touch: every one for an admin. */
export function campaignsOf(host: Pick<HostPrincipal, 'hostId' | 'role'>): Record<string, unknown> {
  if (host.role === 'admin') return {};
  return { $or: [{ createdBy: host.hostId }, { hostIds: host.hostId }] };
}
