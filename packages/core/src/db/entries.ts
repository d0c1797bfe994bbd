import { randomBytes } from 'node:crypto';
import { type Connection, Schema } from 'mongoose';
import type { CheckState, EntrySettings, EntryStatus, SuggestionStatus } from '../protocol/entries.js';
import { ENTRY_STATUSES, HOLDS_A_PLACE, REMOVED_REASON } from '../protocol/entries.js';
import { deleteEntryImages } from './entry-images.js';
import { findPage, type Page } from './paging.js';

/**
 * Participants' entries (报名) and each campaign's entry settings. An entry is written by its
 * author's submission, moved by its content checks (the workers) and by hosts' decisions; its
 * `history` is the timeline its author sees.
 */

/** A campaign's entry settings (the campaign's id is the record's). */
export interface EntrySettingsDoc extends Omit<EntrySettings, 'opensAt' | 'closesAt'> {
  _id: string;
  opensAt: Date;
  closesAt: Date;
  updatedAt: Date;
}

/** One image of an entry, with its content check. */
export interface EntryImageRef {
  imageId: string;
  /** mediaCheckAsync's trace id, once the check was asked for; its verdict arrives by push. */
  traceId?: string | undefined;
  check: CheckState;
}

export interface EntryEvent {
  status: EntryStatus;
  at: Date;
  note?: string | undefined;
}

/** A suggestion's moves after its approval (政务建议), each with the public reply it came with. */
export interface SuggestionProgress {
  status: SuggestionStatus;
  reply?: string | undefined;
  history: { status: SuggestionStatus; at: Date; reply?: string | undefined }[];
}

export interface EntryDoc {
  _id: string;
  campaignId: string;
  /** The author: a participant id, and the openid the content checks name. */
  userId: string;
  openid: string;
  /** Where it was sent from, for the moderation queue (a farm shows as one device or address). */
  ip: string;
  deviceId?: string | undefined;
  title: string;
  text?: string | undefined;
  images: EntryImageRef[];
  status: EntryStatus;
  /** The text's check (msgSecCheck): `unchecked` when there is no text. */
  textCheck: CheckState;
  /** Why a check could not run, for hosts (WeChat refused the call, no verdict came in time). */
  checkNote?: string | undefined;
  /** A rejection's reason, as the author reads it. */
  reason?: string | undefined;
  /** The candidate it became. */
  candidateId?: string | undefined;
  /** Who decided: a host's id, or `auto` (auto-approval, or a risky check). */
  decidedBy?: string | undefined;
  /** The host who removed the candidate it became (when: its `removed` event). */
  removedBy?: string | undefined;
  /** A suggestion's moves since it was received (absent until the host first moves it). */
  progress?: SuggestionProgress | undefined;
  history: EntryEvent[];
  createdAt: Date;
  updatedAt: Date;
}

const settingsSchema = new Schema<EntrySettingsDoc>(
  {
    _id: { type: String, required: true },
    opensAt: { type: Date, required: true },
    closesAt: { type: Date, required: true },
    perParticipant: { type: Number, required: true },
    text: { type: String, required: true },
    minImages: { type: Number, required: true },
    maxImages: { type: Number, required: true },
    approval: { type: String, required: true },
    purpose: { type: String, required: true, default: 'contest' },
    updatedAt: { type: Date, required: true },
  },
  { collection: 'entrySettings', versionKey: false },
);

const eventSchema = new Schema<EntryEvent>(
  { status: { type: String, required: true }, at: { type: Date, required: true }, note: String },
  { _id: false },
);

const imageSchema = new Schema<EntryImageRef>(
  { imageId: { type: String, required: true }, traceId: String, check: { type: String, required: true } },
  { _id: false },
);

const entrySchema = new Schema<EntryDoc>(
  {
    _id: { type: String, required: true },
    campaignId: { type: String, required: true },
    userId: { type: String, required: true },
    openid: { type: String, required: true },
    ip: { type: String, required: true },
    deviceId: String,
    title: { type: String, required: true },
    text: String,
    images: { type: [imageSchema], default: [] },
    status: { type: String, required: true, enum: ENTRY_STATUSES },
    textCheck: { type: String, required: true },
    checkNote: String,
    reason: String,
    candidateId: String,
    decidedBy: String,
    removedBy: String,
    progress: { type: Schema.Types.Mixed },
    history: { type: [eventSchema], default: [] },
  },
  { collection: 'entries', timestamps: true, versionKey: false },
);
// The moderation queue (by status), an author's entries, and a push's verdict back to its entry.
entrySchema.index({ campaignId: 1, status: 1, createdAt: 1 });
entrySchema.index({ campaignId: 1, userId: 1 });
entrySchema.index({ 'images.traceId': 1 });
// The sweep's check that no entry names an image it would delete.
entrySchema.index({ 'images.imageId': 1 });

export function entryModels(connection: Connection) {
  const model = <T>(name: string, schema: Schema<T>) =>
    connection.models[name] ? connection.model<T>(name) : connection.model<T>(name, schema);
  return { settings: model('EntrySettings', settingsSchema), entries: model('Entry', entrySchema) };
}
export type EntryModels = ReturnType<typeof entryModels>;

/** The filter of entries that hold one of their author's places. */
export const HOLDS_A_PLACE_FILTER = { status: { $in: [...HOLDS_A_PLACE] } };

/** A new entry id: `e` + 16 base64url characters. */
export const newEntryId = (): string => `e${randomBytes(12).toString('base64url')}`;

/** The candidate an approved entry becomes: its id, so approving twice adds it once. */
const candidateIdOfEntry = (entryId: string): string => entryId;

/**
 * Moves an entry from one of `from` to `to`, with its timeline, only if it is still in one of
 * `from`: answers the entry after the move, or undefined when it had moved on already.
 */
export async function moveEntry(
  models: EntryModels,
  entryId: string,
  from: readonly EntryStatus[],
  to: EntryStatus,
  fields: Partial<Pick<EntryDoc, 'reason' | 'candidateId' | 'decidedBy' | 'removedBy' | 'checkNote'>> = {},
  note?: string,
  now = new Date(),
): Promise<EntryDoc | undefined> {
  const event: EntryEvent = { status: to, at: now, ...(note === undefined ? {} : { note }) };
  const moved = await models.entries
    .findOneAndUpdate(
      { _id: entryId, status: { $in: from } },
      { $set: { status: to, ...fields }, $push: { history: event } },
      { returnDocument: 'after' },
    )
    .lean<EntryDoc>();
  return moved ?? undefined;
}

/**
 * The approved entries that became these candidates of the campaign, moved to `removed` as a
 * host takes the candidates off: each frees its author's place, leaves the suggestion box, and
 * its pictures are deleted as a rejected entry's are (first: a move that then fails leaves them
 * gone, never shown). Answers the entries removed. Run it before the candidates go, so that a
 * crash in between leaves the candidate listed (the host removes it again), never an entry shown
 * or holding a place without its candidate.
 */
export async function removeEntriesOf(
  models: EntryModels,
  mongo: Connection,
  campaignId: string,
  candidateIds: readonly string[],
  by: string,
  now = new Date(),
): Promise<EntryDoc[]> {
  if (candidateIds.length === 0) return [];
  const approved = await models.entries
    .find({ campaignId, candidateId: { $in: [...candidateIds] }, status: 'approved' })
    .lean<EntryDoc[]>();
  const removed: EntryDoc[] = [];
  for (const entry of approved) {
    await deleteEntryImages(
      mongo,
      entry.images.map((i) => i.imageId),
    );
    const fields = { reason: REMOVED_REASON, removedBy: by };
    const moved = await moveEntry(models, entry._id, ['approved'], 'removed', fields, REMOVED_REASON, now);
    if (moved) removed.push(moved);
  }
  return removed;
}

/** A page of the campaign's entries in a status, oldest first (the moderation queue). */
export const findEntryPage = (
  models: EntryModels,
  campaignId: string,
  status: EntryStatus,
  page: { limit: number; cursor?: string | undefined },
): Promise<Page<EntryDoc>> =>
  findPage<EntryDoc>(models.entries, { campaignId, status }, 'createdAt', page, undefined, 'oldest');

/** An entry image's public address (unguessable: the id is 128 random bits). */
export const entryImageUrl = (publicUrl: string, imageId: string): string =>
  `${publicUrl}/media/entries/${imageId}`;

/** The candidate an approved entry becomes: its title, first image and text. */
export function memberOfEntry(
  entry: Pick<EntryDoc, '_id' | 'title' | 'text' | 'images'>,
  publicUrl: string,
): { candidateId: string; name: string; imageUrl?: string; description?: string } {
  const first = entry.images[0];
  return {
    candidateId: candidateIdOfEntry(entry._id),
    name: entry.title,
    ...(first ? { imageUrl: entryImageUrl(publicUrl, first.imageId) } : {}),
    ...(entry.text ? { description: entry.text } : {}),
  };
}

/**
 * A suggestion's progress as it stands: `received` from its approval until the host first moves
 * it, then what the moves recorded.
 */
export function progressOf(entry: Pick<EntryDoc, 'history' | 'progress' | 'updatedAt'>): SuggestionProgress {
  if (entry.progress) return entry.progress;
  const approvedAt = entry.history.findLast((e) => e.status === 'approved')?.at ?? entry.updatedAt;
  return { status: 'received', history: [{ status: 'received', at: approvedAt }] };
}

/** The subject of a suggestion's next-move grant and event: the suggestion and the status it moves from. */
export const suggestionSubject = (entryId: string, from: SuggestionStatus): string => `${entryId}@${from}`;
