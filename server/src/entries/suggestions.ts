import {
  type EntryDoc,
  type EntryModels,
  findCampaign,
  progressOf,
  suggestionSubject,
} from '@rallyboard/core/db';
import type { Logger } from '@rallyboard/core/logger';
import {
  AppError,
  type CampaignMember,
  type MoveSuggestionBody,
  SUGGESTION_MOVES,
  type SuggestionView,
} from '@rallyboard/core/protocol';
import { type NotificationJob, queueNotificationEvent } from '@rallyboard/core/queue';
import { type KeyBuilder, type RedisClient, withLock } from '@rallyboard/core/redis';
import type { Queue } from 'bullmq';
import type { Connection } from 'mongoose';
import type { AuditLog } from '../audit/log.js';
import { type CandidateTextCheck, withChecks } from '../campaigns/text-check.js';
import type { HostPrincipal } from '../hosts/principal.js';
import { entryView } from './views.js';

/** What a suggestion box's reads and moves work with. */
export interface SuggestionDeps {
  mongo: Connection;
  redis: RedisClient;
  keys: KeyBuilder;
  entries: EntryModels;
  config: Parameters<typeof entryView>[1];
  audit: AuditLog;
  notificationQueue: Queue<NotificationJob>;
  /** WeChat's check of the public replies a host writes, as the host's (as candidate text is). */
  checkTexts: CandidateTextCheck;
  logger: Logger;
  now: () => number;
}

/** A published suggestion box's candidates, by id: only an approved entry still among them is shown. */
type Candidates = ReadonlyMap<string, CampaignMember>;

/**
 * A suggestion as anyone sees it: approved and still a candidate, with its status, latest reply
 * and timeline. The title and text are the candidate's name and description as they stand: a
 * host's edit of the candidate (checked as the host's text) replaces the entry's own everywhere
 * public, and the author alone still reads what they sent (我的报名).
 */
function suggestionView(
  entry: EntryDoc,
  candidate: CampaignMember,
  config: SuggestionDeps['config'],
): SuggestionView {
  const base = entryView(entry, config);
  const progress = progressOf(entry);
  return {
    id: base.id,
    campaignId: base.campaignId,
    candidateId: candidate.candidateId,
    title: candidate.name,
    ...(candidate.description ? { text: candidate.description } : {}),
    images: base.images,
    status: progress.status,
    ...(progress.reply === undefined ? {} : { reply: progress.reply }),
    timeline: progress.history.map((step) => ({
      status: step.status,
      at: new Date(step.at).toISOString(),
      ...(step.reply === undefined ? {} : { reply: step.reply }),
    })),
  };
}

/**
 * The candidates of a published suggestion box; else CAMPAIGN_NOT_FOUND (a draft or an archived
 * campaign shows nothing, as its public page does not).
 */
async function suggestionBox(
  deps: Pick<SuggestionDeps, 'entries' | 'mongo'>,
  campaignId: string,
): Promise<Candidates> {
  const [campaign, settings] = await Promise.all([
    findCampaign(deps.mongo, campaignId),
    deps.entries.settings.findById(campaignId, { purpose: 1 }).lean(),
  ]);
  if (!campaign || campaign.status === 'draft' || campaign.status === 'archived') {
    throw new AppError('CAMPAIGN_NOT_FOUND');
  }
  if (settings?.purpose !== 'suggestions') {
    throw new AppError('CAMPAIGN_NOT_FOUND', { message: 'The campaign is not a suggestion box.' });
  }
  return new Map(campaign.members.map((m) => [m.candidateId, m]));
}

/**
 * The box's suggestion `entryId` with its candidate: approved and still a candidate, else
 * ENTRY_NOT_FOUND. Both are asked, so an entry whose candidate a host removed is never shown,
 * even if its own move to `removed` did not happen.
 */
async function publishedSuggestion(
  deps: SuggestionDeps,
  candidates: Candidates,
  campaignId: string,
  entryId: string,
): Promise<{ entry: EntryDoc; candidate: CampaignMember }> {
  const entry = await deps.entries.entries.findById(entryId).lean<EntryDoc>();
  const candidate = entry?.candidateId === undefined ? undefined : candidates.get(entry.candidateId);
  if (!entry || entry.campaignId !== campaignId || entry.status !== 'approved' || !candidate) {
    throw new AppError('ENTRY_NOT_FOUND');
  }
  return { entry, candidate };
}

/** A suggestion box's approved suggestions that are still candidates, oldest first. */
export async function listSuggestions(deps: SuggestionDeps, campaignId: string): Promise<SuggestionView[]> {
  const candidates = await suggestionBox(deps, campaignId);
  const entries = await deps.entries.entries
    .find({ campaignId, status: 'approved', candidateId: { $in: [...candidates.keys()] } })
    .sort({ createdAt: 1 })
    .limit(500)
    .lean<EntryDoc[]>();
  return entries.flatMap((e) => {
    const candidate = e.candidateId === undefined ? undefined : candidates.get(e.candidateId);
    return candidate ? [suggestionView(e, candidate, deps.config)] : [];
  });
}

/** One published suggestion, with its timeline; ENTRY_NOT_FOUND for anything else. */
export async function readSuggestion(deps: SuggestionDeps, campaignId: string, entryId: string) {
  const candidates = await suggestionBox(deps, campaignId);
  const { entry, candidate } = await publishedSuggestion(deps, candidates, campaignId, entryId);
  return suggestionView(entry, candidate, deps.config);
}

/** CONTENT_RISKY and CONTENT_NEEDS_REVIEW of a reply, naming the field WeChat refused. */
function asReplyRefusal(error: unknown): unknown {
  if (
    !(error instanceof AppError) ||
    (error.code !== 'CONTENT_RISKY' && error.code !== 'CONTENT_NEEDS_REVIEW')
  ) {
    return error;
  }
  return new AppError(error.code, { details: { fields: ['reply'] }, cause: error });
}

/**
 * Moves a suggestion on (under its entry's lock): forward only, with the reply adopted and
 * answered need; the reply is public and goes out in 进度通知, so WeChat judges it as the host's
 * first (before the lock: WeChat may take seconds); audited; and its move queued for everyone who
 * asked to hear of it (the author and supporters holding a grant for the move from its current
 * status).
 */
export async function moveSuggestion(
  deps: SuggestionDeps,
  actor: { host: HostPrincipal; ip: string },
  campaignId: string,
  entryId: string,
  body: MoveSuggestionBody,
): Promise<SuggestionView> {
  const candidates = await suggestionBox(deps, campaignId);
  // Refused before WeChat is asked: no such suggestion, or not one published.
  await publishedSuggestion(deps, candidates, campaignId, entryId);
  const checks = body.reply
    ? await deps
        .checkTexts(actor, [{ candidateId: entryId, name: '建议答复', description: body.reply }], [])
        .catch((error: unknown) => Promise.reject(asReplyRefusal(error)))
    : [];
  const { entry, candidate, from } = await withLock(deps.redis, deps.keys.entryLock(entryId), async () => {
    const found = await publishedSuggestion(deps, candidates, campaignId, entryId);
    const current = progressOf(found.entry);
    if (!SUGGESTION_MOVES[current.status].includes(body.status)) {
      throw new AppError('SUGGESTION_MOVE_NOT_ALLOWED', {
        details: { from: current.status, to: body.status, allowed: SUGGESTION_MOVES[current.status] },
      });
    }
    const step = {
      status: body.status,
      at: new Date(deps.now()),
      ...(body.reply ? { reply: body.reply } : {}),
    };
    const progress = {
      status: body.status,
      ...(body.reply ? { reply: body.reply } : current.reply ? { reply: current.reply } : {}),
      history: [...current.history, step],
    };
    await deps.entries.entries.updateOne({ _id: entryId }, { $set: { progress } });
    return { entry: { ...found.entry, progress }, candidate: found.candidate, from: current.status };
  });
  // Its followers hear of it whatever becomes of the audit entry (the event's id makes it once).
  try {
    await queueNotificationEvent(deps.notificationQueue, {
      event: 'suggestion-progress',
      campaignId,
      subject: suggestionSubject(entryId, from),
    });
  } catch (error) {
    deps.logger.warn({ err: error, entryId }, 'progress message not queued');
  }
  await deps.audit({
    actor: actor.host,
    ip: actor.ip,
    action: 'suggestion.progress',
    target: { type: 'entry', id: entryId },
    campaignId,
    before: { status: from },
    after: withChecks({ status: body.status, ...(body.reply ? { reply: body.reply } : {}) }, checks),
  });
  return suggestionView(entry, candidate, deps.config);
}
