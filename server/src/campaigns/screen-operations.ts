import type { CampaignDoc } from '@rallyboard/core/db';
import { AppError, canReveal, type RankingView, type ScreenWindow } from '@rallyboard/core/protocol';
import { publishScreenChange } from '@rallyboard/core/redis';
import { loadCampaign } from './access.js';
import type { Actor, CampaignStore } from './store.js';

/**
 * Puts a ranking on the campaign's big screens: all time, today's or this week's, of the
 * candidates or of the groups. Recorded in the audit log (a change only); every screen then
 * turns to it (the screen relay).
 */
export async function setScreenWindow(
  store: CampaignStore,
  actor: Actor,
  campaignId: string,
  settings: { window?: ScreenWindow | undefined; view?: RankingView | undefined },
): Promise<CampaignDoc> {
  await loadCampaign(store.campaigns, actor.host, campaignId);
  const changed = await store.serialize(campaignId, async () => {
    const campaign = await loadCampaign(store.campaigns, actor.host, campaignId);
    const before = { window: campaign.screenWindow ?? 'all', view: campaign.screenView ?? 'candidates' };
    const after = { window: settings.window ?? before.window, view: settings.view ?? before.view };
    // The groups' ranking of a campaign without groups would be an empty screen.
    if (settings.view === 'groups' && !campaign.members.some((m) => m.group !== undefined)) {
      throw new AppError('INVALID_INPUT', {
        details: [
          { path: 'body.view', message: 'the campaign has no groups: give its candidates a group first' },
        ],
      });
    }
    if (before.window === after.window && before.view === after.view) return campaign;
    await store.campaigns.updateOne(
      { _id: campaignId },
      { $set: { screenWindow: after.window, screenView: after.view } },
    );
    await store.audit(actor, 'campaign.screen', campaignId, { before, after });
    return store.reload(campaignId);
  });
  await publishScreenChange(store.redis, store.keys, campaignId);
  return changed;
}

/**
 * Reveals the final ranking on the campaign's screens (揭晓): frozen or ended campaigns only
 * (REVEAL_NOT_ALLOWED), kept on the campaign as `revealedAt` so a screen opened later shows it
 * revealed, audited, and pushed to the screens. Revealing again changes nothing.
 */
export async function revealCampaign(
  store: CampaignStore,
  actor: Actor,
  campaignId: string,
): Promise<CampaignDoc> {
  await loadCampaign(store.campaigns, actor.host, campaignId);
  const revealed = await store.serialize(campaignId, async () => {
    const campaign = await loadCampaign(store.campaigns, actor.host, campaignId);
    if (!canReveal(campaign.status)) {
      throw new AppError('REVEAL_NOT_ALLOWED', { details: { status: campaign.status } });
    }
    if (campaign.revealedAt) return campaign;
    const revealedAt = new Date();
    await store.campaigns.updateOne({ _id: campaignId }, { $set: { revealedAt } });
    await store.audit(actor, 'campaign.reveal', campaignId, {
      before: { revealedAt: null },
      after: { revealedAt: revealedAt.toISOString() },
    });
    return store.reload(campaignId);
  });
  await publishScreenChange(store.redis, store.keys, campaignId);
  return revealed;
}
