import { randomBytes, randomInt } from 'node:crypto';
import { errorBody } from './errors.js';
import { patternPng } from './png.js';
import { deliverPush } from './push.js';
import { FAKE_PATHS, type WeChatFakeState } from './state.js';

/** What an endpoint answers: JSON (WeChat answers errors with HTTP 200), or raw bytes. */
export type FakeAnswer =
  | { json: Record<string, unknown> }
  | { status: number; contentType: string; body: Buffer };

export interface FakeRequest {
  method: string;
  query: URLSearchParams;
  /** The parsed JSON body of a POST; undefined for a GET, `null` when it was not JSON. */
  body: unknown;
}

type Handler = (req: FakeRequest, state: WeChatFakeState) => FakeAnswer;

const fail = (errcode: number, errmsg?: string): FakeAnswer => ({ json: errorBody(errcode, errmsg) });
const ok = (fields: Record<string, unknown> = {}): FakeAnswer => ({
  json: { errcode: 0, errmsg: 'ok', ...fields },
});

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const text = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

const SCENE = /^[0-9A-Za-z!#$&'()*+,/:;=?@\-._~]{1,32}$/;

function credentialsError(state: WeChatFakeState, appid: unknown, secret: unknown): FakeAnswer | undefined {
  if (appid !== state.appId) return fail(40013);
  if (secret !== state.appSecret) return fail(40125);
  return undefined;
}

/** A JSON POST endpoint that needs a valid access token. */
function withToken(handler: (body: Record<string, unknown>, state: WeChatFakeState) => FakeAnswer): Handler {
  return (req, state) => {
    const tokenError = state.checkToken(req.query.get('access_token'));
    if (tokenError !== undefined) return fail(tokenError);
    if (req.method !== 'POST' || !isRecord(req.body)) return fail(47001, 'data format error');
    return handler(req.body, state);
  };
}

const code2Session: Handler = (req, state) => {
  const q = req.query;
  const wrong = credentialsError(state, q.get('appid'), q.get('secret'));
  if (wrong) return wrong;
  if (q.get('grant_type') !== 'authorization_code') return fail(40002, 'invalid grant_type');
  const code = q.get('js_code');
  if (!code) return fail(41008, 'missing code');
  const resolved = state.resolveCode(code);
  if ('errcode' in resolved)
    return fail(resolved.errcode, state.usedCodes.has(code) ? 'code been used' : undefined);
  const { openid } = resolved;
  // Over the limit, the code is not spent: the user may try it again next minute.
  if (state.overLoginLimit(openid)) return fail(45011);
  state.usedCodes.add(code);
  if (state.blockedOpenids.has(openid)) return fail(40226);
  state.visit(openid);
  const sessionKey = randomBytes(16).toString('base64');
  state.sessionKeys.set(openid, sessionKey);
  return {
    json: {
      openid,
      session_key: sessionKey,
      ...(state.unionIds ? { unionid: `u-${openid}` } : {}),
    },
  };
};

/** GET /cgi-bin/token: every call mints a token and invalidates the previous one. */
const token: Handler = (req, state) => {
  const q = req.query;
  if (q.get('grant_type') !== 'client_credential') return fail(40002, 'invalid grant_type');
  const wrong = credentialsError(state, q.get('appid'), q.get('secret'));
  if (wrong) return wrong;
  const previous = state.currentToken && state.tokens.get(state.currentToken);
  if (previous) previous.revoked = true;
  state.currentToken = state.mintToken();
  return { json: { access_token: state.currentToken, expires_in: state.tokenTtlSeconds } };
};

/**
 * POST /cgi-bin/stable_token. Normal mode: the current token while it has more than
 * `renewWithinSeconds` left, even one WeChat now rejects (40001), then the next one (the previous
 * stays valid until it expires). `force_refresh: true` mints one at once and invalidates the
 * previous; WeChat allows it 20 times a day, 30 s apart (45009 and 45011 beyond).
 */
const stableToken: Handler = (req, state) => {
  const b = isRecord(req.body) ? req.body : {};
  if (b.grant_type !== 'client_credential') return fail(40002, 'invalid grant_type');
  const wrong = credentialsError(state, b.appid, b.secret);
  if (wrong) return wrong;
  const current = state.currentStableToken;
  const record = current === undefined ? undefined : state.tokens.get(current);
  if (b.force_refresh === true) {
    const refused = state.takeForcedRefresh();
    if (refused !== undefined) return fail(refused);
    if (record) record.revoked = true;
  } else {
    const leftMs = record ? record.expiresAt - Date.now() : 0;
    if (current !== undefined && leftMs > state.renewWithinSeconds * 1_000) {
      return { json: { access_token: current, expires_in: Math.floor(leftMs / 1_000) } };
    }
  }
  state.currentStableToken = state.mintToken();
  return { json: { access_token: state.currentStableToken, expires_in: state.tokenTtlSeconds } };
};

const qrCode = withToken((b, state) => {
  if (typeof b.scene !== 'string' || !SCENE.test(b.scene)) return fail(40097, 'invalid args: scene');
  const page = b.page ?? '';
  if (typeof page !== 'string' || page.startsWith('/') || page.includes('?')) return fail(41030);
  if (page !== '' && b.check_path !== false && state.pages && !state.pages.has(page)) return fail(41030);
  const width = b.width ?? 430;
  if (typeof width !== 'number' || !Number.isInteger(width) || width < 280 || width > 1280) {
    return fail(40097, 'invalid args: width');
  }
  if (b.env_version !== undefined && !['release', 'trial', 'develop'].includes(String(b.env_version))) {
    return fail(40097, 'invalid args: env_version');
  }
  return { status: 200, contentType: 'image/png', body: patternPng(`${page}?${b.scene}`, width) };
});

const msgSecCheck = withToken((b, state) => {
  if (b.version !== 2) return fail(40097, 'invalid args: version');
  const openid = text(b.openid);
  if (!openid) return fail(40003);
  if (![1, 2, 3, 4].includes(Number(b.scene))) return fail(40097, 'invalid args: scene');
  if (typeof b.content !== 'string' || b.content.length > 2500) return fail(40097, 'invalid args: content');
  // The contract: the user must have used the mini-program within the last two hours.
  if (!state.visitedRecently(openid)) return fail(61010);
  const checked = [b.content, b.title, b.nickname, b.signature]
    .filter((v) => typeof v === 'string')
    .join('\n');
  const hit = [...state.blocklist].find(([word]) => checked.includes(word));
  const result = hit ? { suggest: hit[1].suggest, label: hit[1].label } : { suggest: 'pass', label: 100 };
  return ok({
    trace_id: `${randomBytes(8).toString('hex')}-${Date.now()}`,
    result,
    detail: [
      {
        strategy: hit ? 'keyword' : 'content_model',
        errcode: 0,
        ...result,
        ...(hit ? { keyword: hit[0] } : { prob: 90 }),
      },
    ],
  });
});

const riskRank = withToken((b, state) => {
  const openid = text(b.openid);
  if (!openid) return fail(40003);
  if (b.appid !== state.appId) return fail(43104);
  if (b.scene !== 0 && b.scene !== 1) return fail(40129);
  if (!text(b.client_ip)) return fail(40097, 'invalid args: client_ip');
  if (!state.visitedRecently(openid)) return fail(61010);
  return ok({ risk_rank: state.riskRanks.get(openid) ?? 0, unoin_id: randomInt(1, 2 ** 31) });
});

const subscribeSend = withToken((b, state) => {
  const touser = text(b.touser);
  if (!touser) return fail(40003);
  const templateId = text(b.template_id);
  if (!templateId) return fail(40037);
  const data = b.data;
  if (!isRecord(data) || !Object.values(data).every((v) => isRecord(v) && typeof v.value === 'string')) {
    return fail(47003);
  }
  const key = `${touser} ${templateId}`;
  const left = state.subscriptions.get(key) ?? 0;
  if (left <= 0) return fail(43101);
  state.subscriptions.set(key, left - 1);
  state.sent.push({
    touser,
    templateId,
    page: typeof b.page === 'string' ? b.page : undefined,
    data: data as Record<string, { value: string }>,
    miniprogramState: typeof b.miniprogram_state === 'string' ? b.miniprogram_state : undefined,
    lang: typeof b.lang === 'string' ? b.lang : undefined,
  });
  return ok({ msgid: randomInt(1, 2 ** 31) });
});

const mediaCheck = withToken((b, state) => {
  if (b.version !== 2) return fail(40097, 'invalid args: version');
  const openid = text(b.openid);
  if (!openid) return fail(40003);
  const url = text(b.media_url);
  if (!url || !url.startsWith('https://')) return fail(40097, 'invalid args: media_url');
  if (b.media_type !== 1 && b.media_type !== 2) return fail(40097, 'invalid args: media_type');
  if (![1, 2, 3, 4].includes(Number(b.scene))) return fail(40097, 'invalid args: scene');
  const traceId = `${randomBytes(8).toString('hex')}-${Date.now()}`;
  const target = state.push;
  if (target) {
    const verdict = state.mediaVerdictOf(url);
    const message = {
      ToUserName: 'gh_fake',
      FromUserName: openid,
      CreateTime: Math.floor(Date.now() / 1000),
      MsgType: 'event',
      Event: 'wxa_media_check',
      appid: state.appId,
      trace_id: traceId,
      version: 2,
      result: verdict,
      detail: [{ strategy: 'content_model', errcode: 0, ...verdict, prob: 90 }],
    };
    setTimeout(() => {
      void deliverPush(target, message, state.appId).then((answer) =>
        state.pushes.push({ traceId, ...answer }),
      );
    }, state.pushDelayMs);
  }
  return ok({ trace_id: traceId });
});

/** Path → handler, with the method each documented endpoint takes. */
export const HANDLERS: ReadonlyMap<string, { method: 'GET' | 'POST'; handle: Handler }> = new Map([
  [FAKE_PATHS.code2Session, { method: 'GET', handle: code2Session }],
  [FAKE_PATHS.token, { method: 'GET', handle: token }],
  [FAKE_PATHS.stableToken, { method: 'POST', handle: stableToken }],
  [FAKE_PATHS.qrCode, { method: 'POST', handle: qrCode }],
  [FAKE_PATHS.msgSecCheck, { method: 'POST', handle: msgSecCheck }],
  [FAKE_PATHS.riskRank, { method: 'POST', handle: riskRank }],
  [FAKE_PATHS.subscribeSend, { method: 'POST', handle: subscribeSend }],
  [FAKE_PATHS.mediaCheck, { method: 'POST', handle: mediaCheck }],
]);
