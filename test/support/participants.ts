import type { Config } from '@rallyboard/core/config';
import { createTokenSigner } from '../../server/src/auth/tokens.js';

const cache = new Map<string, Promise<string>>();

/**
 * A real participant token for `participantId`, signed with the config's secret as the server
 * signs them after a WeChat login. Cached per secret and participant: a burst of thousands of
 * votes from a few voters signs a few tokens.
 */
export function participantToken(config: Pick<Config, 'auth'>, participantId: string): Promise<string> {
  const key = `${config.auth.jwtSecret}\n${participantId}`;
  let token = cache.get(key);
  if (token === undefined) {
    token = createTokenSigner(config.auth)
      .participant({ participantId })
      .then((signed) => signed.token);
    cache.set(key, token);
  }
  return token;
}

/** The `authorization` header of a participant. */
export async function asParticipant(
  config: Pick<Config, 'auth'>,
  participantId: string,
): Promise<{ authorization: string }> {
  return { authorization: `Bearer ${await participantToken(config, participantId)}` };
}
