import { createCipheriv, createDecipheriv, createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * WeChat's message push (消息推送), as ../shared/wechat-api.md gives it: the signature on every
 * push, and safe mode's (安全模式) AES envelope. The server checks pushes with these; the local
 * fake makes them.
 */

/** sha1 of the parts sorted and joined, hex: `signature` (token, timestamp, nonce) and `msg_signature` (…, Encrypt). */
export function pushSignature(parts: readonly string[]): string {
  return createHash('sha1')
    .update([...parts].sort().join(''))
    .digest('hex');
}

/** Compares a signature with the expected one in constant time (a wrong length is simply unequal). */
export function signatureMatches(given: string, expected: string): boolean {
  const a = Buffer.from(given, 'utf8');
  const b = Buffer.from(expected, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}

/** WeChat pads to 32-byte blocks (PKCS#7 with a block of 32, not AES's 16). */
const BLOCK = 32;

/** The AES key of an EncodingAESKey (43 base64 characters): 32 bytes; the IV is its first 16. */
function keyOf(encodingAesKey: string): Buffer {
  const key = Buffer.from(`${encodingAesKey}=`, 'base64');
  if (key.length !== 32) throw new Error('an EncodingAESKey is 43 base64 characters (32 bytes)');
  return key;
}

/**
 * Opens a safe-mode envelope: AES-256-CBC, no automatic padding, then WeChat's layout of 16
 * random bytes, the message's length (4 bytes, big-endian), the message, and the AppID.
 * @returns the message and the AppID it names, or undefined when the envelope does not open
 */
export function openEnvelope(
  encrypted: string,
  encodingAesKey: string,
): { message: string; appId: string } | undefined {
  try {
    const key = keyOf(encodingAesKey);
    const decipher = createDecipheriv('aes-256-cbc', key, key.subarray(0, 16));
    decipher.setAutoPadding(false);
    const padded = Buffer.concat([decipher.update(Buffer.from(encrypted, 'base64')), decipher.final()]);
    const pad = padded[padded.length - 1] ?? 0;
    if (pad < 1 || pad > BLOCK || pad > padded.length) return undefined;
    const plain = padded.subarray(0, padded.length - pad);
    if (plain.length < 20) return undefined;
    const length = plain.readUInt32BE(16);
    if (20 + length > plain.length) return undefined;
    return {
      message: plain.subarray(20, 20 + length).toString('utf8'),
      appId: plain.subarray(20 + length).toString('utf8'),
    };
  } catch {
    return undefined;
  }
}

/** Seals a message for safe mode, as WeChat does (the fake's side, and tests'). */
export function sealEnvelope(message: string, appId: string, encodingAesKey: string): string {
  const key = keyOf(encodingAesKey);
  const body = Buffer.from(message, 'utf8');
  const length = Buffer.alloc(4);
  length.writeUInt32BE(body.length);
  const plain = Buffer.concat([randomBytes(16), length, body, Buffer.from(appId, 'utf8')]);
  const pad = BLOCK - (plain.length % BLOCK);
  const cipher = createCipheriv('aes-256-cbc', key, key.subarray(0, 16));
  cipher.setAutoPadding(false);
  return Buffer.concat([
    cipher.update(Buffer.concat([plain, Buffer.alloc(pad, pad)])),
    cipher.final(),
  ]).toString('base64');
}
