import { type EntryDoc, type EntryImageRef, entryImageUrl } from '@rallyboard/core/db';
import type { CheckState } from '@rallyboard/core/protocol';
import { type EntryJob, isStoreUnavailable, queueEntryJob } from '@rallyboard/core/queue';
import { type WeChatApi, WeChatError, WeChatTransportError } from '@rallyboard/core/wechat';
import type { Queue } from 'bullmq';
import { type SettleDeps, settleEntry } from './settle.js';

/** What asking WeChat about an entry works with. */
export interface CheckDeps extends SettleDeps {
  wechat: Pick<WeChatApi, 'msgSecCheck' | 'mediaCheckAsync'>;
  queue: Queue<EntryJob>;
}

/** msgSecCheck and mediaCheckAsync's scene: 1 资料 (a candidate's profile is what an entry becomes). */
const SCENE = 1;

/** WeChat did not answer, asked us to slow down, or was not asked (no access token): worth asking again later. */
const retryable = (error: unknown): boolean =>
  error instanceof WeChatTransportError ||
  isStoreUnavailable(error) ||
  (error instanceof WeChatError &&
    (error.code === 'WECHAT_UNAVAILABLE' || error.code === 'WECHAT_RATE_LIMITED'));

const why = (error: unknown): string =>
  error instanceof WeChatError
    ? `WeChat refused the check (${error.errcode})`
    : error instanceof WeChatTransportError
      ? `WeChat did not answer (${error.failure})`
      : `the check could not run (${error instanceof Error ? error.message : String(error)})`;

/**
 * One check: its verdict or trace id, or `unchecked` with why when WeChat refused it for good.
 * Throws (so the job retries with backoff) while WeChat does not answer, unless this is the
 * job's last attempt: then the check is `unchecked` too, and the entry goes to a host.
 */
async function ask<T>(call: () => Promise<T>, last: boolean): Promise<{ ok: T } | { note: string }> {
  try {
    return { ok: await call() };
  } catch (error) {
    if (retryable(error) && !last) throw error;
    return { note: why(error) };
  }
}

/**
 * Asks WeChat about a pending entry: its title and text (msgSecCheck, answered at once) and
 * each image not asked about yet (mediaCheckAsync: a trace id now, the verdict later by push).
 * Each answer is saved as it comes, so a retry never asks twice. Then the images' verdicts get a
 * deadline (`expire`), and the entry is settled as far as it can be. The caller holds its lock.
 */
export async function checkEntry(
  deps: CheckDeps,
  entry: EntryDoc,
  last: boolean,
): Promise<EntryDoc['status']> {
  if (entry.status !== 'pending') return entry.status;
  const notes: string[] = entry.checkNote ? [entry.checkNote] : [];
  const save = (fields: Partial<EntryDoc>) =>
    deps.entries.entries
      .updateOne({ _id: entry._id }, { $set: fields })
      .then(() => Object.assign(entry, fields));
  if (entry.textCheck === 'waiting') {
    const content = entry.text ?? entry.title;
    const answer = await ask(
      () => deps.wechat.msgSecCheck({ openid: entry.openid, scene: SCENE, content, title: entry.title }),
      last,
    );
    const textCheck: CheckState = 'ok' in answer ? answer.ok.suggest : 'unchecked';
    if ('note' in answer) notes.push(`text: ${answer.note}`);
    await save({ textCheck, ...(notes.length > 0 ? { checkNote: notes.join('; ') } : {}) });
  }
  const publicUrl = deps.config.http.publicUrl;
  for (const image of entry.images) {
    if (image.check !== 'waiting' || image.traceId !== undefined) continue;
    if (!publicUrl.startsWith('https://')) {
      image.check = 'unchecked';
      notes.push('images: PUBLIC_URL is not https, so WeChat cannot fetch them');
    } else {
      const answer = await ask(
        () =>
          deps.wechat.mediaCheckAsync({
            mediaUrl: entryImageUrl(publicUrl, image.imageId),
            mediaType: 2,
            scene: SCENE,
            openid: entry.openid,
          }),
        last,
      );
      if ('ok' in answer) image.traceId = answer.ok.traceId;
      else {
        image.check = 'unchecked';
        notes.push(`image: ${answer.note}`);
      }
    }
    await save({
      images: entry.images as EntryImageRef[],
      ...(notes.length > 0 ? { checkNote: [...new Set(notes)].join('; ') } : {}),
    });
  }
  if (entry.images.some((i) => i.check === 'waiting')) {
    await queueEntryJob(
      deps.queue,
      { kind: 'expire', entryId: entry._id },
      deps.config.entries.checkTimeoutMinutes * 60_000,
    );
  }
  return settleEntry(deps, entry);
}

/** The images' verdicts are overdue: those still out are `unchecked`, and the entry settles (to a host). */
export async function expireEntry(deps: SettleDeps, entry: EntryDoc): Promise<EntryDoc['status']> {
  if (entry.status !== 'pending') return entry.status;
  const settled = await settleEntry(deps, entry);
  if (settled !== 'pending') return settled;
  let overdue = false;
  for (const image of entry.images) {
    if (image.check === 'waiting' && image.traceId !== undefined) {
      image.check = 'unchecked';
      overdue = true;
    }
  }
  if (!overdue) return 'pending';
  const note = `no image verdict within ${deps.config.entries.checkTimeoutMinutes} minutes`;
  await deps.entries.entries.updateOne(
    { _id: entry._id },
    { $set: { images: entry.images, checkNote: entry.checkNote ? `${entry.checkNote}; ${note}` : note } },
  );
  return settleEntry(deps, entry);
}
