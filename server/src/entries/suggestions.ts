import { type EntryDoc, type EntryModels, progressOf, suggestionSubject } from '@rallyboard/core/db';
import type { Logger } from '@rallyboard/core/logger';
import {
  AppError,
  type MoveSuggestionBody,
  SUGGESTION_MOVES,
  type SuggestionView,
} from '@rallyboard/core/protocol';
import { type NotificationJob, queueNotificationEvent } from '@rallyboard/core/queue';
import { type KeyBuilder, type RedisClient, withLock } from '@rallyboard/core/redis';
import type { Queue } from 'bullmq';
import type { Connection } from 'mongoose';
import type { AuditLog } from '../audit/log.js';
import type { HostPrincipal } from '../hosts/principal.js';
import { campaignEntrySettings } from './entries.js';
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
  logger: Logger;
  now: () => number;
}

/** A suggestion as anyone sees it: approved, with its status, latest reply and timeline. */
function suggestionView(entry: EntryDoc, config: SuggestionDeps['config']): SuggestionView {
  const base = entryView(entry, config);
  const progress = progressOf(entry);
  return {
    id: base.id,
    campaignId: base.campaignId,
    candidateId: entry.candidateId ?? entry._id,
    title: base.title,
    ...(base.text === undefined ? {} : { text: base.text }),
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
 * Whether the campaign is a published suggestion box; else CAMPAIGN_NOT_FOUND (a draft or an
 * archived campaign shows nothing, as its public page does not).
 */
async function suggestionBox(
  deps: Pick<SuggestionDeps, 'entries' | 'mongo'>,
  campaignId: string,
): Promise<void> {
  const { campaign, settings } = await campaignEntrySettings(deps, campaignId);
  if (campaign.status === 'archived') throw new AppError('CAMPAIGN_NOT_FOUND');
  if (settings?.purpose !== 'suggestions') {
    throw new AppError('CAMPAIGN_NOT_FOUND', { message: 'The campaign is not a suggestion box.' });
  }
}

/** A suggestion box's approved suggestions, oldest first. */
export async function listSuggestions(deps: SuggestionDeps, campaignId: string): Promise<SuggestionView[]> {
  await suggestionBox(deps, campaignId);
  const entries = await deps.entries.entries
    .find({ campaignId, status: 'approved' })
    .sort({ createdAt: 1 })
    .limit(500)
    .lean<EntryDoc[]>();
  return entries.map((e) => suggestionView(e, deps.config));
}

/** One approved suggestion, with its timeline; ENTRY_NOT_FOUND for anything else. */
export async function readSuggestion(deps: SuggestionDeps, campaignId: string, entryId: string) {
  await suggestionBox(deps, campaignId);
  const entry = await deps.entries.entries.findById(entryId).lean<EntryDoc>();
  if (!entry || entry.campaignId !== campaignId || entry.status !== 'approved')
    throw new AppError('ENTRY_NOT_FOUND');
  return suggestionView(entry, deps.config);
}

/**
 * Moves a suggestion on (under its entry's lock): forward only, with the reply adopted and
 * answered need; audited; and its move queued for everyone who asked to hear of it (the author
 * and supporters holding a grant for the move from its current status).
 */
export async function moveSuggestion(
  deps: SuggestionDeps,
  actor: { host: HostPrincipal; ip: string },
  campaignId: string,
  entryId: string,
  body: MoveSuggestionBody,
): Promise<SuggestionView> {
  await suggestionBox(deps, campaignId);
  const { entry, from } = await withLock(deps.redis, deps.keys.entryLock(entryId), async () => {
    const found = await deps.entries.entries.findById(entryId).lean<EntryDoc>();
    if (!found || found.campaignId !== campaignId || found.status !== 'approved')
      throw new AppError('ENTRY_NOT_FOUND');
    const current = progressOf(found);
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
    return { entry: { ...found, progress }, from: current.status };
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
    after: { status: body.status, ...(body.reply ? { reply: body.reply } : {}) },
  });
  return suggestionView(entry, deps.config);
}
