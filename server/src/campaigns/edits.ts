import type { CampaignDoc } from '@rallyboard/core/db';
import {
  AppError,
  type CampaignStatus,
  type UpdateCampaignBody,
  weekStartOf,
} from '@rallyboard/core/protocol';
import type { HostPrincipal } from '../hosts/principal.js';

/**
 * What may change in which status. Votes can exist from `live` on, so from then the candidates
 * and the rules stand: a candidate may be added or renamed but not removed, and quotas do not
 * move under voters. The kind never changes (the update body has no such field).
 *
 * | field                                      | draft, scheduled | live, paused, frozen        | ended | archived |
 * | ------------------------------------------ | ---------------- | --------------------------- | ----- | -------- |
 * | title, description, coverImageUrl, visibility, tags | yes    | yes                         | yes   | no       |
 * | hostIds (admins only)                      | yes              | yes                         | yes   | no       |
 * | members                                    | yes              | add and edit, never remove  | no    | no       |
 * | schedule                                   | yes              | only a later end, still ahead | no  | no       |
 * | rules                                      | yes              | no                          | no    | no       |
 */
const PREPARING: readonly CampaignStatus[] = ['draft', 'scheduled'];
const RUNNING: readonly CampaignStatus[] = ['live', 'paused', 'frozen'];

/** Whether votes may exist for the campaign: it has been live. */
export const mayHaveVotes = (status: CampaignStatus): boolean => !PREPARING.includes(status);

function notEditable(message: string, details?: unknown): AppError {
  return new AppError('CAMPAIGN_NOT_EDITABLE', { message, ...(details === undefined ? {} : { details }) });
}

/** A campaign's fields in the form the audit log and the API show them. */
type Snapshot = Record<string, unknown>;

/** What a PATCH does: the fields to write, their values before and after, and what else follows. */
export interface UpdatePlan {
  set: Partial<CampaignDoc>;
  before: Snapshot;
  after: Snapshot;
  /** Candidates taken off (only before the campaign has votes): Redis must forget them too. */
  removedMembers: string[];
  /** Title, members, timezone, the end or rules changed: the board must be registered again. */
  boardChanged: boolean;
  /** The schedule changed: its start and end jobs must be added for the new times. */
  scheduleChanged: boolean;
}

const snapshotOf = (campaign: CampaignDoc, field: keyof UpdateCampaignBody): unknown => {
  if (field === 'schedule') {
    return {
      startAt: new Date(campaign.schedule.startAt).toISOString(),
      endAt: new Date(campaign.schedule.endAt).toISOString(),
      timezone: campaign.schedule.timezone,
      weekStartsOn: weekStartOf(campaign.schedule),
    };
  }
  if (field === 'hostIds') return campaign.hostIds ?? [];
  return campaign[field] ?? null;
};

/** True when a schedule keeps the campaign's week start (one that leaves it out keeps it). */
const sameWeek = (campaign: CampaignDoc, next: { weekStartsOn?: number | undefined }): boolean =>
  next.weekStartsOn === undefined || next.weekStartsOn === weekStartOf(campaign.schedule);

/**
 * Checks a PATCH against the campaign's status and the actor's role, and plans it; throws
 * CAMPAIGN_NOT_EDITABLE (saying what may change), FORBIDDEN (co-hosts, for a host) or
 * INVALID_INPUT (quotas for a like campaign).
 */
export function planUpdate(
  campaign: CampaignDoc,
  body: UpdateCampaignBody,
  actor: Pick<HostPrincipal, 'role'>,
  now: Date = new Date(),
): UpdatePlan {
  const { status } = campaign;
  if (status === 'archived') throw notEditable('An archived campaign cannot be changed.');
  if (body.hostIds !== undefined && actor.role !== 'admin') {
    throw new AppError('FORBIDDEN', { message: "Only an admin may change a campaign's co-hosts." });
  }

  const set: Partial<CampaignDoc> = {};
  let removedMembers: string[] = [];
  if (body.title !== undefined) set.title = body.title;
  if (body.description !== undefined) set.description = body.description;
  if (body.coverImageUrl !== undefined) set.coverImageUrl = body.coverImageUrl;
  if (body.visibility !== undefined) set.visibility = body.visibility;
  if (body.tags !== undefined) set.tags = body.tags;
  if (body.hostIds !== undefined) set.hostIds = [...new Set(body.hostIds)];

  if (body.members !== undefined) {
    if (status === 'ended') throw notEditable('The candidates of an ended campaign cannot change.');
    const kept = new Set(body.members.map((m) => m.candidateId));
    removedMembers = campaign.members.map((m) => m.candidateId).filter((id) => !kept.has(id));
    if (removedMembers.length > 0 && mayHaveVotes(status)) {
      throw notEditable(
        'Candidates cannot be removed once the campaign has gone live: votes for them may exist. ' +
          'Candidates may still be added or edited.',
        { removed: removedMembers },
      );
    }
    set.members = body.members;
  }

  if (body.schedule !== undefined) {
    // A timezone left out keeps the campaign's, as a week start left out does.
    const next = { ...body.schedule, timezone: body.schedule.timezone ?? campaign.schedule.timezone };
    const endAt = new Date(next.endAt);
    if (status === 'ended') throw notEditable('The schedule of an ended campaign cannot change.');
    if (RUNNING.includes(status)) {
      const sameStart = new Date(next.startAt).getTime() === new Date(campaign.schedule.startAt).getTime();
      if (!sameStart || next.timezone !== campaign.schedule.timezone || !sameWeek(campaign, next)) {
        throw notEditable(
          'Once a campaign has gone live only its end may move; its start, timezone and week start stay as they are.',
        );
      }
    }
    if (status !== 'draft' && endAt.getTime() <= now.getTime()) {
      throw notEditable('The end of a scheduled or running campaign must be ahead.', { endAt: next.endAt });
    }
    set.schedule = {
      startAt: new Date(next.startAt),
      endAt,
      timezone: next.timezone,
      weekStartsOn: next.weekStartsOn ?? weekStartOf(campaign.schedule),
    };
  }

  if (body.rules !== undefined) {
    if (!PREPARING.includes(status)) {
      throw notEditable('The rules are fixed once the campaign has gone live.');
    }
    if (campaign.kind === 'like' && Object.values(body.rules).some((q) => q !== undefined)) {
      throw new AppError('INVALID_INPUT', {
        details: [{ path: 'body.rules', message: 'a like campaign takes no vote quotas' }],
      });
    }
    set.rules = body.rules;
  }

  const fields = Object.keys(body) as (keyof UpdateCampaignBody)[];
  const before = Object.fromEntries(fields.map((f) => [f, snapshotOf(campaign, f)]));
  const changed = { ...campaign, ...set };
  const after = Object.fromEntries(fields.map((f) => [f, snapshotOf(changed, f)]));
  return {
    set,
    before,
    after,
    removedMembers,
    boardChanged:
      set.title !== undefined ||
      set.members !== undefined ||
      set.rules !== undefined ||
      set.tags !== undefined ||
      (set.schedule !== undefined &&
        (set.schedule.timezone !== campaign.schedule.timezone ||
          !sameWeek(campaign, set.schedule) ||
          // Ingest refuses votes from the end its board records.
          set.schedule.endAt.getTime() !== new Date(campaign.schedule.endAt).getTime())),
    scheduleChanged:
      set.schedule !== undefined &&
      (set.schedule.startAt.getTime() !== new Date(campaign.schedule.startAt).getTime() ||
        set.schedule.endAt.getTime() !== new Date(campaign.schedule.endAt).getTime()),
  };
}
