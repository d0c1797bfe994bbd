import { findHostStanding } from '@rallyboard/core/db';
import { AppError } from '@rallyboard/core/protocol';
import type { Connection } from 'mongoose';
import type { HostClaims } from '../auth/tokens.js';
import { whenAvailable } from '../lib/when-available.js';

/** The host behind a request: the token's claims checked against the account as it is now. */
export interface HostPrincipal extends HostClaims {
  username: string;
}

/**
 * Turns a verified host token into its principal; UNAUTHENTICATED when the account is gone or
 * disabled, or the token was revoked.
 */
export type HostResolver = (claims: HostClaims) => Promise<HostPrincipal>;

/**
 * Verifying a token reads nothing, so a token outlives what happens to its account. Host routes
 * therefore load the account on every request: a deleted or disabled host is refused at once,
 * a token whose version is not the account's is refused (logout, a password change and an
 * admin's revocation raise the version), and the role is the account's current one, not the one
 * the token was signed with (an admin demoted to host loses admin routes with the token they hold).
 */
export function createHostResolver(mongo: Connection): HostResolver {
  return async (claims) => {
    const host = await whenAvailable(() => findHostStanding(mongo, claims.hostId));
    if (!host || host.disabled === true) throw new AppError('UNAUTHENTICATED');
    const tokenVersion = host.tokenVersion ?? 0;
    // Only bull-board's session cookie, which is no host token, resolves without a version.
    if (claims.tokenVersion !== undefined && claims.tokenVersion !== tokenVersion) {
      throw new AppError('UNAUTHENTICATED', { message: 'This sign-in has ended. Sign in again.' });
    }
    return { kind: 'host', hostId: host._id, role: host.role, username: host.username, tokenVersion };
  };
}
