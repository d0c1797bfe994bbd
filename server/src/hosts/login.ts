import type { Config } from '@rallyboard/core/config';
import { hostModel } from '@rallyboard/core/db';
import { AppError, type HostLogin, type HostLoginBody } from '@rallyboard/core/protocol';
import type { KeyBuilder } from '@rallyboard/core/redis';
import type { Redis } from 'ioredis';
import type { Connection } from 'mongoose';
import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import { verifyNothing, verifyPassword } from '../auth/passwords.js';
import type { TokenSigner } from '../auth/tokens.js';
import { whenAvailable } from '../lib/when-available.js';
import type { HostPrincipal } from './principal.js';

/** Signs a host in: the answer to send, and the principal (for the audit log). */
export type HostLoginFlow = (
  body: HostLoginBody,
  ip: string,
) => Promise<{ answer: HostLogin; principal: HostPrincipal }>;

/**
 * Host login by username and password. Attempts are limited per client address and username
 * (`RATE_LIMIT_HOST_LOGIN` a minute, right or wrong, counted in Redis so all processes share
 * it): guessing one account's password stops there, and one address cannot lock others out.
 * An unknown username, a wrong password and a disabled account all answer INVALID_CREDENTIALS
 * after the same scrypt work, so neither the answer nor its time tells which usernames exist.
 */
export function createHostLogin(ctx: {
  config: Pick<Config, 'rateLimits'>;
  keys: KeyBuilder;
  redis: Redis;
  mongo: Connection;
  tokens: Pick<TokenSigner, 'host'>;
}): HostLoginFlow {
  const hosts = hostModel(ctx.mongo);
  const perMinute = ctx.config.rateLimits.hostLogin;
  const limiter =
    perMinute === 0
      ? undefined
      : new RateLimiterRedis({
          storeClient: ctx.redis,
          keyPrefix: ctx.keys.rateLimit('host-login'),
          points: perMinute,
          duration: 60,
        });

  async function charge(ip: string, username: string): Promise<void> {
    try {
      await limiter?.consume(`${ip} ${username}`);
    } catch (rejection) {
      if (!(rejection instanceof RateLimiterRes)) throw rejection;
      throw new AppError('RATE_LIMITED', {
        details: {
          scope: 'host-login',
          retryAfterSeconds: Math.max(1, Math.ceil(rejection.msBeforeNext / 1000)),
        },
      });
    }
  }

  return async ({ username, password }, ip) => {
    await whenAvailable(() => charge(ip, username));
    const host = await whenAvailable(() => hosts.findOne({ username }).lean());
    const valid = host ? await verifyPassword(password, host.passwordHash) : await verifyNothing(password);
    if (!host || !valid || host.disabled === true) throw new AppError('INVALID_CREDENTIALS');
    const { token, expiresAt } = await ctx.tokens.host({ hostId: host._id, role: host.role });
    return {
      answer: {
        token,
        expiresAt: expiresAt.toISOString(),
        host: { id: host._id, username: host.username, role: host.role },
      },
      principal: { kind: 'host', hostId: host._id, role: host.role, username: host.username },
    };
  };
}
