import { type CampaignDoc, newCampaignId, transitionCampaign } from '@rallyboard/core/db';
import {
  AppError,
  assertTransition,
  type CampaignStatus,
  type CreateCampaignBody,
  type UpdateCampaignBody,
  weekStartOf,
} from '@rallyboard/core/protocol';
import { scheduleCampaign } from '@rallyboard/core/queue';
import { publishScreenChange, removeBoardMembers, unregisterBoard } from '@rallyboard/core/redis';
import { loadCampaign } from './access.js';
import { planUpdate } from './edits.js';
import type { Actor, CampaignStore } from './store.js';
import { withCheckedText, withChecks, withTagsText } from './text-check.js';
import { campaignView } from './views.js';

/**
 * Creates a campaign as a draft, owned by the actor, and registers its board (status `draft`,
 * so ingest refuses votes until it goes live).
 */
export async function createCampaign(
  store: CampaignStore,
  actor: Actor,
  body: CreateCampaignBody,
): Promise<CampaignDoc> {
  const checks = await store.checkTexts(actor, withTagsText(body.members ?? [], body.tags), []);
  const campaignId = newCampaignId();
  await store.campaigns.create({
    _id: campaignId,
    ...body,
    schedule: {
      startAt: new Date(body.schedule.startAt),
      endAt: new Date(body.schedule.endAt),
      timezone: body.schedule.timezone,
      weekStartsOn: weekStartOf(body.schedule),
    },
    status: 'draft',
    createdBy: actor.host.hostId,
    hostIds: [],
  });
  const campaign = await store.reload(campaignId);
  await store.sync(campaign);
  await store.audit(actor, 'campaign.create', campaignId, {
    before: null,
    after: withChecks(campaignView(campaign), checks),
  });
  return campaign;
}

/** Every id names an existing host, or HOST_NOT_FOUND with the ones that do not. */
async function assertHostsExist(store: CampaignStore, hostIds: readonly string[]): Promise<void> {
  const unique = [...new Set(hostIds)];
  if (unique.length === 0) return;
  const found = await store.hosts.find({ _id: { $in: unique } }, { _id: 1 }).lean();
  const known = new Set(found.map((h) => h._id));
  const missing = unique.filter((id) => !known.has(id));
  if (missing.length > 0) throw new AppError('HOST_NOT_FOUND', { details: { hostIds: missing } });
}

/**
 * Changes a campaign's fields, as far as its status allows (see edits.ts), then its board and
 * its schedule jobs: the board is registered again when its title, members, timezone or quotas
 * changed, and new start and end jobs are added when a scheduled or running campaign's times
 * moved (the old jobs find the schedule changed and do nothing).
 */
export async function updateCampaign(
  store: CampaignStore,
  actor: Actor,
  campaignId: string,
  body: UpdateCampaignBody,
): Promise<CampaignDoc> {
  if (body.hostIds !== undefined && actor.host.role === 'admin') await assertHostsExist(store, body.hostIds);
  return withCheckedText(async () => {
    const seen = await loadCampaign(store.campaigns, actor.host, campaignId);
    // New candidate text is judged before the lock (WeChat may take seconds), once the change is
    // allowed; under the lock only from the verdicts kept then (see text-check.ts).
    if (body.members !== undefined || body.tags !== undefined) {
      planUpdate(seen, body, actor.host);
      await store.checkTexts(actor, textOf(body, seen), withTagsText(seen.members, seen.tags));
    }
    return store.serialize(campaignId, () => updateLocked(store, actor, campaignId, body));
  });
}

/** The candidate text and tags a change would publish: what it sets, or what the campaign has. */
const textOf = (body: UpdateCampaignBody, campaign: CampaignDoc) =>
  withTagsText(body.members ?? campaign.members, body.tags ?? campaign.tags);

/** updateCampaign's work under the campaign's lock. */
async function updateLocked(
  store: CampaignStore,
  actor: Actor,
  campaignId: string,
  body: UpdateCampaignBody,
): Promise<CampaignDoc> {
  const campaign = await loadCampaign(store.campaigns, actor.host, campaignId);
  const plan = planUpdate(campaign, body, actor.host);
  const checks =
    body.members === undefined && body.tags === undefined
      ? []
      : await store.checkTexts(actor, textOf(body, campaign), withTagsText(campaign.members, campaign.tags), {
          cachedOnly: true,
        });
  // Entries that became candidates taken off go first, as in removeMember (members.ts).
  await store.removeEntriesOf(actor, campaignId, plan.removedMembers);
  await store.campaigns.updateOne({ _id: campaignId }, { $set: plan.set });
  const updated = await store.reload(campaignId);
  if (plan.removedMembers.length > 0) {
    await removeBoardMembers(store.redis, store.keys, campaignId, plan.removedMembers);
  }
  if (plan.boardChanged) await store.sync(updated);
  if (plan.scheduleChanged && updated.status !== 'draft') {
    await scheduleCampaign(store.campaignQueue, {
      campaignId,
      startAt: updated.schedule.startAt,
      endAt: updated.schedule.endAt,
    });
  }
  // Its screens show the title, the candidates and the schedule: they get the new view.
  await publishScreenChange(store.redis, store.keys, campaignId);
  await store.audit(actor, 'campaign.update', campaignId, {
    before: plan.before,
    after: withChecks(plan.after, checks),
  });
  return updated;
}

/**
 * Deletes a draft with its board. A campaign that was ever published is not deleted: it is
 * ended and archived through its lifecycle, so its votes and ledger stay accounted for.
 */
export async function deleteCampaign(store: CampaignStore, actor: Actor, campaignId: string): Promise<void> {
  await loadCampaign(store.campaigns, actor.host, campaignId);
  await store.serialize(campaignId, async () => {
    const campaign = await loadCampaign(store.campaigns, actor.host, campaignId);
    if (campaign.status !== 'draft') {
      throw new AppError('CAMPAIGN_NOT_EDITABLE', {
        message: `Only a draft can be deleted; this campaign is ${campaign.status}. End it and archive it instead.`,
        details: { status: campaign.status },
      });
    }
    await store.campaigns.deleteOne({ _id: campaignId, status: 'draft' });
    await store.boards.deleteOne({ _id: campaignId });
    await unregisterBoard(store.redis, store.keys, campaignId);
    await store.audit(actor, 'campaign.delete', campaignId, { before: campaignView(campaign), after: null });
  });
}

/**
 * What scheduling needs: candidates to vote for, and an end still ahead; and what a start needs:
 * the end still ahead (a campaign whose end passed while it was scheduled never goes live).
 */
function assertSchedulable(campaign: CampaignDoc, to: 'scheduled' | 'live', now: Date): void {
  if (to === 'scheduled' && campaign.members.length === 0) {
    throw new AppError('INVALID_TRANSITION', {
      message: 'A campaign needs at least one candidate before it is scheduled.',
      details: { from: campaign.status, to: 'scheduled' },
    });
  }
  if (new Date(campaign.schedule.endAt).getTime() <= now.getTime()) {
    throw new AppError('INVALID_TRANSITION', {
      message: `The campaign would end before it starts: move its end ahead, then ${to === 'live' ? 'start' : 'schedule'} it.`,
      details: {
        from: campaign.status,
        to,
        endAt: new Date(campaign.schedule.endAt).toISOString(),
      },
    });
  }
}

/**
 * Puts the campaign's board and schedule in step with the status MongoDB has: a scheduled
 * campaign's start and end jobs queued (pending ones are kept), and the board's status written
 * unless the board says so already (a retried freeze must not snapshot again). A board Redis does
 * not have is registered, empty, while the campaign has never been live (this move included: a
 * creation whose registration failed leaves a draft without one); after that it is a rebuild's.
 * @param campaign the campaign as it was before the move (its status the move's `from`)
 */
async function settleMove(
  store: CampaignStore,
  campaign: CampaignDoc,
  status: CampaignStatus,
): Promise<void> {
  const campaignId = campaign._id;
  if (status === 'scheduled') {
    await scheduleCampaign(store.campaignQueue, {
      campaignId,
      startAt: new Date(campaign.schedule.startAt),
      endAt: new Date(campaign.schedule.endAt),
    });
  }
  // A freeze snapshots the public ranking in the same step; its end deletes the snapshot.
  await store.settle({ ...campaign, status }, campaign.status === status ? undefined : campaign.status);
  // Subscribed participants hear of a start (not of a resume) and of the end: the results are
  // final only then (a frozen campaign, even revealed, still counts votes).
  if (status === 'live' && campaign.status !== 'paused' && campaign.status !== 'frozen') {
    await store.notify('campaign-started', campaignId);
  }
  if (status === 'ended') await store.notify('results-final', campaignId);
}

/**
 * Moves a campaign along its lifecycle (INVALID_TRANSITION names the allowed moves), then queues
 * its schedule and records the new status on its board for ingest.
 *
 * The order matters. The status is written first, then the jobs are queued: a start job queued
 * first could run (its time already past) before the status said `scheduled`, do nothing, and
 * leave the campaign scheduled for ever. The change is audited once MongoDB has it, the system of
 * record. Without transactions the Redis writes that follow can still fail after the MongoDB one:
 * the move then answers an error, and a retry of it (a move to the status the campaign already
 * has) makes no second change but settles the board and the jobs again; failing a retry, the
 * workers' schedule repair (workers/src/campaigns/repair.ts) converges them.
 */
export async function moveCampaign(
  store: CampaignStore,
  actor: Actor,
  campaignId: string,
  to: CampaignStatus,
): Promise<CampaignDoc> {
  await loadCampaign(store.campaigns, actor.host, campaignId);
  return store.serialize(campaignId, async () => {
    const campaign = await loadCampaign(store.campaigns, actor.host, campaignId);
    if (campaign.status === to) {
      await settleMove(store, campaign, to);
      return campaign;
    }
    assertTransition(campaign.status, to);
    if (to === 'scheduled' || (to === 'live' && campaign.status === 'scheduled')) {
      assertSchedulable(campaign, to, new Date());
    }
    // The lock is held already: transitionCampaign's compare-and-set runs inside it.
    const { before, after } = await transitionCampaign(
      store.campaigns,
      (_id, work) => work(),
      campaignId,
      to,
    );
    await store.audit(actor, 'campaign.transition', campaignId, {
      before: { status: before },
      after: { status: after },
    });
    await settleMove(store, campaign, after);
    return store.reload(campaignId);
  });
}
