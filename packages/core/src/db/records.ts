import type { Connection } from 'mongoose';
import type { RiskAlert, RiskSettingsPatch } from '../protocol/risk.js';
import { alertModel, alertView } from './alerts.js';
import { type AuditDoc, auditModel } from './audit.js';
import { type CampaignDoc, campaignModel } from './campaigns.js';
import { type HostDoc, hostModel } from './hosts.js';
import { findPage, type Page } from './paging.js';
import {
  type ReferralDoc,
  referralIdOf,
  referralModel,
  type ShareTokenDoc,
  type ShareTokenTarget,
  saveShareToken,
  shareTokenModel,
} from './referrals.js';

/**
 * The server's reads and small writes of the system of record, one function each, so routes
 * and services never build a query of their own.
 */

/** A page's bounds: how many, and after which cursor. */
export interface PageBounds {
  limit: number;
  cursor?: string | undefined;
}

/** A campaign by its id. */
export const findCampaign = (mongo: Connection, campaignId: string): Promise<CampaignDoc | null> =>
  campaignModel(mongo).findById(campaignId).lean<CampaignDoc>().exec();

/** A page of the campaigns matching `filter`, newest first. */
export const findCampaignPage = (
  mongo: Connection,
  filter: Record<string, unknown>,
  page: PageBounds,
): Promise<Page<CampaignDoc>> => findPage<CampaignDoc>(campaignModel(mongo), filter, 'createdAt', page);

/** Sets a campaign's risk settings (the host's changes from the defaults). */
export async function setCampaignRisk(
  mongo: Connection,
  campaignId: string,
  risk: RiskSettingsPatch,
): Promise<void> {
  await campaignModel(mongo).updateOne({ _id: campaignId }, { $set: { risk } });
}

/** A campaign's newest risk alerts. */
export async function latestAlerts(
  mongo: Connection,
  campaignId: string,
  limit: number,
): Promise<RiskAlert[]> {
  const docs = await alertModel(mongo).find({ campaignId }).sort({ at: -1, _id: -1 }).limit(limit).lean();
  return docs.map(alertView);
}

/** A page of the audit entries matching `filter`, newest first. */
export const findAuditPage = (
  mongo: Connection,
  filter: Record<string, unknown>,
  page: PageBounds,
): Promise<Page<AuditDoc>> => findPage<AuditDoc>(auditModel(mongo), filter, 'at', page);

/** A host account without its password hash. */
export const findHostAccount = (
  mongo: Connection,
  hostId: string,
): Promise<Omit<HostDoc, 'passwordHash'> | null> =>
  hostModel(mongo).findById(hostId, { passwordHash: 0 }).lean<Omit<HostDoc, 'passwordHash'>>().exec();

/** What a share token points at, if it was issued. */
export const findShareToken = (
  mongo: Connection,
  token: string,
): Promise<Pick<ShareTokenDoc, 'campaignId' | 'candidateId'> | null> =>
  shareTokenModel(mongo)
    .findById(token, { campaignId: 1, candidateId: 1 })
    .lean<Pick<ShareTokenDoc, 'campaignId' | 'candidateId'>>()
    .exec();

/** A participant's referrals in a campaign: how many they brought, and who brought them. */
export async function findReferralsOf(
  mongo: Connection,
  campaignId: string,
  participantId: string,
): Promise<{ invitees: number; mine: ReferralDoc | null }> {
  const referrals = referralModel(mongo);
  const [invitees, mine] = await Promise.all([
    referrals.countDocuments({ campaignId, inviterId: participantId }),
    referrals.findById(referralIdOf(campaignId, participantId)).lean<ReferralDoc>().exec(),
  ]);
  return { invitees, mine };
}

/** Stores a share token once (see saveShareToken). */
export const recordShareToken = (mongo: Connection, token: string, target: ShareTokenTarget): Promise<void> =>
  saveShareToken(shareTokenModel(mongo), token, target);

/** What sharing a campaign's candidate checks: its status, visibility and candidates. */
export type ShareableCampaign = Pick<CampaignDoc, '_id' | 'status' | 'visibility'> & {
  members: { candidateId: string }[];
};

/** A campaign's status, visibility and candidate ids, if it exists. */
export const findShareableCampaign = (
  mongo: Connection,
  campaignId: string,
): Promise<ShareableCampaign | null> =>
  campaignModel(mongo)
    .findById(campaignId, { status: 1, visibility: 1, 'members.candidateId': 1 })
    .lean<ShareableCampaign>()
    .exec();
