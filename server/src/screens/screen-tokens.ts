import { AppError } from '@rallyboard/core/protocol';
import type { TokenSecrets } from '../auth/key-ring.js';
import { createScopedTokens } from '../auth/scoped-tokens.js';

/** How long a screen token opens its campaign's screen: a campaign's run and some rehearsal. */
const SCREEN_TOKEN_TTL_SECONDS = 30 * 86_400;

export interface ScreenTokens {
  /** A read-only token for one campaign's screen. */
  sign(campaignId: string): Promise<{ token: string; expiresAt: Date }>;
  /** Whether the token is a live screen token of exactly this campaign. */
  opens(token: string, campaignId: string): Promise<boolean>;
}

/**
 * Screen tokens: scoped tokens (auth/scoped-tokens.ts) whose subject is the campaign, so a leaked
 * screen URL opens that campaign's screen and nothing else (it writes nothing).
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
    sign: (campaignId) => tokens.sign(campaignId),
    opens: async (token, campaignId) => (await tokens.verify(token, campaignId)) === campaignId,
  };
}

/** SCREEN_TOKEN_INVALID unless the campaign is public or the token opens its screen. */
export async function assertScreenAccess(
  tokens: ScreenTokens,
  campaign: { _id: string; visibility: 'public' | 'unlisted' },
  token: string | undefined,
): Promise<void> {
  if (campaign.visibility === 'public') return;
  if (token === undefined || !(await tokens.opens(token, campaign._id))) {
    throw new AppError('SCREEN_TOKEN_INVALID');
  }
}
