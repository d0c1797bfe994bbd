import { stableTokenResponseSchema } from '../schemas.js';
import type { WeChatTransport } from '../transport.js';

export interface AccessTokenGrant {
  accessToken: string;
  /** Seconds from now, as WeChat says (7200 for a fresh token). */
  expiresInSeconds: number;
}

/**
 * POST /cgi-bin/stable_token. Unlike /cgi-bin/token it does not invalidate tokens handed out
 * earlier, unless `forceRefresh` asks it to.
 */
export async function getStableAccessToken(
  transport: WeChatTransport,
  { forceRefresh = false }: { forceRefresh?: boolean } = {},
): Promise<AccessTokenGrant> {
  const { appId, appSecret } = transport.credentials();
  const answer = await transport.send(
    'getStableAccessToken',
    '/cgi-bin/stable_token',
    {},
    { grant_type: 'client_credential', appid: appId, secret: appSecret, force_refresh: forceRefresh },
  );
  const data = transport.readJson('getStableAccessToken', stableTokenResponseSchema, answer);
  return { accessToken: data.access_token, expiresInSeconds: data.expires_in };
}
