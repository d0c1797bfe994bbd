import { randomBytes } from 'node:crypto';

const hex = (bytes: number) => randomBytes(bytes).toString('hex');

/** WeChat-style messages for the errcodes the contract lists. */
export function defaultErrmsg(errcode: number): string {
  const messages: Record<number, string> = {
    [-1]: 'system error',
    40001: 'invalid credential, access_token is invalid or not latest',
    40003: 'invalid openid',
    40013: 'invalid appid',
    40029: 'invalid code',
    40037: 'invalid template_id',
    40097: 'invalid args',
    40125: 'invalid appsecret',
    40129: 'invalid scene',
    40164: 'invalid ip, not in whitelist',
    40226: 'high risk user, login blocked',
    41001: 'access_token missing',
    41030: 'invalid page',
    42001: 'access_token expired',
    43101: 'user refuse to accept the msg',
    43104: 'appid and openid not match',
    45009: 'reach max api daily quota limit',
    45011: 'api minute-quota reach limit, mustslower retry next minute',
    47001: 'data format error',
    47003: 'argument invalid',
    48001: 'api unauthorized',
    61010: 'user is not visited in 2 hours',
  };
  return messages[errcode] ?? 'error';
}

/** A WeChat error body; the errmsg carries a request id, as WeChat's do. */
export function errorBody(errcode: number, errmsg = defaultErrmsg(errcode)): Record<string, unknown> {
  return { errcode, errmsg: `${errmsg} rid: ${hex(4)}-${hex(4)}` };
}
