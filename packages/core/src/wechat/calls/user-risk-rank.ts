import { type RiskRankParams, riskRankParamsSchema, riskRankResponseSchema } from '../schemas.js';
import { validated, type WeChatTransport } from '../transport.js';

export interface RiskRankResult {
  /** 0 (no risk) to 4 (highest). */
  riskRank: number;
  /** WeChat's `unoin_id` (sic), when it gives one. */
  unoinId: string | undefined;
}

/**
 * riskControl.getUserRiskRank: how risky WeChat thinks a user is. The params are checked before
 * the AppID, which goes in the body.
 */
export async function getUserRiskRank(
  transport: WeChatTransport,
  accessToken: string,
  params: RiskRankParams,
): Promise<RiskRankResult> {
  const p = validated(riskRankParamsSchema, params);
  const { appId } = transport.credentials();
  const answer = await transport.send(
    'getUserRiskRank',
    '/wxa/getuserriskrank',
    { access_token: accessToken },
    {
      appid: appId,
      openid: p.openid,
      scene: p.scene,
      client_ip: p.clientIp,
      mobile_no: p.mobileNo,
      email_address: p.emailAddress,
      extended_info: p.extendedInfo,
      is_test: p.isTest,
    },
  );
  const data = transport.readJson('getUserRiskRank', riskRankResponseSchema, answer);
  return { riskRank: data.risk_rank, unoinId: data.unoin_id };
}
