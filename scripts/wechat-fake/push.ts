import { randomBytes } from 'node:crypto';
import { pushSignature, sealEnvelope } from '@rallyboard/core/wechat';

/**
 * The fake's message push (消息推送): what WeChat sends to the URL configured for the
 * mini-program, signed with its Token, sealed in safe mode (安全模式) when an EncodingAESKey is set.
 */
export interface PushTarget {
  url: string;
  token: string;
  /** Safe mode when set. */
  aesKey?: string | undefined;
}

/** One push as delivered: its trace id, and the HTTP status and text the receiver answered. */
export interface PushDelivery {
  traceId: string;
  status: number;
  answer: string;
}

/** Posts `message` (JSON mode) to the target, as WeChat does; resolves with the receiver's answer. */
export async function deliverPush(
  target: PushTarget,
  message: Record<string, unknown>,
  appId: string,
): Promise<{ status: number; answer: string }> {
  const timestamp = String(Math.floor(Date.now() / 1000));
  const nonce = randomBytes(6).toString('hex');
  const query = new URLSearchParams({
    signature: pushSignature([target.token, timestamp, nonce]),
    timestamp,
    nonce,
  });
  let body: Record<string, unknown> = message;
  if (target.aesKey) {
    const Encrypt = sealEnvelope(JSON.stringify(message), appId, target.aesKey);
    query.set('encrypt_type', 'aes');
    query.set('msg_signature', pushSignature([target.token, timestamp, nonce, Encrypt]));
    body = { ToUserName: message.ToUserName, Encrypt };
  }
  try {
    const res = await fetch(`${target.url}?${query}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: res.status, answer: await res.text() };
  } catch (error) {
    return { status: 0, answer: String(error) };
  }
}
