import { type EntryDoc, type EntryModels, progressOf, suggestionSubject } from '@rallyboard/core/db';
import { type NotificationEvent, REVIEWED, type SubscriptionAnswer } from '@rallyboard/core/protocol';
import { type NotificationJob, queueLateGrantEvent } from '@rallyboard/core/queue';
import type { Queue } from 'bullmq';
import { whenAvailable } from '../lib/when-available.js';

export interface LateGrantDeps {
  entries: EntryModels;
  notificationQueue: Queue<NotificationJob>;
}

/**
 * A subject event that happened while its grant was being recorded (the entry decided, the
 * suggestion moved on, between the check above and the grant's insert) may have run its fan-out
 * or send before the grant was there: it is queued again (a moment later, under an id of its own,
 * past a run of it still going), and its send, finding the grant now, goes out once. The entry is
 * read after the insert, so a decision or move written after this read finds the grant itself.
 * A grant held already is caught up too: it is the author's asking again after a request whose
 * catch-up was not queued (it answered 503, or never answered), and a send that went out stays
 * done. Queueing that fails answers 503 SERVICE_UNAVAILABLE.
 */
export async function queueLateGrantEvents(
  deps: LateGrantDeps,
  { campaignId, userId }: { campaignId: string; userId: string },
  subjects: ReadonlyMap<NotificationEvent, string>,
  grants: SubscriptionAnswer['grants'],
): Promise<void> {
  const fresh = grants.filter((g) => g.recorded !== 'used' && subjects.has(g.event));
  const [first] = fresh;
  if (!first) return;
  const entryId = (subjects.get(first.event) ?? '').split('@')[0];
  const entry = await whenAvailable(() => deps.entries.entries.findById(entryId).lean<EntryDoc>());
  if (!entry) return;
  for (const { event } of fresh) {
    const subject = subjects.get(event) ?? '';
    const happened =
      event === 'entry-reviewed'
        ? REVIEWED.includes(entry.status)
        : entry.status === 'approved' && subject !== suggestionSubject(entry._id, progressOf(entry).status);
    if (!happened) continue;
    await whenAvailable(() =>
      queueLateGrantEvent(deps.notificationQueue, { event, campaignId, subject }, userId),
    );
  }
}
