import { createHash } from 'node:crypto';
import type { Config } from '@rallyboard/core/config';
import {
  attachEntryImages,
  deleteEntryImages,
  type EntryDoc,
  type EntryModels,
  type EntrySettingsDoc,
  findEntryImages,
  findShareableCampaign,
  HOLDS_A_PLACE_FILTER,
  moveEntry,
  newEntryId,
  newImageId,
  participantModel,
  putEntryImage,
  type ShareableCampaign,
} from '@rallyboard/core/db';
import {
  AppError,
  type CampaignStatus,
  type EntryImageUpload,
  type SubmitEntryBody,
  WITHDRAWABLE,
} from '@rallyboard/core/protocol';
import { type EntryJob, queueEntryJob } from '@rallyboard/core/queue';
import { type KeyBuilder, type RedisClient, withLock } from '@rallyboard/core/redis';
import type { Queue } from 'bullmq';
import type { Connection } from 'mongoose';
import { type Declared, verifyImage } from './images/verify.js';
import { entryImageUrlOf } from './views.js';

/** What participants' entry operations work with. */
export interface EntriesDeps {
  mongo: Connection;
  redis: RedisClient;
  keys: KeyBuilder;
  entries: EntryModels;
  entryQueue: Queue<EntryJob>;
  config: Pick<Config, 'entries' | 'http'>;
  now: () => number;
}

/** Campaign statuses that take entries (within the window): published and not over. */
const TAKES_ENTRIES: ReadonlySet<CampaignStatus> = new Set(['scheduled', 'live', 'paused', 'frozen']);

/** Whether a campaign takes entries at `now`: it has settings, is published and not over, inside the window. */
export function entriesOpen(settings: EntrySettingsDoc | null, status: CampaignStatus, now: number): boolean {
  if (!settings || !TAKES_ENTRIES.has(status)) return false;
  return now >= settings.opensAt.getTime() && now < settings.closesAt.getTime();
}

/**
 * A published campaign and its entry settings (null: it takes no entries), read together; a
 * missing or draft campaign is CAMPAIGN_NOT_FOUND.
 */
export async function campaignEntrySettings(
  deps: Pick<EntriesDeps, 'mongo' | 'entries'>,
  campaignId: string,
): Promise<{ campaign: ShareableCampaign; settings: EntrySettingsDoc | null }> {
  const [campaign, settings] = await Promise.all([
    findShareableCampaign(deps.mongo, campaignId),
    deps.entries.settings.findById(campaignId).lean<EntrySettingsDoc>(),
  ]);
  if (!campaign || campaign.status === 'draft') throw new AppError('CAMPAIGN_NOT_FOUND');
  return { campaign, settings };
}

/** The campaign and its settings, if it takes entries now; else CAMPAIGN_NOT_FOUND or ENTRIES_CLOSED. */
async function openCampaign(deps: EntriesDeps, campaignId: string): Promise<EntrySettingsDoc> {
  const { campaign, settings } = await campaignEntrySettings(deps, campaignId);
  if (!settings || !entriesOpen(settings, campaign.status, deps.now())) {
    throw new AppError('ENTRIES_CLOSED', {
      details: settings
        ? {
            opensAt: settings.opensAt.toISOString(),
            closesAt: settings.closesAt.toISOString(),
            status: campaign.status,
          }
        : { status: campaign.status },
    });
  }
  return settings;
}

/**
 * Takes an image for an entry: only while the campaign takes entries; checked, stripped and
 * stored (entries/images/verify.ts). It belongs to its uploader and this campaign until an
 * entry names it.
 */
export async function uploadEntryImage(
  deps: EntriesDeps,
  campaignId: string,
  userId: string,
  file: Declared & { bytes: Buffer },
): Promise<EntryImageUpload> {
  await openCampaign(deps, campaignId);
  const clean = await verifyImage(file.bytes, file, deps.config.entries.imageMaxPixels);
  const imageId = newImageId();
  const sha256 = createHash('sha256').update(clean.bytes).digest('hex');
  await putEntryImage(deps.mongo, imageId, clean.bytes, {
    campaignId,
    userId,
    contentType: clean.contentType,
    width: clean.width,
    height: clean.height,
    sha256,
    entryId: null,
  });
  return {
    imageId,
    url: entryImageUrlOf(deps.config, imageId),
    contentType: clean.contentType,
    width: clean.width,
    height: clean.height,
    bytes: clean.bytes.length,
  };
}

/** Who sends an entry, and from where. */
export interface Entrant {
  userId: string;
  ip: string;
  deviceId?: string | undefined;
}

function assertForm(settings: EntrySettingsDoc, body: SubmitEntryBody): void {
  const issues: { path: string; message: string }[] = [];
  if (settings.text === 'required' && !body.text) issues.push({ path: 'body.text', message: 'is required' });
  if (settings.text === 'off' && body.text)
    issues.push({ path: 'body.text', message: 'this campaign takes no text' });
  const images = body.imageIds.length;
  if (images < settings.minImages || images > settings.maxImages) {
    issues.push({
      path: 'body.imageIds',
      message: `takes ${settings.minImages} to ${settings.maxImages} images`,
    });
  }
  if (issues.length > 0) throw new AppError('INVALID_INPUT', { details: issues });
}

/**
 * How many of its author's places the participant's entries of the campaign hold: pending, in
 * review, or approved and still a candidate. An approved entry whose candidate is gone holds none,
 * even if its own move to `removed` never happened (a crash between, or a removal before there
 * was such a move). The entries are read before the candidates: an approval lists its candidate
 * before it marks the entry approved, so an approved entry read here has its candidate listed.
 */
async function placesHeld(deps: EntriesDeps, campaignId: string, userId: string): Promise<number> {
  const held = await deps.entries.entries
    .find({ campaignId, userId, ...HOLDS_A_PLACE_FILTER }, { status: 1, candidateId: 1 })
    .lean<Pick<EntryDoc, 'status' | 'candidateId'>[]>();
  if (!held.some((e) => e.status === 'approved')) return held.length;
  const campaign = await findShareableCampaign(deps.mongo, campaignId);
  const candidates = new Set(campaign?.members.map((m) => m.candidateId));
  return held.filter(
    (e) => e.status !== 'approved' || (e.candidateId !== undefined && candidates.has(e.candidateId)),
  ).length;
}

/**
 * Takes a participant's entry: inside the window, within the form and the per-participant limit
 * (counted and added under the participant's lock, so two at once cannot both take the last
 * place), with images the participant uploaded to this campaign and no other entry holds. The
 * entry waits, unseen, for its content checks (the `check` job).
 */
export async function submitEntry(
  deps: EntriesDeps,
  campaignId: string,
  entrant: Entrant,
  body: SubmitEntryBody,
): Promise<EntryDoc> {
  const settings = await openCampaign(deps, campaignId);
  assertForm(settings, body);
  const participant = await participantModel(deps.mongo).findById(entrant.userId, { openid: 1 }).lean();
  if (!participant) throw new AppError('UNAUTHENTICATED');
  const entry = await withLock(deps.redis, deps.keys.entrantLock(campaignId, entrant.userId), async () => {
    const held = await placesHeld(deps, campaignId, entrant.userId);
    if (held >= settings.perParticipant) {
      throw new AppError('ENTRY_LIMIT_REACHED', { details: { perParticipant: settings.perParticipant } });
    }
    const images = await findEntryImages(deps.mongo, body.imageIds);
    const usable = new Set(
      images
        .filter((i) => i.metadata.userId === entrant.userId && i.metadata.campaignId === campaignId)
        .filter((i) => i.metadata.entryId === null)
        .map((i) => i.id),
    );
    // An image another entry names is its, even if never marked so (see the workers' sweep).
    const named = await deps.entries.entries
      .find({ 'images.imageId': { $in: body.imageIds } }, { 'images.imageId': 1 })
      .lean<Pick<EntryDoc, 'images'>[]>();
    for (const id of named.flatMap((e) => e.images.map((i) => i.imageId))) usable.delete(id);
    const missing = body.imageIds.filter((id) => !usable.has(id));
    if (missing.length > 0) throw new AppError('IMAGE_NOT_FOUND', { details: { imageIds: missing } });
    const now = new Date(deps.now());
    const doc: EntryDoc = {
      _id: newEntryId(),
      campaignId,
      userId: entrant.userId,
      openid: participant.openid,
      ip: entrant.ip,
      ...(entrant.deviceId === undefined ? {} : { deviceId: entrant.deviceId }),
      title: body.title,
      ...(body.text ? { text: body.text } : {}),
      images: body.imageIds.map((imageId) => ({ imageId, check: 'waiting' })),
      status: 'pending',
      textCheck: 'waiting',
      history: [{ status: 'pending', at: now }],
      createdAt: now,
      updatedAt: now,
    };
    await deps.entries.entries.create(doc);
    try {
      await attachEntryImages(deps.mongo, body.imageIds, doc._id);
    } catch (error) {
      // Not marked as the entry's: the entry goes (best effort), so its pictures stay free to send
      // again. Should that fail too, the sweep keeps pictures an entry names.
      await deps.entries.entries.deleteOne({ _id: doc._id }).catch(() => undefined);
      throw error;
    }
    return doc;
  });
  await queueEntryJob(deps.entryQueue, { kind: 'check', entryId: entry._id });
  return entry;
}

/** The participant's entries, newest first: all of them, or one campaign's. */
export function myEntries(
  deps: Pick<EntriesDeps, 'entries'>,
  userId: string,
  campaignId?: string,
): Promise<EntryDoc[]> {
  return deps.entries.entries
    .find({ userId, ...(campaignId === undefined ? {} : { campaignId }) })
    .sort({ createdAt: -1 })
    .limit(100)
    .lean<EntryDoc[]>()
    .exec();
}

/**
 * Withdraws the participant's entry before it is decided (under the entry's lock, which its
 * checks and hosts take too); its images are deleted. Another's entry is ENTRY_NOT_FOUND.
 */
export async function withdrawEntry(deps: EntriesDeps, userId: string, entryId: string): Promise<EntryDoc> {
  return withLock(deps.redis, deps.keys.entryLock(entryId), async () => {
    const entry = await deps.entries.entries.findById(entryId).lean<EntryDoc>();
    if (!entry || entry.userId !== userId) throw new AppError('ENTRY_NOT_FOUND');
    if (!WITHDRAWABLE.includes(entry.status)) {
      throw new AppError('ENTRY_NOT_WITHDRAWABLE', { details: { status: entry.status } });
    }
    // The pictures go first: a move that then fails leaves them gone, never shown.
    await deleteEntryImages(
      deps.mongo,
      entry.images.map((i) => i.imageId),
    );
    const moved = await moveEntry(
      deps.entries,
      entryId,
      WITHDRAWABLE,
      'withdrawn',
      {},
      undefined,
      new Date(deps.now()),
    );
    if (!moved) throw new AppError('ENTRY_NOT_WITHDRAWABLE');
    return moved;
  });
}
