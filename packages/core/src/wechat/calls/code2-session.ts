import { code2SessionResponseSchema, loginCodeSchema } from '../schemas.js';
import { WeChatSession } from '../session.js';
import { validated, type WeChatTransport } from '../transport.js';

/**
 * auth.code2Session: exchanges a `wx.login()` code for the user's identity and session key.
 * The code is checked before the credentials, so a malformed code is INVALID_INPUT even on a
 * server without an AppID.
 */
export async function code2Session(transport: WeChatTransport, code: string): Promise<WeChatSession> {
  const jsCode = validated(loginCodeSchema, code);
  const { appId, appSecret } = transport.credentials();
  const answer = await transport.send('code2Session', '/sns/jscode2session', {
    appid: appId,
    secret: appSecret,
    js_code: jsCode,
    grant_type: 'authorization_code',
  });
  const data = transport.readJson('code2Session', code2SessionResponseSchema, answer);
  return new WeChatSession(data.openid, data.unionid, data.session_key);
}
