import type { z } from 'zod';
import type { Config } from '../config/index.js';
import type { Logger } from '../logger.js';
import { AppError, toFieldIssues } from '../protocol/index.js';
import { type WeChatApiName, WeChatError, WeChatTransportError } from './errors.js';
import { errorEnvelopeSchema } from './schemas.js';

/** What WeChat sent back, read to the end within the call's timeout. */
export interface WeChatAnswer {
  response: Response;
  bytes: Buffer;
}

/** An image WeChat answered with. */
export interface ImageAnswer {
  image: Buffer;
  /** `image/png` or `image/jpeg`, as WeChat labelled the bytes. */
  contentType: string;
}

/**
 * How every call of client.ts talks to WeChat: one request, one answer read against its schema.
 * Every failure is logged here, once, and thrown as a catalogue error (see errors.ts).
 */
export interface WeChatTransport {
  /** The AppID and AppSecret, read when a call needs them: WECHAT_NOT_CONFIGURED without both. */
  credentials(): { appId: string; appSecret: string };
  /**
   * Sends one request: a GET without `body`, a JSON POST with it. The URL carries the secret or the
   * access token, so it is never logged nor put in an error; the timeout covers the whole
   * exchange, body included. Fields of the body that are undefined are left out (JSON.stringify
   * drops them).
   */
  send(
    api: WeChatApiName,
    path: string,
    query: Record<string, string>,
    body?: unknown,
  ): Promise<WeChatAnswer>;
  /** Reads a JSON answer: an errcode is a WeChatError, anything undocumented a transport error. */
  readJson<S extends z.ZodType>(api: WeChatApiName, schema: S, answer: WeChatAnswer): z.output<S>;
  /** Reads an answer that is image bytes on success and JSON on failure (whatever its content type says). */
  readImage(api: WeChatApiName, answer: WeChatAnswer): ImageAnswer;
}

/** Errcodes a user causes; logged at info, the rest at warn. */
const USER_ERRCODES = new Set([40029, 40226, 45011]);

/** `value` as `schema` reads it, or INVALID_INPUT naming the fields WeChat would refuse. */
export function validated<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new AppError('INVALID_INPUT', { details: toFieldIssues(parsed.error) });
  return parsed.data;
}

/** Logs a failure (never a URL, secret, token or session key) and throws it. */
type Fail = (error: WeChatError | WeChatTransportError) => never;

function failWith(logger: Logger | undefined): Fail {
  return (error) => {
    if (error instanceof WeChatError) {
      const level = USER_ERRCODES.has(error.errcode) ? 'info' : 'warn';
      logger?.[level](
        { api: error.api, errcode: error.errcode, errmsg: error.errmsg },
        'WeChat answered an error',
      );
    } else {
      logger?.warn({ api: error.api, failure: error.failure, detail: error.detail }, 'WeChat call failed');
    }
    throw error;
  };
}

function credentialsOf(wechat: Config['wechat']): { appId: string; appSecret: string } {
  if (wechat.appId === undefined || wechat.appSecret === undefined) {
    throw new AppError('WECHAT_NOT_CONFIGURED', {
      cause: new Error('WECHAT_APP_ID and WECHAT_APP_SECRET must both be set'),
    });
  }
  return { appId: wechat.appId, appSecret: wechat.appSecret };
}

async function send(
  wechat: Config['wechat'],
  fail: Fail,
  api: WeChatApiName,
  path: string,
  query: Record<string, string>,
  body?: unknown,
): Promise<WeChatAnswer> {
  const url = `${wechat.apiBase}${path}?${new URLSearchParams(query).toString()}`;
  try {
    const response = await fetch(url, {
      method: body === undefined ? 'GET' : 'POST',
      signal: AbortSignal.timeout(wechat.timeoutMs),
      ...(body === undefined
        ? {}
        : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
    });
    return { response, bytes: Buffer.from(await response.arrayBuffer()) };
  } catch (error) {
    const timedOut = error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError');
    return fail(
      timedOut
        ? new WeChatTransportError(api, 'timeout', `no answer within ${wechat.timeoutMs} ms`, error)
        : new WeChatTransportError(api, 'network', 'the request failed', error),
    );
  }
}

function readJson<S extends z.ZodType>(
  fail: Fail,
  api: WeChatApiName,
  schema: S,
  { response, bytes }: WeChatAnswer,
): z.output<S> {
  let body: unknown;
  try {
    body = JSON.parse(bytes.toString('utf8'));
  } catch {
    // Not the SyntaxError as cause: its message quotes the body.
    return fail(
      new WeChatTransportError(
        api,
        response.ok ? 'invalid-response' : 'http-status',
        `HTTP ${response.status}, ${response.headers.get('content-type') ?? 'no content type'}, not JSON`,
      ),
    );
  }
  const envelope = errorEnvelopeSchema.safeParse(body);
  if (envelope.success && envelope.data.errcode !== undefined && envelope.data.errcode !== 0) {
    return fail(new WeChatError(api, envelope.data.errcode, envelope.data.errmsg ?? ''));
  }
  if (!response.ok) return fail(new WeChatTransportError(api, 'http-status', `HTTP ${response.status}`));
  const parsed = schema.safeParse(body);
  if (!parsed.success) {
    // Issue paths and messages only: zod does not quote the values (one may be a session key).
    const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
    return fail(new WeChatTransportError(api, 'invalid-response', `unexpected answer: ${issues.join('; ')}`));
  }
  return parsed.data;
}

function readImage(fail: Fail, api: WeChatApiName, answer: WeChatAnswer): ImageAnswer {
  const contentType = (answer.response.headers.get('content-type') ?? '').split(';')[0]?.trim() ?? '';
  if (answer.response.ok && /^image\//i.test(contentType) && answer.bytes.length > 0) {
    return { image: answer.bytes, contentType: contentType.toLowerCase() };
  }
  // Not an image: an errcode in it is WeChat's refusal, anything else an answer we cannot use.
  readJson(fail, api, errorEnvelopeSchema, answer);
  return fail(
    new WeChatTransportError(
      api,
      'invalid-response',
      `expected an image, got ${contentType || 'no content type'}`,
    ),
  );
}

/**
 * @param wechat the `wechat` part of the config: base URL, credentials and timeout.
 * @param logger where failures are logged (api, errcode, errmsg; never a URL, secret, token or session key).
 */
export function createWeChatTransport(wechat: Config['wechat'], logger?: Logger): WeChatTransport {
  const fail = failWith(logger);
  return {
    // Read by each call that needs them, so a server without WeChat credentials still starts and
    // only those calls answer WECHAT_NOT_CONFIGURED.
    credentials: () => credentialsOf(wechat),
    send: (api, path, query, body) => send(wechat, fail, api, path, query, body),
    readJson: (api, schema, answer) => readJson(fail, api, schema, answer),
    readImage: (api, answer) => readImage(fail, api, answer),
  };
}
