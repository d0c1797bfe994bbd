import { randomBytes } from 'node:crypto';
import { type Connection, Schema } from 'mongoose';
import {
  assertTransition,
  BOARD_KINDS,
  type BoardKind,
  CAMPAIGN_STATUSES,
  type CampaignMember,
  type CampaignRules,
  type CampaignStatus,
} from '../protocol/campaigns.js';
import { AppError } from '../protocol/errors.js';
import { RANKING_VIEWS, type RankingView } from '../protocol/groups.js';
import { SCREEN_WINDOWS, type ScreenWindow } from '../protocol/leaderboard.js';
import type { RiskSettingsPatch } from '../protocol/risk.js';

/** A campaign in the system of record. Its id is also its board's id. */
export interface CampaignDoc {
  _id: string;
  title: string;
  description: string;
  coverImageUrl?: string | undefined;
  kind: BoardKind;
  members: CampaignMember[];
  /** `weekStartsOn` 1 Monday … 7 Sunday; absent on campaigns made before weekly rankings: Monday. */
  schedule: { startAt: Date; endAt: Date; timezone: string; weekStartsOn?: number | undefined };
  visibility: 'public' | 'unlisted';
  rules: CampaignRules;
  /** Host-set tags (兴趣标签), for recommendations. */
  tags?: string[] | undefined;
  /** Risk control: the host's changes to the default settings (see risk/rules.ts). */
  risk?: RiskSettingsPatch | undefined;
  /** When the host revealed the final ranking on the screens (frozen or ended); unset before. */
  revealedAt?: Date | undefined;
  /** The ranking the big screens show: all time when unset. */
  screenWindow?: ScreenWindow | undefined;
  /** Whose ranking the screens show; the candidates when absent. */
  screenView?: RankingView | undefined;
  /**
   * The version of the campaign's screen tokens: each token carries the version it was signed
   * at and opens the screen only while it is current, so raising it revokes every token issued.
   * Unset (a campaign from before versions) is version 0, as is a token without one.
   */
  screenTokenVersion?: number | undefined;
  status: CampaignStatus;
  /** The host who created it. */
  createdBy: string;
  /** Co-hosts an admin added; they may do all the creator may. */
  hostIds: string[];
  createdAt: Date;
  updatedAt: Date;
}

const memberSchema = new Schema<CampaignMember>(
  {
    candidateId: { type: String, required: true },
    name: { type: String, required: true, maxlength: 100 },
    imageUrl: { type: String },
    description: { type: String, maxlength: 2_000 },
    group: { type: String, maxlength: 100 },
    tags: { type: [String], default: undefined },
  },
  { _id: false },
);

const campaignSchema = new Schema<CampaignDoc>(
  {
    _id: { type: String, required: true },
    title: { type: String, required: true, maxlength: 200 },
    description: { type: String, default: '', maxlength: 10_000 },
    coverImageUrl: { type: String },
    kind: { type: String, required: true, enum: [...BOARD_KINDS] },
    members: { type: [memberSchema], default: [] },
    schedule: {
      startAt: { type: Date, required: true },
      endAt: { type: Date, required: true },
      timezone: { type: String, required: true },
      weekStartsOn: { type: Number, min: 1, max: 7 },
    },
    visibility: { type: String, required: true, enum: ['public', 'unlisted'] },
    rules: {
      votesPerUserPerDay: { type: Number, min: 1 },
      votesPerUserPerCandidatePerDay: { type: Number, min: 1 },
      votesPerUserTotal: { type: Number, min: 1 },
    },
    risk: { type: Schema.Types.Mixed },
    tags: { type: [String], default: undefined },
    revealedAt: { type: Date },
    screenWindow: { type: String, enum: [...SCREEN_WINDOWS] },
    screenView: { type: String, enum: [...RANKING_VIEWS] },
    screenTokenVersion: { type: Number, min: 0 },
    status: { type: String, required: true, enum: CAMPAIGN_STATUSES, default: 'draft' },
    createdBy: { type: String, required: true },
    hostIds: { type: [String], default: [] },
  },
  { collection: 'campaigns', timestamps: true, versionKey: false, minimize: false },
);
campaignSchema.index({ status: 1 });
// The campaign repair's archived campaigns, the latest ones only (findCampaignsInPlay).
campaignSchema.index({ status: 1, updatedAt: 1 });
campaignSchema.index({ createdBy: 1 });
campaignSchema.index({ hostIds: 1 });

/** The Campaign model on a connection, compiled once per connection. */
export function campaignModel(connection: Connection) {
  return connection.models.Campaign
    ? connection.model<CampaignDoc>('Campaign')
    : connection.model<CampaignDoc>('Campaign', campaignSchema);
}
export type CampaignModel = ReturnType<typeof campaignModel>;

/** A new campaign id (also its board's id): `c` + 12 random base64url characters, in boardIdSchema's alphabet. */
export const newCampaignId = (): string => `c${randomBytes(9).toString('base64url')}`;

/** Whether a host may touch a campaign: an admin any, a host those it created or co-hosts. */
export function mayTouchCampaign(
  campaign: Pick<CampaignDoc, 'createdBy' | 'hostIds'>,
  host: { hostId: string; role: 'admin' | 'host' },
): boolean {
  return (
    host.role === 'admin' ||
    campaign.createdBy === host.hostId ||
    (campaign.hostIds ?? []).includes(host.hostId)
  );
}

/** Runs a change to one campaign while no other process changes it (see redis/lock.ts). */
export type CampaignSerializer = <T>(campaignId: string, work: () => Promise<T>) => Promise<T>;

/**
 * Moves a campaign along its life, or throws: CAMPAIGN_NOT_FOUND, INVALID_TRANSITION.
 *
 * Without transactions, two moves must not interleave between reading the status and writing
 * the new one. `serialize` (a Redis lock per campaign) makes them take turns; the write is also
 * a compare-and-set on the status it read, which MongoDB makes atomic by itself. (FerretDB v1
 * does not: two racing `updateOne`s with the same filter can both apply; the lock is what
 * holds there.)
 * @returns the status before and after, for the audit log
 */
export async function transitionCampaign(
  model: CampaignModel,
  serialize: CampaignSerializer,
  campaignId: string,
  to: CampaignStatus,
): Promise<{ before: CampaignStatus; after: CampaignStatus }> {
  return serialize(campaignId, async () => {
    const current = await model.findById(campaignId, { status: 1 }).lean();
    if (!current) throw new AppError('CAMPAIGN_NOT_FOUND');
    assertTransition(current.status, to);
    const result = await model.updateOne(
      { _id: campaignId, status: current.status },
      { $set: { status: to } },
    );
    if (result.modifiedCount !== 1) {
      throw new AppError('INVALID_TRANSITION', {
        message: 'The campaign changed while this move was made. Read it again and retry.',
      });
    }
    return { before: current.status, after: to };
  });
}

/** The version of a campaign's screen tokens (see CampaignDoc.screenTokenVersion). */
export const screenTokenVersionOf = (campaign: Pick<CampaignDoc, 'screenTokenVersion'>): number =>
  campaign.screenTokenVersion ?? 0;

/**
 * Revokes every screen token of a campaign issued so far: raises its screen-token version by one
 * (`$inc`, atomic by itself). Tokens signed afterwards carry the new version.
 * @returns the versions before and after, or null when there is no such campaign
 */
export async function revokeScreenTokens(
  model: CampaignModel,
  campaignId: string,
): Promise<{ before: number; after: number } | null> {
  const updated = await model
    .findOneAndUpdate(
      { _id: campaignId },
      { $inc: { screenTokenVersion: 1 } },
      // No projection: FerretDB v1's findAndModify does not take one.
      { returnDocument: 'after' },
    )
    .lean();
  if (!updated) return null;
  const after = screenTokenVersionOf(updated);
  return { before: after - 1, after };
}
