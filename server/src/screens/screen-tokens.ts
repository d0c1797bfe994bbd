import { type CampaignDoc, screenTokenVersionOf } from '@rallyboard/core/db';
import { AppError } from '@rallyboard/core/protocol';
import type { TokenSecrets } from '../auth/key-ring.js';
import { createScopedTokens } from '../auth/scoped-tokens.js';

/** How long a screen token opens its campaign's screen: a campaign's run and some rehearsal. */
const SCREEN_TOKEN_TTL_SECONDS = 30 * 86_400;

/** What a screen token is checked against: the campaign, its visibility and its token version. */
type ScreenCampaign = Pick<CampaignDoc, '_id' | 'visibility' | 'screenTokenVersion'>;

export interface ScreenTokens {
  /** A read-only token for one campaign's screen, of the campaign's current token version. */
  sign(campaign: ScreenCampaign): Promise<{ token: string; expiresAt: Date }>;
  /** Whether the token is a live screen token of exactly this campaign, of its current version. */
  opens(token: string, campaign: ScreenCampaign): Promise<boolean>;
}

/**
 * Screen tokens: scoped tokens (auth/scoped-tokens.ts) whose subject is the campaign, so a leaked
 * screen URL opens that campaign's screen and nothing else (it writes nothing). Each carries the
 * campaign's screen-token version: the host's revocation raises it, and every token issued
 * before stops opening the screen.
 */
export function createScreenTokens(secrets: TokenSecrets, now: () => number = Date.now): ScreenTokens {
  const tokens = createScopedTokens(
    secrets,
    {
      audience: 'rallyboard:screen',
      keyLabel: 'rallyboard screen token',
      ttlSeconds: SCREEN_TOKEN_TTL_SECONDS,
    },
    now,
  );
  return {
    sign: (campaign) => tokens.sign(campaign._id, screenTokenVersionOf(campaign)),
    opens: async (token, campaign) =>
      (await tokens.verify(token, campaign._id, screenTokenVersionOf(campaign))) === campaign._id,
  };
}

/** SCREEN_TOKEN_INVALID unless the campaign is public or the token opens its screen. */
export async function assertScreenAccess(
  tokens: ScreenTokens,
  campaign: ScreenCampaign,
  token: string | undefined,
): Promise<void> {
  if (campaign.visibility === 'public') return;
  if (token === undefined || !(await tokens.opens(token, campaign))) {
    throw new AppError('SCREEN_TOKEN_INVALID');
  }
}
