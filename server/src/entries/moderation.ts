import { type AdmitDeps, admitCandidate } from '@rallyboard/core/campaigns';
import type { Config } from '@rallyboard/core/config';
import {
  type CampaignDoc,
  deleteEntryImages,
  type EntryDoc,
  type EntryModels,
  findEntryPage,
  memberOfEntry,
  moveEntry,
} from '@rallyboard/core/db';
import type { Logger } from '@rallyboard/core/logger';
import {
  AppError,
  type DecideEntriesAnswer,
  type DecideEntriesBody,
  type ModerationPage,
  type ModerationQuery,
} from '@rallyboard/core/protocol';
import { type NotificationJob, queueEntryReviewed } from '@rallyboard/core/queue';
import { withLock } from '@rallyboard/core/redis';
import type { Queue } from 'bullmq';
import type { Connection } from 'mongoose';
import type { AuditLog } from '../audit/log.js';
import type { HostPrincipal } from '../hosts/principal.js';
import { moderationView } from './views.js';

/** What hosts' moderation works with. */
export interface ModerationDeps extends AdmitDeps {
  mongo: Connection;
  entries: EntryModels;
  config: Pick<Config, 'http' | 'boards'>;
  audit: AuditLog;
  /** Where a decision queues the author's review message (entry-reviewed). */
  notificationQueue: Queue<NotificationJob>;
  logger: Logger;
  now: () => number;
}

/**
 * Queues the author's review message. The decision stands whatever happens here: a queue that
 * does not answer costs the message (logged), never the decision.
 */
async function tellAuthor(deps: ModerationDeps, campaignId: string, entryId: string): Promise<void> {
  try {
    await queueEntryReviewed(deps.notificationQueue, { _id: entryId, campaignId });
  } catch (error) {
    deps.logger.warn({ err: error, entryId }, 'review message not queued');
  }
}

/** How many of the campaign's entries came from each device and each address. */
async function originCounts(deps: ModerationDeps, campaignId: string) {
  const all = await deps.entries.entries
    .find({ campaignId }, { ip: 1, deviceId: 1 })
    .lean<Pick<EntryDoc, 'ip' | 'deviceId'>[]>();
  const devices = new Map<string, number>();
  const addresses = new Map<string, number>();
  for (const { ip, deviceId } of all) {
    addresses.set(ip, (addresses.get(ip) ?? 0) + 1);
    if (deviceId !== undefined) devices.set(deviceId, (devices.get(deviceId) ?? 0) + 1);
  }
  return (entry: EntryDoc) => ({
    sameDevice: entry.deviceId === undefined ? 1 : (devices.get(entry.deviceId) ?? 1),
    sameAddress: addresses.get(entry.ip) ?? 1,
  });
}

/**
 * The moderation queue: the campaign's entries in a status, oldest first, with their checks and
 * origins, a page at a time (`nextCursor` names where the next page starts; entries decided
 * meanwhile leave the queue without shifting it).
 */
export async function moderationQueue(
  deps: ModerationDeps,
  campaignId: string,
  query: ModerationQuery,
): Promise<ModerationPage> {
  const [page, countsOf] = await Promise.all([
    findEntryPage(deps.entries, campaignId, query.status, query),
    originCounts(deps, campaignId),
  ]);
  return {
    entries: page.items.map((entry) => moderationView(entry, deps.config, countsOf(entry))),
    nextCursor: page.nextCursor,
  };
}

type Outcome = DecideEntriesAnswer['results'][number];

/**
 * Decides entries, one at a time under each entry's lock (its checks and its author take it too).
 * Approving makes an in-review entry a candidate (admitCandidate: once, even when retried) and
 * then marks it approved; rejecting takes a pending or in-review entry off with the note as its
 * reason, and deletes its images. Each decision is in the audit log. An entry of another campaign
 * is `not-found`; one in another status, `not-in-review`.
 */
export async function decideEntries(
  deps: ModerationDeps,
  actor: { host: HostPrincipal; ip: string },
  campaign: CampaignDoc,
  body: DecideEntriesBody,
): Promise<Outcome[]> {
  const results: Outcome[] = [];
  for (const entryId of body.entryIds) {
    try {
      results.push(
        await withLock(
          deps.redis,
          deps.keys.entryLock(entryId),
          () => decideOne(deps, actor, campaign, entryId, body),
          DECISION_LOCK,
        ),
      );
    } catch (error) {
      // One entry refused (the campaign ended, a lock busy) leaves the others decided, and says so.
      if (!(error instanceof AppError)) throw error;
      results.push({ entryId, outcome: 'refused', code: error.code });
    }
  }
  return results;
}

/**
 * An approval admits the candidate under the campaign's lock (waiting up to 5 s, then a board
 * sync): the entry's lock outlasts that, so its author cannot withdraw it in between.
 */
const DECISION_LOCK = { ttlMs: 60_000, waitMs: 10_000 };

async function decideOne(
  deps: ModerationDeps,
  actor: { host: HostPrincipal; ip: string },
  campaign: CampaignDoc,
  entryId: string,
  body: DecideEntriesBody,
): Promise<Outcome> {
  const entry = await deps.entries.entries.findById(entryId).lean<EntryDoc>();
  if (!entry || entry.campaignId !== campaign._id) return { entryId, outcome: 'not-found' };
  const now = new Date(deps.now());
  const by = actor.host.hostId;
  if (body.decision === 'approve') {
    if (entry.status !== 'in-review') return { entryId, outcome: 'not-in-review' };
    const member = memberOfEntry(entry, deps.config.http.publicUrl);
    await admitCandidate(deps, campaign._id, member);
    const moved = await moveEntry(
      deps.entries,
      entryId,
      ['in-review'],
      'approved',
      { candidateId: member.candidateId, decidedBy: by },
      body.note,
      now,
    );
    if (!moved) return { entryId, outcome: 'not-in-review' };
    await auditDecision(deps, actor, campaign._id, entry, 'entry.approve', {
      status: 'approved',
      candidateId: member.candidateId,
    });
    await tellAuthor(deps, campaign._id, entryId);
    return { entryId, outcome: 'approved', candidateId: member.candidateId };
  }
  if (entry.status !== 'in-review' && entry.status !== 'pending')
    return { entryId, outcome: 'not-in-review' };
  // The pictures go first: a move that then fails leaves them gone, never shown under a rejection.
  await deleteEntryImages(
    deps.mongo,
    entry.images.map((i) => i.imageId),
  );
  const moved = await moveEntry(
    deps.entries,
    entryId,
    ['pending', 'in-review'],
    'rejected',
    { reason: body.note, decidedBy: by },
    body.note,
    now,
  );
  if (!moved) return { entryId, outcome: 'not-in-review' };
  await auditDecision(deps, actor, campaign._id, entry, 'entry.reject', {
    status: 'rejected',
    reason: body.note,
  });
  await tellAuthor(deps, campaign._id, entryId);
  return { entryId, outcome: 'rejected' };
}

function auditDecision(
  deps: ModerationDeps,
  actor: { host: HostPrincipal; ip: string },
  campaignId: string,
  entry: EntryDoc,
  action: 'entry.approve' | 'entry.reject',
  after: Record<string, unknown>,
): Promise<void> {
  return deps.audit({
    actor: actor.host,
    ip: actor.ip,
    action,
    target: { type: 'entry', id: entry._id },
    campaignId,
    before: { status: entry.status, title: entry.title },
    after,
  });
}
