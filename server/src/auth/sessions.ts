import { createHash, randomBytes } from 'node:crypto';
import { AppError, type TokenPair } from '@rallyboard/core/protocol';
import type { KeyBuilder, RedisClient } from '@rallyboard/core/redis';
import type { ChainableCommander } from 'ioredis';
import type { TokenSigner } from './tokens.js';

/**
 * A participant's sessions: a short-lived participant token (a JWT, verified without a lookup)
 * and an opaque refresh token that gets the next pair.
 *
 * Refresh tokens are 32 random bytes, stored in Redis only as their SHA-256 with the refresh
 * TTL. Each works once: refreshing retires it and answers a new one of the same family (one
 * login and its rotations). A retired token presented again means two holders share it: the
 * token leaked, or a client replayed it. Either way the family is revoked, so neither holder can
 * refresh again and the participant signs in anew. A client must therefore send one refresh at a
 * time and keep the newest token.
 */
export interface Sessions {
  /** Starts a family: a participant token and a refresh token. */
  start(participantId: string): Promise<TokenPair>;
  /** Retires the refresh token and answers the next pair; REFRESH_TOKEN_INVALID otherwise. */
  refresh(refreshToken: string): Promise<TokenPair>;
  /** Revokes the token's family (every refresh token of that login). Unknown tokens: nothing to do. */
  end(refreshToken: string): Promise<void>;
}

export interface SessionsDeps {
  redis: RedisClient;
  keys: KeyBuilder;
  tokens: TokenSigner;
  /** The life of a refresh token (config `auth.participantRefreshTtlSeconds`). */
  refreshTtlSeconds: number;
}

const random = (bytes: number) => randomBytes(bytes).toString('base64url');
const hashOf = (refreshToken: string) => createHash('sha256').update(refreshToken).digest('base64url');

/** What a refresh token's key holds: `<family> <participantId>`. */
function parseRecord(value: unknown): { family: string; participantId: string } | undefined {
  if (typeof value !== 'string') return undefined;
  const [family, participantId] = value.split(' ');
  return family && participantId ? { family, participantId } : undefined;
}

/** Runs a MULTI: each command's error or reply, in order. */
async function transaction(multi: ChainableCommander): Promise<[Error | null, unknown][]> {
  const results = await multi.exec();
  if (results === null) throw new Error('the transaction was discarded');
  return results;
}

/** Runs a MULTI whose commands must all succeed: their replies. */
async function replies(multi: ChainableCommander): Promise<unknown[]> {
  return (await transaction(multi)).map(([error, value]) => {
    if (error) throw error;
    return value;
  });
}

export function createSessions(deps: SessionsDeps): Sessions {
  const { redis, keys, tokens, refreshTtlSeconds: ttl } = deps;

  /** Signs a participant token and stores a new refresh token of `family`. */
  async function issue(participantId: string, family: string): Promise<TokenPair> {
    const refreshToken = random(32);
    await redis.set(keys.refreshToken(hashOf(refreshToken)).live, `${family} ${participantId}`, 'EX', ttl);
    const access = await tokens.participant({ participantId });
    return {
      token: access.token,
      expiresAt: access.expiresAt.toISOString(),
      refreshToken,
      refreshExpiresAt: new Date(Date.now() + ttl * 1_000).toISOString(),
    };
  }

  return {
    async start(participantId) {
      const family = random(16);
      await redis.set(keys.refreshFamily(family), participantId, 'EX', ttl);
      return issue(participantId, family);
    },

    async refresh(refreshToken) {
      const { live, used } = keys.refreshToken(hashOf(refreshToken));
      // One atomic step: RENAME retires a live token, keeping its TTL, and fails for any other;
      // the GET then reads the retired record, which is this token's only if RENAME failed
      // because it had been retired before. Only one of two racing refreshes can succeed.
      const [[renameError], [getError, usedRecord]] = (await transaction(
        redis.multi().rename(live, used).get(used),
      )) as [[Error | null], [Error | null, unknown]];
      if (getError) throw getError;
      const record = parseRecord(usedRecord);
      if (renameError) {
        if (!/no such key/i.test(renameError.message)) throw renameError;
        // Retired before: a reuse. Revoke the family, including the token that replaced it.
        if (record) await redis.del(keys.refreshFamily(record.family));
        throw new AppError('REFRESH_TOKEN_INVALID');
      }
      if (!record) throw new AppError('REFRESH_TOKEN_INVALID');
      // The family must still be live (a reuse or a logout revokes it); refreshing extends it.
      if ((await redis.expire(keys.refreshFamily(record.family), ttl)) !== 1) {
        throw new AppError('REFRESH_TOKEN_INVALID');
      }
      return issue(record.participantId, record.family);
    },

    async end(refreshToken) {
      const { live, used } = keys.refreshToken(hashOf(refreshToken));
      const [liveRecord, usedRecord] = await replies(redis.multi().get(live).get(used));
      const record = parseRecord(liveRecord) ?? parseRecord(usedRecord);
      if (!record) return;
      // Two commands, not one MULTI: the family and the token live in different hash slots.
      // Revoking the family first ends every token of it, this one included.
      await redis.del(keys.refreshFamily(record.family));
      await redis.del(live);
    },
  };
}
