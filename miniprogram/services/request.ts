import type { z } from 'zod';
import { settings } from '../config.js';
import { type ErrorCode, errorBodySchema } from '../protocol/errors.js';
import { BAD_ANSWER_MESSAGE, messageFor, NETWORK_MESSAGE } from './messages.js';

/** Why a call failed: a catalogue code, or that no readable answer came back. */
export type FailureCode = ErrorCode | 'NETWORK' | 'BAD_ANSWER';

/** A failed call, with the Chinese message to show as it is. */
export class ApiError extends Error {
  constructor(
    readonly code: FailureCode,
    /** The HTTP status; 0 when no answer came. */
    readonly status: number,
    message: string,
    readonly details?: unknown,
    /**
     * An earlier send of the same retried call (withRetries) got no certain answer (none, or
     * 503): the server may have done the work then, whatever this answer says.
     */
    readonly afterMaybeDone = false,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';

export interface ApiRequest {
  method: Method;
  /** The path under the server, e.g. `/api/public/campaigns`. */
  path: string;
  query?: Record<string, string | number | undefined>;
  body?: unknown;
  headers?: Record<string, string>;
  /** A file to upload instead of a body (wx.uploadFile, multipart/form-data): its temporary path and form field. */
  file?: { path: string; field: string };
}

function urlOf(path: string, query: ApiRequest['query']): string {
  const pairs = Object.entries(query ?? {}).flatMap(([key, value]) =>
    value === undefined ? [] : [`${encodeURIComponent(key)}=${encodeURIComponent(String(value))}`],
  );
  return `${settings.apiBase}${path}${pairs.length > 0 ? `?${pairs.join('&')}` : ''}`;
}

/** wx.uploadFile as a promise: the status and the parsed body (it answers text), or NETWORK. */
function upload(
  req: ApiRequest,
  file: NonNullable<ApiRequest['file']>,
): Promise<{ status: number; data: unknown }> {
  return new Promise((resolve, reject) => {
    wx.uploadFile({
      url: urlOf(req.path, req.query),
      filePath: file.path,
      name: file.field,
      header: { ...req.headers },
      success: (res) => {
        let data: unknown = res.data;
        try {
          data = JSON.parse(res.data);
        } catch {
          // Not JSON: checked against the schema (or the error body) as it is.
        }
        resolve({ status: res.statusCode, data });
      },
      fail: () => reject(new ApiError('NETWORK', 0, NETWORK_MESSAGE)),
    });
  });
}

/** wx.request as a promise: the status and the parsed body, or NETWORK when nothing came back. */
function send(req: ApiRequest): Promise<{ status: number; data: unknown }> {
  if (req.file) return upload(req, req.file);
  return new Promise((resolve, reject) => {
    wx.request({
      url: urlOf(req.path, req.query),
      method: req.method,
      header: {
        ...(req.body === undefined ? {} : { 'content-type': 'application/json' }),
        ...req.headers,
      },
      ...(req.body === undefined ? {} : { data: JSON.stringify(req.body) }),
      dataType: 'json',
      success: (res) => resolve({ status: res.statusCode, data: res.data }),
      fail: () => reject(new ApiError('NETWORK', 0, NETWORK_MESSAGE)),
    });
  });
}

/** The error of an answer that is not 2xx: its catalogue code and a Chinese message. */
function errorOf(status: number, data: unknown): ApiError {
  const parsed = errorBodySchema.safeParse(data);
  if (!parsed.success) {
    return new ApiError(status >= 500 ? 'INTERNAL' : 'BAD_ANSWER', status, BAD_ANSWER_MESSAGE);
  }
  const { code, details } = parsed.data.error;
  return new ApiError(code, status, messageFor(code, details), details);
}

/**
 * Calls the API and checks the answer against its protocol schema. Rejects with an ApiError
 * whose message is ready to show; never with anything else.
 */
export async function request<S extends z.ZodType>(req: ApiRequest, schema: S): Promise<z.infer<S>>;
export async function request(req: ApiRequest, schema?: undefined): Promise<undefined>;
export async function request(req: ApiRequest, schema?: z.ZodType): Promise<unknown> {
  const { status, data } = await send(req);
  if (status < 200 || status >= 300) throw errorOf(status, data);
  if (schema === undefined) return undefined;
  const parsed = schema.safeParse(data);
  if (!parsed.success) throw new ApiError('BAD_ANSWER', status, BAD_ANSWER_MESSAGE, parsed.error.issues);
  return parsed.data;
}

/**
 * What may have happened on the server although the answer says otherwise: no answer (the
 * network dropped it), or 503 (the server gave up waiting for a store, which may still have done
 * the work, or not yet).
 */
const MAYBE_DONE: ReadonlySet<FailureCode> = new Set(['NETWORK', 'SERVICE_UNAVAILABLE']);

/** The same failure, marked as coming after a send that may have been done (`afterMaybeDone`). */
const afterMaybeDone = (error: ApiError) =>
  new ApiError(error.code, error.status, error.message, error.details, true);

/**
 * Calls `call` again after a failure that may or may not have happened on the server (no answer,
 * 503), waiting 300 ms, then twice as long each time: only for a call the server takes once
 * however often it comes (the same idempotency key, the same grant). Any other failure, and the
 * last one, is thrown as it came; after such a failure, marked `afterMaybeDone` (a refusal of the
 * call again, e.g. a rate limit the first send spent, says nothing of that first send).
 * @param retries how many more calls after such a failure; @default 2
 */
export async function withRetries<T>(call: () => Promise<T>, retries = 2): Promise<T> {
  let maybeDone = false;
  for (let attempt = 0; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      const uncertain = error instanceof ApiError && MAYBE_DONE.has(error.code);
      if (!uncertain || attempt >= retries) {
        throw maybeDone && error instanceof ApiError ? afterMaybeDone(error) : error;
      }
      maybeDone = true;
      await new Promise((resolve) => setTimeout(resolve, 300 * 2 ** attempt));
    }
  }
}
