import type { CampaignView } from '@rallyboard/core/protocol';
import type { CampaignInput } from './fields.js';

/**
 * What an edit sends: only what changed, since a live campaign refuses even an unchanged schedule
 * start or rules. The kind never changes. Empty when nothing did.
 */
export function editPayload(campaign: CampaignView, body: CampaignInput): Record<string, unknown> {
  const before: Record<string, unknown> = {
    title: campaign.title,
    description: campaign.description,
    visibility: campaign.visibility,
    schedule: campaign.schedule,
    rules: campaign.rules,
    members: campaign.members,
    tags: campaign.tags,
  };
  const payload: Record<string, unknown> = Object.fromEntries(
    Object.entries(body).filter(([k, v]) => k !== 'kind' && JSON.stringify(v) !== JSON.stringify(before[k])),
  );
  // Neither the form nor the view lists an empty set of tags: removing the last of them sends [].
  if (body.tags === undefined && campaign.tags !== undefined) payload.tags = [];
  // The inputs hold minutes: a time unchanged to the minute is the stored one, seconds and all.
  const minute = (iso: string) => Math.floor(Date.parse(iso) / 60_000);
  const schedule = {
    startAt:
      minute(body.schedule.startAt) === minute(campaign.schedule.startAt)
        ? campaign.schedule.startAt
        : body.schedule.startAt,
    endAt:
      minute(body.schedule.endAt) === minute(campaign.schedule.endAt)
        ? campaign.schedule.endAt
        : body.schedule.endAt,
    timezone: body.schedule.timezone,
    weekStartsOn: body.schedule.weekStartsOn,
  };
  if (JSON.stringify(schedule) === JSON.stringify(campaign.schedule)) delete payload.schedule;
  else payload.schedule = schedule;
  return payload;
}
