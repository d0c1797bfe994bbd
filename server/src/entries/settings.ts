import type { CampaignDoc, EntryModels, EntrySettingsDoc } from '@rallyboard/core/db';
import { AppError, type EntrySettings, type EntrySettingsView } from '@rallyboard/core/protocol';
import type { AuditLog } from '../audit/log.js';
import type { HostPrincipal } from '../hosts/principal.js';
import { entriesOpen } from './entries.js';

/** A campaign's entry settings as the API answers them. */
export function settingsView(
  campaign: Pick<CampaignDoc, '_id' | 'status'>,
  settings: EntrySettingsDoc | null,
  now: number,
): EntrySettingsView {
  return {
    campaignId: campaign._id,
    settings: settings
      ? {
          opensAt: settings.opensAt.toISOString(),
          closesAt: settings.closesAt.toISOString(),
          perParticipant: settings.perParticipant,
          text: settings.text,
          minImages: settings.minImages,
          maxImages: settings.maxImages,
          approval: settings.approval,
          purpose: settings.purpose ?? 'contest',
        }
      : null,
    open: entriesOpen(settings, campaign.status, now),
  };
}

/**
 * Opens (or changes) a campaign's entries, until it ends; recorded in the audit log. Entries
 * already in keep their places: a lower limit only stops new ones.
 */
export async function saveEntrySettings(
  deps: { entries: EntryModels; audit: AuditLog; now: () => number },
  actor: { host: HostPrincipal; ip: string },
  campaign: CampaignDoc,
  body: EntrySettings,
): Promise<EntrySettingsDoc> {
  if (body.purpose === 'suggestions' && campaign.kind !== 'like') {
    throw new AppError('INVALID_INPUT', {
      details: [{ path: 'body.purpose', message: 'suggestions are liked: open them on a like campaign' }],
    });
  }
  if (campaign.status === 'ended' || campaign.status === 'archived') {
    throw new AppError('CAMPAIGN_NOT_EDITABLE', {
      message: `Entries can be set until the campaign ends; this one is ${campaign.status}.`,
      details: { status: campaign.status },
    });
  }
  const before = await deps.entries.settings.findById(campaign._id).lean<EntrySettingsDoc>();
  const doc: EntrySettingsDoc = {
    _id: campaign._id,
    ...body,
    opensAt: new Date(body.opensAt),
    closesAt: new Date(body.closesAt),
    updatedAt: new Date(deps.now()),
  };
  await deps.entries.settings.replaceOne({ _id: campaign._id }, doc, { upsert: true });
  await deps.audit({
    actor: actor.host,
    ip: actor.ip,
    action: 'entries.settings',
    target: { type: 'campaign', id: campaign._id },
    campaignId: campaign._id,
    before: before ? settingsView(campaign, before, deps.now()).settings : null,
    after: body,
  });
  return doc;
}
