import { findHostLogin } from '@rallyboard/core/db';
import { AppError, type HostLogin, type HostLoginBody } from '@rallyboard/core/protocol';
import type { Connection } from 'mongoose';
import type { PasswordWork } from '../auth/passwords.js';
import type { TokenSigner } from '../auth/tokens.js';
import { chargeLimit, limitedAddress, type RateLimitDeps, redisLimiter } from '../lib/rate-limit.js';
import { whenAvailable } from '../lib/when-available.js';
import type { HostPrincipal } from './principal.js';

/** Signs a host in: the answer to send, and the principal (for the audit log). */
export type HostLoginFlow = (
  body: HostLoginBody,
  ip: string,
) => Promise<{ answer: HostLogin; principal: HostPrincipal }>;

/** Charges one password attempt to the client's address and the username; 429 RATE_LIMITED past a limit. */
export type PasswordAttempts = (ip: string, username: string) => Promise<void>;

/**
 * Password attempts per minute, counted in Redis so all processes share them, right or wrong:
 * per client address (`RATE_LIMIT_HOST_LOGIN_PER_IP`, whatever the username: trying many
 * usernames from one address stops there) and per address and username (`RATE_LIMIT_HOST_LOGIN`:
 * guessing one account's password stops there, and one address cannot lock others out). 0 turns
 * a limit off. Logins and password changes (whose current password a stolen token could guess)
 * are charged alike, before any password work.
 */
export function createPasswordAttempts(ctx: RateLimitDeps): PasswordAttempts {
  const perIp = redisLimiter(ctx, 'host-login-ip', ctx.config.rateLimits.hostLoginPerIp, 60);
  const perUsername = redisLimiter(ctx, 'host-login', ctx.config.rateLimits.hostLogin, 60);
  return async (from, username) => {
    const ip = limitedAddress(from);
    await whenAvailable(() => chargeLimit(perIp, 'host-login-ip', ip));
    await whenAvailable(() => chargeLimit(perUsername, 'host-login', `${ip} ${username}`));
  };
}

export interface HostLoginDeps {
  mongo: Connection;
  tokens: Pick<TokenSigner, 'host'>;
  passwords: Pick<PasswordWork, 'verify' | 'verifyNothing'>;
  attempts: PasswordAttempts;
}

/**
 * Host login by username and password, once the attempt is charged (createPasswordAttempts).
 * The password work goes through the process's gate (auth/passwords.ts), which turns a burst away
 * with RATE_LIMITED rather than let it take the thread pool. An unknown username, a wrong
 * password and a disabled account all answer INVALID_CREDENTIALS after the same scrypt work
 * through the same gate, so neither the answer nor its time tells which usernames exist. The
 * token carries the account's token version, which logout and a password change raise.
 */
export function createHostLogin(deps: HostLoginDeps): HostLoginFlow {
  return async ({ username, password }, ip) => {
    await deps.attempts(ip, username);
    const host = await whenAvailable(() => findHostLogin(deps.mongo, username));
    const valid = host
      ? await deps.passwords.verify(password, host.passwordHash)
      : await deps.passwords.verifyNothing(password);
    if (!host || !valid || host.disabled === true) throw new AppError('INVALID_CREDENTIALS');
    const tokenVersion = host.tokenVersion ?? 0;
    const { token, expiresAt } = await deps.tokens.host({ hostId: host._id, role: host.role, tokenVersion });
    return {
      answer: {
        token,
        expiresAt: expiresAt.toISOString(),
        host: { id: host._id, username: host.username, role: host.role },
      },
      principal: { kind: 'host', hostId: host._id, role: host.role, username: host.username, tokenVersion },
    };
  };
}
