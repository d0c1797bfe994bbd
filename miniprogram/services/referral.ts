import { shareTokenSchema } from '../protocol/vote-context.js';
import { readShareTarget } from './api.js';

const STORAGE_KEY = 'rallyboard.shares';

/** The share token that brought this participant to each campaign: the latest one wins. */
function shares(): Record<string, string> {
  const value: unknown = wx.getStorageSync(STORAGE_KEY);
  return typeof value === 'object' && value !== null ? (value as Record<string, string>) : {};
}

/** Remembers the share that brought us to a campaign; its votes carry it from now on. */
function rememberShare(campaignId: string, shareToken: string): void {
  if (!shareTokenSchema.safeParse(shareToken).success) return;
  wx.setStorageSync(STORAGE_KEY, { ...shares(), [campaignId]: shareToken });
}

/** The share token to send with votes in a campaign, if a share brought us there. */
export const shareTokenFor = (campaignId: string): string | undefined => shares()[campaignId];

export interface Entry {
  campaignId: string;
  candidateId: string;
  shareToken?: string;
}

/**
 * Where the candidate page was opened from. A share link's path carries the campaign, the
 * candidate and the token (`share`); a scanned mini-program code carries only the token, as
 * `scene` (URL-encoded), which the server resolves. Either way the share is remembered so the
 * referral is attributed when this participant votes.
 */
export async function resolveEntry(query: Record<string, string | undefined>): Promise<Entry | null> {
  const scene = query.scene === undefined ? undefined : decodeURIComponent(query.scene);
  if (scene !== undefined && shareTokenSchema.safeParse(scene).success) {
    const target = await readShareTarget(scene);
    rememberShare(target.campaignId, scene);
    return { ...target, shareToken: scene };
  }
  const { campaignId, candidateId, share } = query;
  if (campaignId === undefined || candidateId === undefined) return null;
  if (share !== undefined && shareTokenSchema.safeParse(share).success) {
    rememberShare(campaignId, share);
    return { campaignId, candidateId, shareToken: share };
  }
  return { campaignId, candidateId };
}
