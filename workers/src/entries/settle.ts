import { type AdmitDeps, admitCandidate } from '@rallyboard/core/campaigns';
import type { Config } from '@rallyboard/core/config';
import {
  deleteEntryImages,
  type EntryDoc,
  type EntryModels,
  type EntrySettingsDoc,
  type MediaCheckDoc,
  memberOfEntry,
  moveEntry,
  type WeChatPushModels,
} from '@rallyboard/core/db';
import type { Logger } from '@rallyboard/core/logger';
import { AppError, type CheckState, RISKY_REASON } from '@rallyboard/core/protocol';
import type { Connection } from 'mongoose';

/** What settling an entry works with. */
export interface SettleDeps extends AdmitDeps {
  /** Queues the author's review message (entry-reviewed) once the checks decided the entry. */
  notify(entry: Pick<EntryDoc, '_id' | 'campaignId'>): Promise<void>;
  mongo: Connection;
  entries: EntryModels;
  pushes: WeChatPushModels;
  logger: Logger;
  config: Pick<Config, 'http' | 'boards' | 'entries'>;
  now: () => number;
}

/**
 * Fills in the verdicts that came by push (mediaChecks, by trace id) of the images whose check is
 * `state` (waiting for one, or given up on); answers whether any did.
 */
async function readVerdicts(
  deps: SettleDeps,
  entry: EntryDoc,
  state: 'waiting' | 'unchecked' = 'waiting',
): Promise<boolean> {
  const waiting = entry.images.filter((i) => i.check === state && i.traceId !== undefined);
  if (waiting.length === 0) return false;
  const traceIds = waiting.flatMap((i) => (i.traceId === undefined ? [] : [i.traceId]));
  const verdicts = await deps.pushes.mediaChecks.find().where('_id').in(traceIds).lean<MediaCheckDoc[]>();
  const byTrace = new Map(verdicts.map((v) => [v._id, v.suggest]));
  let changed = false;
  for (const image of entry.images) {
    const verdict = image.traceId === undefined ? undefined : byTrace.get(image.traceId);
    if (image.check === state && verdict !== undefined) {
      image.check = verdict;
      changed = true;
    }
  }
  if (changed) await deps.entries.entries.updateOne({ _id: entry._id }, { $set: { images: entry.images } });
  return changed;
}

/** What the checks say: refuse, wait, ask a host, or pass. */
function judge(entry: EntryDoc): 'risky' | 'waiting' | 'review' | 'pass' {
  const states: CheckState[] = [entry.textCheck, ...entry.images.map((i) => i.check)];
  if (states.includes('risky')) return 'risky';
  if (states.includes('waiting')) return 'waiting';
  if (states.includes('review') || states.includes('unchecked')) return 'review';
  return 'pass';
}

/**
 * Moves a pending entry on from its checks, under its lock (the caller's): a risky text or image
 * rejects it (its images deleted: never shown); a check still out leaves it pending; a `review`
 * or a check that could not run sends it to the hosts; all `pass` sends it to the hosts, or makes
 * it a candidate when the campaign approves automatically. Answers where it ended.
 */
export async function settleEntry(deps: SettleDeps, entry: EntryDoc): Promise<EntryDoc['status']> {
  if (entry.status !== 'pending') return settleLateVerdict(deps, entry);
  await readVerdicts(deps, entry);
  const verdict = judge(entry);
  const now = new Date(deps.now());
  if (verdict === 'waiting') return 'pending';
  if (verdict === 'risky') {
    // The pictures go first: a move that then fails is retried, and they are never shown.
    await deleteEntryImages(
      deps.mongo,
      entry.images.map((i) => i.imageId),
    );
    await moveEntry(
      deps.entries,
      entry._id,
      ['pending'],
      'rejected',
      { reason: RISKY_REASON, decidedBy: 'auto' },
      RISKY_REASON,
      now,
    );
    await deps.notify(entry);
    return 'rejected';
  }
  const settings = await deps.entries.settings.findById(entry.campaignId).lean<EntrySettingsDoc>();
  if (verdict === 'pass' && settings?.approval === 'auto') {
    const member = memberOfEntry(entry, deps.config.http.publicUrl);
    try {
      await admitCandidate(deps, entry.campaignId, member);
      await moveEntry(
        deps.entries,
        entry._id,
        ['pending'],
        'approved',
        { candidateId: member.candidateId, decidedBy: 'auto' },
        undefined,
        now,
      );
      await deps.notify(entry);
      return 'approved';
    } catch (error) {
      // The campaign ended (or is full) meanwhile: a host sees it, and decides. Anything else
      // (a store that did not answer, the campaign's lock busy past its wait) is the job's to retry.
      if (!(error instanceof AppError && error.code === 'CAMPAIGN_NOT_EDITABLE')) throw error;
      deps.logger.warn({ err: error, entryId: entry._id }, 'entry not admitted automatically');
    }
  }
  await moveEntry(deps.entries, entry._id, ['pending'], 'in-review', {}, undefined, now);
  return 'in-review';
}

/**
 * A verdict that came after its image was given up on (`unchecked`: the entry went to the hosts,
 * who may have decided it): written on the image. A `risky` one takes the entry's pictures down
 * (deleted: never shown again), and rejects the entry if the hosts have not decided it yet; a
 * candidate already made of it keeps its text, without the pictures.
 */
async function settleLateVerdict(deps: SettleDeps, entry: EntryDoc): Promise<EntryDoc['status']> {
  // A rejected or withdrawn entry's pictures are deleted already.
  if (entry.status === 'rejected' || entry.status === 'withdrawn') return entry.status;
  await readVerdicts(deps, entry, 'unchecked');
  // Whether this run read it or an earlier one that died before taking the pictures down did.
  if (!entry.images.some((i) => i.check === 'risky')) return entry.status;
  await deleteEntryImages(
    deps.mongo,
    entry.images.map((i) => i.imageId),
  );
  if (entry.status !== 'in-review') {
    deps.logger.warn(
      { entryId: entry._id, status: entry.status },
      'a picture WeChat found risky after its check gave up: the entry’s pictures are taken down',
    );
    return entry.status;
  }
  const now = new Date(deps.now());
  const fields = { reason: RISKY_REASON, decidedBy: 'auto' as const };
  const moved = await moveEntry(
    deps.entries,
    entry._id,
    ['in-review'],
    'rejected',
    fields,
    RISKY_REASON,
    now,
  );
  // A host decided it meanwhile: theirs stands, without the pictures.
  if (!moved)
    return (await deps.entries.entries.findById(entry._id, { status: 1 }).lean())?.status ?? entry.status;
  await deps.notify(entry);
  return 'rejected';
}
