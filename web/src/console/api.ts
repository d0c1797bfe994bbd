import type { ErrorBody, ErrorCode, FieldIssue, HostLogin } from '@rallyboard/core/protocol';
import { CHECK_FIELDS } from './form-errors.js';

const SESSION_KEY = 'rallyboard.console.session';

/** A signed-in host, as the console keeps it (sessionStorage: gone when the tab closes). */
export interface Session {
  token: string;
  expiresAt: string;
  host: HostLogin['host'];
}

export function loadSession(): Session | undefined {
  try {
    const session = JSON.parse(sessionStorage.getItem(SESSION_KEY) ?? 'null') as Session | null;
    if (!session || Date.parse(session.expiresAt) <= Date.now()) return undefined;
    return session;
  } catch {
    return undefined;
  }
}

export const saveSession = (session: Session) => sessionStorage.setItem(SESSION_KEY, JSON.stringify(session));
export const clearSession = () => sessionStorage.removeItem(SESSION_KEY);

/** What the console says for each error code a host may meet; anything else shows the server's text. */
const CODE_TEXT: Partial<Record<ErrorCode, string>> = {
  INVALID_CREDENTIALS: '用户名或密码错误',
  UNAUTHENTICATED: '登录已失效，请重新登录',
  TOKEN_EXPIRED: '登录已过期，请重新登录',
  FORBIDDEN: '当前账号没有权限执行此操作',
  PASSWORD_INCORRECT: '当前密码不正确',
  RATE_LIMITED: '操作太频繁，请稍后再试',
  IDEMPOTENCY_KEY_IN_USE: '上一次提交还在处理中，请稍候再试',
  INVALID_INPUT: CHECK_FIELDS,
  CAMPAIGN_NOT_FOUND: '活动不存在或无权访问',
  CAMPAIGN_NOT_EDITABLE: '活动当前状态下不能这样修改',
  INVALID_TRANSITION: '活动当前状态下不能执行此操作',
  REVEAL_NOT_ALLOWED: '封榜或结束后才能揭晓排名',
  CANDIDATE_EXISTS: '已有相同编号的候选',
  SERVICE_UNAVAILABLE: '服务暂时不可用，请稍后重试',
  HOST_WECHAT_UNBOUND:
    '请先绑定微信（右上角「绑定微信」）：候选名称和介绍须以发布者本人的微信身份通过内容安全检测',
  HOST_WECHAT_STALE: '微信只检测两小时内用过小程序的用户的内容：请用已绑定的微信打开小程序，再保存',
  CONTENT_RISKY: '内容未通过微信内容安全检测，请修改后再保存',
  CONTENT_NEEDS_REVIEW: '微信内容安全检测要求人工复核：请修改措辞，或请管理员保存',
  WECHAT_UNAVAILABLE: '微信暂时无法访问，请稍后重试',
  REWARD_TRIGGER_FORBIDDEN: '依《微信小程序平台运营规范》，分享、邀请、助力和付费不能作为奖励条件',
  COUPON_IMPORT_INVALID: '券码文件有误，未导入：请改正下列各行后重新导入',
  COUPON_NOT_GRANTED: '没有参与者持有这个券码',
  COUPON_RETIRED: '券码已收回作废：奖励已被收回，持券人看过的券码不再核销或发放',
  COUPON_EXPIRED: '券池已过期，券码不能再核销',
  LOTTERY_NOT_FOUND: '没有这个抽奖',
  LOTTERY_TOO_LATE: '抽奖须在活动开始前创建（草稿或已排期时），以便先公布种子承诺',
  LOTTERY_NOT_ENDED: '活动结束后才能开奖',
  LOTTERY_NOT_DRAWN: '开奖后才公布种子与抽奖券',
  LOTTERY_ALREADY_DRAWN: '这个抽奖已经开奖，结果不可更改',
  LOTTERY_SETTLING: '最后的有效投票还在结算抽奖券，请一分钟后再试',
  COUPON_POOL_NOT_FOUND: '没有这个券池',
  WECHAT_RATE_LIMITED: '微信接口繁忙，请稍后重试',
  INTERNAL: '服务器出错了，请稍后重试',
};

/** A refused call: the catalogue code, the text to show, and INVALID_INPUT's field issues. */
export class ApiError extends Error {
  constructor(
    readonly code: ErrorCode | 'NETWORK',
    message: string,
    readonly status: number,
    readonly issues: FieldIssue[] = [],
    /** The answer's `details`, for views that show more than the message (bad CSV lines). */
    readonly details?: unknown,
  ) {
    super(message);
  }
}

/** Called when the session is no longer good (401): the console goes back to the login. */
let onSignedOut: () => void = () => {};
export const whenSignedOut = (handler: () => void) => {
  onSignedOut = handler;
};

/** One API call with the host's token; JSON in and out. Throws ApiError on any refusal. */
export async function api<T>(
  method: string,
  path: string,
  body?: unknown,
  idempotencyKey?: string,
): Promise<T> {
  const res = await send(method, path, body, idempotencyKey);
  if (res.status === 204) return undefined as T;
  return (await res.json()) as T;
}

/**
 * A create form's POST, with an Idempotency-Key (server/src/http/idempotent.ts): the same key
 * while the form sends the same thing again (after no answer, or a failure), so a create that went
 * through unseen is not made twice; a new one for anything else, and after a success.
 */
export function createOnce() {
  let last: { request: string; key: string } | undefined;
  return async <T>(path: string, body: unknown): Promise<T> => {
    const request = JSON.stringify([path, body]);
    if (last?.request !== request) last = { request, key: crypto.randomUUID() };
    const answer = await api<T>('POST', path, body, last.key);
    last = undefined;
    return answer;
  };
}

async function send(
  method: string,
  path: string,
  body?: unknown,
  idempotencyKey?: string,
): Promise<Response> {
  const session = loadSession();
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      headers: {
        ...(session ? { authorization: `Bearer ${session.token}` } : {}),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(idempotencyKey === undefined ? {} : { 'idempotency-key': idempotencyKey }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      credentials: 'same-origin',
    });
  } catch {
    throw new ApiError('NETWORK', '网络连接失败，请检查网络后重试', 0);
  }
  if (res.ok) return res;
  let error: ErrorBody['error'] | undefined;
  try {
    error = ((await res.json()) as ErrorBody).error;
  } catch {
    error = undefined;
  }
  const code = error?.code ?? 'INTERNAL';
  if ((code === 'UNAUTHENTICATED' || code === 'TOKEN_EXPIRED') && !path.endsWith('/host/login')) {
    clearSession();
    onSignedOut();
  }
  const issues =
    code === 'INVALID_INPUT' && Array.isArray(error?.details) ? (error.details as FieldIssue[]) : [];
  throw new ApiError(
    code,
    (CODE_TEXT[code] ?? error?.message ?? `请求失败 (${res.status})`) + candidatesOf(error?.details),
    res.status,
    issues,
    error?.details,
  );
}

/** The candidates a content check refused, as the message's tail: `（候选：bob、carol）`. */
function candidatesOf(details: unknown): string {
  const list = (details as { candidates?: { candidateId?: unknown }[] } | undefined)?.candidates;
  if (!Array.isArray(list)) return '';
  const ids = list.map((c) => c.candidateId).filter((id) => typeof id === 'string');
  return ids.length > 0 ? `（候选：${ids.join('、')}）` : '';
}

/**
 * Downloads a file the API serves with the host's token (a link cannot send the header): fetched
 * as a Blob and saved under the name the server gave. The browser holds the whole file once it
 * arrives; the server streamed it all the same.
 */
export async function download(path: string, fallbackName: string): Promise<{ name: string; bytes: number }> {
  const res = await send('GET', path);
  const disposition = res.headers.get('content-disposition') ?? '';
  const utf8 = /filename\*=UTF-8''([^;]+)/.exec(disposition)?.[1];
  const plain = /filename="([^"]+)"/.exec(disposition)?.[1];
  const name = utf8 ? decodeURIComponent(utf8) : (plain ?? fallbackName);
  const blob = await res.blob();
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = name;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
  return { name, bytes: blob.size };
}
