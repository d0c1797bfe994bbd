import { stringify } from 'node:querystring';
import type { RouteSpec } from '../../../src/http/api.js';

/** One valid request of a route, in parts; the hostile cases each change one part of it. */
export interface ValidExample {
  params?: Record<string, string>;
  query?: Record<string, string>;
  /** Request headers the route reads (lower-case names), besides Authorization. */
  headers?: Record<string, string>;
  /** The JSON body, for routes that take one. */
  body?: unknown;
  /** The multipart/form-data body of an upload route: one file in `field`. */
  upload?: { field: string; bytes: Buffer; filename: string; contentType: string };
  /** The `Authorization` header value; routes that are not public need one. */
  authorization?: string;
  /**
   * The `Authorization` of the requests sent after the valid one, when that one revokes the token
   * it carried (a password change revokes every token signed before it).
   */
  authorizationAfter?: string;
}

/** A request as it goes on the wire: path and query already encoded, body as text or bytes. */
export interface WireRequest {
  method: RouteSpec['method'];
  /** The path, percent-encoded as sent. */
  path: string;
  /** The query string without `?`, encoded as sent; empty for none. */
  query: string;
  headers: Record<string, string>;
  body?: string | Uint8Array | { chunks: Uint8Array[] };
}

/** A hostile request: the wire request, what was done to the valid one, and what may answer it. */
export interface HostileCase {
  request: WireRequest;
  /** `family: what`, e.g. `body: wrong type of candidateId`. */
  mutation: string;
  /** When the answer is certain: the codes that may answer it. Otherwise any 4xx catalogue code. */
  expect?: readonly string[];
}

/** Fills an express path (`/a/:b`) with already-encoded segments. */
export function fillPath(path: string, segments: Record<string, string>): string {
  return path.replace(/:([A-Za-z0-9_]+)/g, (_, name: string) => {
    const segment = segments[name];
    if (segment === undefined) throw new Error(`no value for :${name} in ${path}`);
    return segment;
  });
}

const encodeParams = (params: Record<string, string> = {}) =>
  Object.fromEntries(Object.entries(params).map(([k, v]) => [k, encodeURIComponent(v)]));

/** The valid example as it goes on the wire. */
export function wireOf(spec: RouteSpec, example: ValidExample): WireRequest {
  const headers: Record<string, string> = { ...example.headers };
  if (example.authorization !== undefined) headers.authorization = example.authorization;
  if (example.body !== undefined) headers['content-type'] = 'application/json';
  let body: WireRequest['body'] = example.body === undefined ? undefined : JSON.stringify(example.body);
  if (example.upload) {
    const { field, bytes, filename, contentType } = example.upload;
    const boundary = 'hostile-boundary-7f3a';
    headers['content-type'] = `multipart/form-data; boundary=${boundary}`;
    body = Buffer.concat([
      Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="${field}"; filename="${filename}"\r\n` +
          `Content-Type: ${contentType}\r\n\r\n`,
      ),
      bytes,
      Buffer.from(`\r\n--${boundary}--\r\n`),
    ]);
  }
  return {
    method: spec.method,
    path: fillPath(spec.path, encodeParams(example.params)),
    query: example.query ? stringify(example.query) : '',
    headers,
    ...(body === undefined ? {} : { body }),
  };
}

export interface WireAnswer {
  status: number;
  contentType: string | null;
  text: string;
}

/** Sends a wire request to the server and reads the whole answer. */
export async function send(baseUrl: string, request: WireRequest): Promise<WireAnswer> {
  const url = `${baseUrl}${request.path}${request.query ? `?${request.query}` : ''}`;
  let body: RequestInit['body'];
  let duplex: { duplex?: 'half' } = {};
  if (request.body instanceof Uint8Array || typeof request.body === 'string') {
    body = request.body;
  } else if (request.body !== undefined) {
    // Chunked, without a Content-Length: the limit must hold on the stream, not on a header.
    const chunks = request.body.chunks;
    body = new ReadableStream<Uint8Array>({
      pull(controller) {
        const chunk = chunks.shift();
        if (chunk === undefined) controller.close();
        else controller.enqueue(chunk);
      },
    });
    duplex = { duplex: 'half' };
  }
  const res = await fetch(url, {
    method: request.method.toUpperCase(),
    headers: request.headers,
    ...(body === undefined ? {} : { body }),
    ...duplex,
  } as RequestInit);
  return { status: res.status, contentType: res.headers.get('content-type'), text: await res.text() };
}

/** A short form of a case for failure messages: huge values are cut. */
export function describeCase(hostile: HostileCase): string {
  const cut = (s: string) => (s.length > 200 ? `${s.slice(0, 200)}… (${s.length} chars)` : s);
  const { request } = hostile;
  const body =
    request.body === undefined
      ? ''
      : typeof request.body === 'string'
        ? cut(request.body)
        : request.body instanceof Uint8Array
          ? `<${request.body.length} bytes>`
          : '<chunked>';
  return JSON.stringify({
    mutation: hostile.mutation,
    request: `${request.method.toUpperCase()} ${cut(request.path)}${request.query ? `?${cut(request.query)}` : ''}`,
    headers: Object.fromEntries(Object.entries(request.headers).map(([k, v]) => [k, cut(v)])),
    body,
  });
}
