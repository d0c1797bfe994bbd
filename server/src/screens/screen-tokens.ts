import { createHmac } from 'node:crypto';
import { AppError } from '@rallyboard/core/protocol';
import { jwtVerify, SignJWT } from 'jose';

/** How long a screen token opens its campaign's screen: a campaign's run and some rehearsal. */
export const SCREEN_TOKEN_TTL_SECONDS = 30 * 86_400;

const ISSUER = 'rallyboard';
const AUDIENCE = 'rallyboard:screen';

export interface ScreenTokens {
  /** A read-only token for one campaign's screen. */
  sign(campaignId: string): Promise<{ token: string; expiresAt: Date }>;
  /** Whether the token is a live screen token of exactly this campaign. */
  opens(token: string, campaignId: string): Promise<boolean>;
}

/**
 * Screen tokens: HS256 JWTs whose subject is the campaign, with an audience of their own and a
 * key derived from JWT_SECRET for them alone, so no host or participant token can pass for one
 * and a leaked screen URL opens that campaign's screen and nothing else (it writes nothing).
 */
export function createScreenTokens(jwtSecret: string, now: () => number = Date.now): ScreenTokens {
  const key = createHmac('sha256', jwtSecret).update('rallyboard screen token').digest();
  return {
    async sign(campaignId) {
      const issuedAt = Math.floor(now() / 1000);
      const exp = issuedAt + SCREEN_TOKEN_TTL_SECONDS;
      const token = await new SignJWT({})
        .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
        .setIssuer(ISSUER)
        .setAudience(AUDIENCE)
        .setSubject(campaignId)
        .setIssuedAt(issuedAt)
        .setExpirationTime(exp)
        .sign(key);
      return { token, expiresAt: new Date(exp * 1000) };
    },
    async opens(token, campaignId) {
      try {
        const { payload } = await jwtVerify(token, key, {
          issuer: ISSUER,
          audience: AUDIENCE,
          subject: campaignId,
          algorithms: ['HS256'],
          requiredClaims: ['sub', 'exp'],
          currentDate: new Date(now()),
        });
        return payload.sub === campaignId;
      } catch {
        return false;
      }
    },
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
