import { type MsgSecCheckParams, msgSecCheckParamsSchema, msgSecCheckResponseSchema } from '../schemas.js';
import { validated, type WeChatTransport } from '../transport.js';

export interface MsgSecCheckResult {
  suggest: 'pass' | 'review' | 'risky';
  /** 100 normal, 10001 advertising, 20001 politics, 20002 porn, 20003 abuse, 20006 illegal, 20008 fraud, … */
  label: number;
  traceId: string;
  detail: Record<string, unknown>[];
}

/** security.msgSecCheck, version 2: whether a user's text may be shown. */
export async function msgSecCheck(
  transport: WeChatTransport,
  accessToken: string,
  params: MsgSecCheckParams,
): Promise<MsgSecCheckResult> {
  const p = validated(msgSecCheckParamsSchema, params);
  const answer = await transport.send(
    'msgSecCheck',
    '/wxa/msg_sec_check',
    { access_token: accessToken },
    { version: 2, ...p },
  );
  const data = transport.readJson('msgSecCheck', msgSecCheckResponseSchema, answer);
  return {
    suggest: data.result.suggest,
    label: data.result.label,
    traceId: data.trace_id,
    detail: data.detail ?? [],
  };
}
