import type { Config } from '@rallyboard/core/config';
import { type EntryDoc, entryImageUrl } from '@rallyboard/core/db';
import type { EntryStatus, EntryView, ModerationEntry } from '@rallyboard/core/protocol';

/** An entry image's public address, from this deployment's public URL. */
export const entryImageUrlOf = (config: Pick<Config, 'http'>, imageId: string): string =>
  entryImageUrl(config.http.publicUrl, imageId);

/** Statuses whose pictures are deleted: none is shown. */
const PICTURES_GONE: ReadonlySet<EntryStatus> = new Set(['rejected', 'withdrawn', 'removed']);

/** An entry as its author sees it: no checks' details, no address. */
export function entryView(entry: EntryDoc, config: Pick<Config, 'http'>): EntryView {
  return {
    id: entry._id,
    campaignId: entry.campaignId,
    title: entry.title,
    ...(entry.text === undefined ? {} : { text: entry.text }),
    images: PICTURES_GONE.has(entry.status)
      ? []
      : entry.images.map((i) => ({ imageId: i.imageId, url: entryImageUrlOf(config, i.imageId) })),
    status: entry.status,
    ...(entry.reason === undefined ? {} : { reason: entry.reason }),
    ...(entry.candidateId === undefined ? {} : { candidateId: entry.candidateId }),
    history: entry.history.map((e) => ({
      status: e.status,
      at: new Date(e.at).toISOString(),
      ...(e.note === undefined ? {} : { note: e.note }),
    })),
    createdAt: new Date(entry.createdAt).toISOString(),
    updatedAt: new Date(entry.updatedAt).toISOString(),
  };
}

/** An entry in the moderation queue: with its checks and where it came from. */
export function moderationView(
  entry: EntryDoc,
  config: Pick<Config, 'http'>,
  counts: { sameDevice: number; sameAddress: number },
): ModerationEntry {
  return {
    ...entryView(entry, config),
    author: {
      participantId: entry.userId,
      ip: entry.ip,
      ...(entry.deviceId === undefined ? {} : { deviceId: entry.deviceId }),
    },
    checks: {
      text: entry.textCheck,
      images: entry.images.map((i) => i.check),
      ...(entry.checkNote === undefined ? {} : { note: entry.checkNote }),
    },
    ...counts,
  };
}
