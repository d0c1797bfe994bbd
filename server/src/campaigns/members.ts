import { MAX_MEMBERS } from '@rallyboard/core/campaigns';
import type { CampaignDoc } from '@rallyboard/core/db';
import { AppError, type CampaignMember, type UpdateCampaignMemberBody } from '@rallyboard/core/protocol';
import { publishScreenChange, removeBoardMembers } from '@rallyboard/core/redis';
import { loadCampaign } from './access.js';
import { mayHaveVotes } from './edits.js';
import type { Actor, CampaignStore } from './store.js';
import { withCheckedText, withChecks } from './text-check.js';

function memberOf(campaign: CampaignDoc, candidateId: string): CampaignMember {
  const member = campaign.members.find((m) => m.candidateId === candidateId);
  if (!member) throw new AppError('CANDIDATE_NOT_FOUND', { details: { candidateId } });
  return member;
}

function assertNotOver(campaign: CampaignDoc, what: string): void {
  if (campaign.status === 'ended' || campaign.status === 'archived') {
    throw new AppError('CAMPAIGN_NOT_EDITABLE', {
      message: `Candidates can be ${what} until the campaign ends; this one is ${campaign.status}.`,
      details: { status: campaign.status },
    });
  }
}

/**
 * One change to a campaign's candidates, under the campaign's lock: read it, check, write the
 * whole list, register the board again, record it.
 */
async function changeMembers(
  store: CampaignStore,
  actor: Actor,
  campaignId: string,
  change: (campaign: CampaignDoc) => {
    members: CampaignMember[];
    removed?: string;
    audit: Parameters<CampaignStore['audit']>[1];
    member: string;
    before: unknown;
    after: unknown;
  },
): Promise<CampaignDoc> {
  // WeChat's check of the new text runs before the lock (it may take seconds), on the campaign
  // as read then; under the lock it is asked again only for text that changed in between.
  return withCheckedText(async () => {
    const seen = await loadCampaign(store.campaigns, actor.host, campaignId);
    await store.checkTexts(actor, change(seen).members, seen.members);
    return store.serialize(campaignId, () => changeLocked(store, actor, campaignId, change));
  });
}

/** changeMembers' work under the campaign's lock: the new text was judged before it was taken. */
async function changeLocked(
  store: CampaignStore,
  actor: Actor,
  campaignId: string,
  change: Parameters<typeof changeMembers>[3],
): Promise<CampaignDoc> {
  const campaign = await loadCampaign(store.campaigns, actor.host, campaignId);
  const next = change(campaign);
  const checks = await store.checkTexts(actor, next.members, campaign.members, { cachedOnly: true });
  // A participant's entry that became the candidate goes first (removed, its pictures deleted): a
  // crash before the members are written leaves the candidate listed for the host to remove
  // again, never the entry public or holding its author's place without its candidate.
  if (next.removed !== undefined) await store.removeEntriesOf(actor, campaignId, [next.removed]);
  await store.campaigns.updateOne({ _id: campaignId }, { $set: { members: next.members } });
  const updated = await store.reload(campaignId);
  if (next.removed !== undefined) {
    await removeBoardMembers(store.redis, store.keys, campaignId, [next.removed]);
  }
  await store.sync(updated);
  // Its screens name and picture the candidates: they get the new view.
  await publishScreenChange(store.redis, store.keys, campaignId);
  await store.audit(actor, next.audit, campaignId, {
    member: next.member,
    before: next.before,
    after: withChecks(next.after, checks),
  });
  return updated;
}

/** Adds a candidate; allowed until the campaign ends. A new candidate enters the ranking at 0. */
export function addMember(
  store: CampaignStore,
  actor: Actor,
  campaignId: string,
  member: CampaignMember,
): Promise<CampaignDoc> {
  return changeMembers(store, actor, campaignId, (campaign) => {
    assertNotOver(campaign, 'added');
    if (campaign.members.some((m) => m.candidateId === member.candidateId)) {
      throw new AppError('CANDIDATE_EXISTS', { details: { candidateId: member.candidateId } });
    }
    if (campaign.members.length >= MAX_MEMBERS) {
      throw new AppError('CAMPAIGN_NOT_EDITABLE', {
        message: `A campaign has at most ${MAX_MEMBERS} candidates.`,
      });
    }
    return {
      members: [...campaign.members, member],
      audit: 'member.add',
      member: member.candidateId,
      before: null,
      after: member,
    };
  });
}

/** Changes a candidate's name, picture, description or group; allowed until the campaign ends. */
export function updateMember(
  store: CampaignStore,
  actor: Actor,
  campaignId: string,
  candidateId: string,
  body: UpdateCampaignMemberBody,
): Promise<CampaignDoc> {
  return changeMembers(store, actor, campaignId, (campaign) => {
    assertNotOver(campaign, 'edited');
    const before = memberOf(campaign, candidateId);
    const after: CampaignMember = { ...before, candidateId, name: body.name ?? before.name };
    if (body.imageUrl !== undefined) after.imageUrl = body.imageUrl;
    if (body.description !== undefined) after.description = body.description;
    if (body.group !== undefined) after.group = body.group;
    return {
      members: campaign.members.map((m) => (m.candidateId === candidateId ? after : m)),
      audit: 'member.update',
      member: candidateId,
      before,
      after,
    };
  });
}

/**
 * Removes a candidate, only before the campaign has gone live: from then votes for it may
 * exist, and taking it off the board would leave them counted in the totals but nowhere else.
 * A participant's entry that became the candidate is removed with it (its author reads so, and
 * may send another in its place).
 */
export function removeMember(
  store: CampaignStore,
  actor: Actor,
  campaignId: string,
  candidateId: string,
): Promise<CampaignDoc> {
  return changeMembers(store, actor, campaignId, (campaign) => {
    const before = memberOf(campaign, candidateId);
    if (mayHaveVotes(campaign.status)) {
      throw new AppError('CAMPAIGN_NOT_EDITABLE', {
        message:
          'Candidates cannot be removed once the campaign has gone live: votes for them may exist. ' +
          'Edit the candidate instead.',
        details: { status: campaign.status, candidateId },
      });
    }
    return {
      members: campaign.members.filter((m) => m.candidateId !== candidateId),
      removed: candidateId,
      audit: 'member.remove',
      member: candidateId,
      before,
      after: null,
    };
  });
}
