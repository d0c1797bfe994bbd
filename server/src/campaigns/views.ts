import type { CampaignDoc } from '@rallyboard/core/db';
import {
  type CampaignMember,
  type CampaignView,
  groupsOf,
  isPublished,
  type PublicCampaign,
  weekStartOf,
} from '@rallyboard/core/protocol';

/** A member as stored, without the empty optional fields a document may carry. */
function memberView(member: CampaignMember): CampaignMember {
  return {
    candidateId: member.candidateId,
    name: member.name,
    ...(member.imageUrl === undefined ? {} : { imageUrl: member.imageUrl }),
    ...(member.description === undefined ? {} : { description: member.description }),
    ...(member.group === undefined ? {} : { group: member.group }),
    ...(member.tags === undefined || member.tags.length === 0 ? {} : { tags: member.tags }),
  };
}

const scheduleView = (schedule: CampaignDoc['schedule']) => ({
  startAt: new Date(schedule.startAt).toISOString(),
  endAt: new Date(schedule.endAt).toISOString(),
  timezone: schedule.timezone,
  weekStartsOn: weekStartOf(schedule),
});

/** What hosts and participants both see of a campaign. */
const baseView = (doc: CampaignDoc) => ({
  id: doc._id,
  title: doc.title,
  description: doc.description ?? '',
  ...(doc.coverImageUrl === undefined ? {} : { coverImageUrl: doc.coverImageUrl }),
  kind: doc.kind,
  members: doc.members.map(memberView),
  groups: groupsOf(doc.members),
  schedule: scheduleView(doc.schedule),
  ...(doc.tags === undefined || doc.tags.length === 0 ? {} : { tags: doc.tags }),
});

/** A campaign as its hosts see it. */
export function campaignView(doc: CampaignDoc): CampaignView {
  const rules = doc.rules ?? {};
  return {
    ...baseView(doc),
    visibility: doc.visibility,
    rules: {
      ...(rules.votesPerUserPerDay === undefined ? {} : { votesPerUserPerDay: rules.votesPerUserPerDay }),
      ...(rules.votesPerUserPerCandidatePerDay === undefined
        ? {}
        : { votesPerUserPerCandidatePerDay: rules.votesPerUserPerCandidatePerDay }),
      ...(rules.votesPerUserTotal === undefined ? {} : { votesPerUserTotal: rules.votesPerUserTotal }),
    },
    status: doc.status,
    createdBy: doc.createdBy,
    hostIds: doc.hostIds ?? [],
    screenWindow: doc.screenWindow ?? 'all',
    screenView: doc.screenView ?? 'candidates',
    createdAt: new Date(doc.createdAt).toISOString(),
    updatedAt: new Date(doc.updatedAt).toISOString(),
  };
}

/**
 * A campaign as participants see it: what it is, its candidates and schedule, and its quotas;
 * not who runs it, nor its visibility. Only for a published campaign (see isPublished).
 */
export function publicCampaignView(doc: CampaignDoc): PublicCampaign {
  if (!isPublished(doc.status)) throw new Error(`campaign ${doc._id} is not published`);
  const rules = doc.rules ?? {};
  return {
    ...baseView(doc),
    status: doc.status as PublicCampaign['status'],
    quotas: {
      perDay: rules.votesPerUserPerDay ?? null,
      perCandidatePerDay: rules.votesPerUserPerCandidatePerDay ?? null,
      total: rules.votesPerUserTotal ?? null,
    },
  };
}
