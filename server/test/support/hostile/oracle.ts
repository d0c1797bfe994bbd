import { parse as parseQuery } from 'node:querystring';
import type { z } from 'zod';
import type { RouteSpec } from '../../../src/http/api.js';

/**
 * Decides whether a hostile request is invalid by construction: it reads the request the way the
 * server does (URL normalization, express's path matching and decoding, the `simple` query
 * parser, express.json) and asks the route's own schemas. A case the server could rightly accept
 * is never sent, so every case sent has one correct kind of answer: a 4xx.
 */

const refuses = (schema: z.ZodType | undefined, value: unknown) =>
  schema !== undefined && !schema.safeParse(value).success;

/** express's path pattern as a regex: `:name` is one segment, case-insensitive, trailing slash allowed. */
function pathPattern(path: string): { regex: RegExp; names: string[] } {
  const names: string[] = [];
  const source = path
    .split(/(:[A-Za-z0-9_]+)/)
    .map((part) => {
      if (!part.startsWith(':')) return part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      names.push(part.slice(1));
      return '([^/]+?)';
    })
    .join('');
  return { regex: new RegExp(`^${source}/?$`, 'i'), names };
}

/**
 * True when no route of the method would take the path: after the URL normalization a client
 * applies (dot segments, backslashes), no pattern matches, or every match has a param that does
 * not decode or that its schema refuses.
 */
export function pathIsInvalid(routes: readonly RouteSpec[], method: string, rawPath: string): boolean {
  const pathname = new URL(rawPath, 'http://127.0.0.1').pathname;
  for (const route of routes) {
    if (route.method !== method) continue;
    const { regex, names } = pathPattern(route.path);
    const match = regex.exec(pathname);
    if (!match) continue;
    let params: Record<string, string>;
    try {
      params = Object.fromEntries(names.map((name, i) => [name, decodeURIComponent(match[i + 1] ?? '')]));
    } catch {
      continue;
    }
    if (!refuses(route.params, params)) return false;
  }
  return true;
}

/** The query as express 5 parses it (`query parser: simple`, i.e. node:querystring). */
const queryView = (rawQuery: string): Record<string, unknown> => ({ ...parseQuery(rawQuery) });

export const queryIsInvalid = (spec: RouteSpec, rawQuery: string): boolean =>
  refuses(spec.query, queryView(rawQuery));

/** The headers a route reads, as `req.get` gives them (a repeated header arrives joined). */
export function headersAreInvalid(spec: RouteSpec, headers: Record<string, string>): boolean {
  if (!spec.headers) return false;
  const shape = (spec.headers as unknown as { shape?: Record<string, unknown> }).shape ?? {};
  const lower = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
  return refuses(spec.headers, Object.fromEntries(Object.keys(shape).map((name) => [name, lower[name]])));
}

/** What express.json makes of a UTF-8 body: a value, or `undefined` when it refuses it. */
export function jsonView(body: string | Uint8Array): { value: unknown } | undefined {
  // express.json decodes with iconv-lite, which drops one leading BOM, as TextDecoder does.
  const text = typeof body === 'string' ? body.replace(/^\uFEFF/, '') : new TextDecoder().decode(body);
  if (text.length === 0) return { value: {} };
  // strict: only an object or an array.
  const first = text.replace(/^[ \t\n\r]+/, '')[0];
  if (first !== '{' && first !== '[') return undefined;
  try {
    return { value: JSON.parse(text) };
  } catch {
    return undefined;
  }
}

/** A JSON body (sent as application/json) that the parser or the route's body schema refuses. */
export function bodyIsInvalid(spec: RouteSpec, body: string | Uint8Array): boolean {
  const view = jsonView(body);
  return view === undefined || refuses(spec.body, view.value);
}
