import { stringify } from 'node:querystring';
import fc from 'fast-check';
import type { RouteSpec } from '../../../src/http/api.js';
import { headersAreInvalid, pathIsInvalid, queryIsInvalid } from './oracle.js';
import { fillPath, type HostileCase, type ValidExample, type WireRequest } from './requests.js';
import { encodeAny, hostileString, RAW_SEGMENTS } from './values.js';

/** A kind of hostile change, with the cases it makes for one route. */
export interface Family {
  name: string;
  cases: fc.Arbitrary<HostileCase>;
}

/** A prepared Authorization header (or none) that must be refused, and the codes that may refuse it. */
export interface BadAuthorization {
  what: string;
  header: string | undefined;
  expect: readonly string[];
}

export interface MutationContext {
  spec: RouteSpec;
  example: ValidExample;
  /** Every route, to tell whether a changed path lands on another one. */
  routes: readonly RouteSpec[];
  bodyLimitBytes: number;
  /** Refused Authorization headers for this route's auth mode (see the test's fixture). */
  badAuthorizations: readonly BadAuthorization[];
}

/** A header value a client can send: printable Latin-1 (what a raw client's UTF-8 bytes arrive as). */
const asLatin1Bytes = (value: string) => Buffer.from(value, 'utf8').toString('latin1');
const sendableHeader = (value: string) =>
  /^([\x21-\x7e\x80-\xff]([\x20-\x7e\x80-\xff\t]*[\x21-\x7e\x80-\xff])?)?$/.test(value);

export const shapeKeys = (schema: unknown): string[] =>
  Object.keys((schema as { shape?: Record<string, unknown> } | undefined)?.shape ?? {});

export function hostile(request: WireRequest, mutation: string, expect?: readonly string[]): HostileCase {
  return { request, mutation, ...(expect ? { expect } : {}) };
}

/** Missing, malformed, expired, forged or wrong-kind tokens. */
export function authFamily(ctx: MutationContext, valid: WireRequest): Family {
  const withAuth = (header: string | undefined) => {
    const { authorization: _drop, ...headers } = valid.headers;
    return { ...valid, headers: header === undefined ? headers : { ...headers, authorization: header } };
  };
  const prepared = fc
    .constantFrom(...ctx.badAuthorizations)
    .map((bad) => hostile(withAuth(bad.header), `auth: ${bad.what}`, bad.expect));
  const garbage = fc
    .oneof(
      fc.string({ unit: 'binary-ascii', minLength: 1, maxLength: 60 }),
      fc.string({ minLength: 1, maxLength: 60 }).map((s) => `Bearer ${s}`),
      fc.base64String({ minLength: 4, maxLength: 80 }).map((s) => `Bearer ${s}`),
    )
    .filter(sendableHeader)
    .map((header) => hostile(withAuth(header), 'auth: garbage', ['UNAUTHENTICATED']));
  return { name: 'auth', cases: fc.oneof({ arbitrary: prepared, weight: 2 }, garbage) };
}

/** One path param replaced: hostile strings, operators, encoded slashes, dots, NUL, broken escapes. */
export function paramsFamily(ctx: MutationContext, valid: WireRequest): Family {
  const params = ctx.example.params ?? {};
  const names = Object.keys(params);
  const cases = fc
    .constantFrom(...names)
    .chain((name) =>
      fc
        .oneof(hostileString(params[name] ?? 'x').map(encodeAny), fc.constantFrom('', ...RAW_SEGMENTS))
        .map((segment) => {
          const segments = Object.fromEntries(
            Object.entries(params).map(([k, v]) => [k, k === name ? segment : encodeURIComponent(v)]),
          );
          return hostile({ ...valid, path: fillPath(ctx.spec.path, segments) }, `params: ${name}`, [
            'INVALID_INPUT',
            'NOT_FOUND',
            'HEADERS_TOO_LARGE',
          ]);
        }),
    )
    .filter((c) => pathIsInvalid(ctx.routes, ctx.spec.method, c.request.path));
  return { name: 'params', cases };
}

/** One query change: hostile values, repeated keys, bracket keys (`limit[$gt]=1`), unknown keys. */
export function queryFamily(ctx: MutationContext, valid: WireRequest): Family {
  const query = ctx.example.query ?? {};
  const keys = [...new Set([...Object.keys(query), ...shapeKeys(ctx.spec.query)])];
  const rest = (key: string) => {
    const { [key]: _drop, ...others } = query;
    return stringify(others);
  };
  const join = (...parts: string[]) => parts.filter(Boolean).join('&');
  const changed = fc.constantFrom(...keys).chain((key) =>
    fc.oneof(
      hostileString(query[key] ?? 'x').map((v) => [
        `value of ${key}`,
        join(rest(key), `${key}=${encodeAny(v)}`),
      ]),
      fc
        .constantFrom('%', '%E0%A4%A', '%ED%A0%80', '%00')
        .map((v) => [`broken escape in ${key}`, join(rest(key), `${key}=${v}`)]),
      fc
        .constantFrom('$gt', '$ne', '$where', '$regex', '', 'a][b', '0')
        .map((op) => [`${key}[${op}]`, join(rest(key), `${encodeAny(`${key}[${op}]`)}=1`)]),
      fc
        .constantFrom(`${key}[]`, `${key}[$gt]`, `${key}[a][b]`, `${key}.$gt`)
        .map((k) => [`bracket key ${k}`, join(stringify(query), `${k}=${encodeAny(query[key] ?? '1')}`)]),
      fc
        .tuple(fc.constantFrom(query[key] ?? '1', 'all', '1'), fc.constantFrom(query[key] ?? '1', 'day', '2'))
        .map(([a, b]) => [
          `repeated ${key}`,
          join(rest(key), `${key}=${encodeAny(a)}&${key}=${encodeAny(b)}`),
        ]),
    ),
  );
  const unknown = fc
    .oneof(
      fc.constantFrom('$where', '__proto__', 'constructor[prototype][polluted]', 'voterId', '_id', 'admin'),
      fc.string({ minLength: 1, maxLength: 10 }),
    )
    .map((k) => ['unknown key', join(stringify(query), `${encodeAny(k)}=1`)]);
  const cases = fc
    .oneof({ arbitrary: changed, weight: 4 }, unknown)
    .map(([what, qs]) =>
      hostile({ ...valid, query: qs as string }, `query: ${what}`, ['INVALID_INPUT', 'HEADERS_TOO_LARGE']),
    )
    .filter((c) => queryIsInvalid(ctx.spec, c.request.query));
  return { name: 'query', cases };
}

/** One declared header replaced by a hostile value, as a client's bytes arrive. */
export function headersFamily(ctx: MutationContext, valid: WireRequest): Family {
  const headers = ctx.example.headers ?? {};
  const cases = fc
    .constantFrom(...shapeKeys(ctx.spec.headers))
    .chain((name) =>
      fc
        .oneof(
          hostileString(headers[name] ?? 'x').map(asLatin1Bytes),
          fc.constant(`${headers[name] ?? 'x'}, ${headers[name] ?? 'x'}`),
        )
        .filter(sendableHeader)
        .map((value) =>
          hostile({ ...valid, headers: { ...valid.headers, [name]: value } }, `headers: ${name}`, [
            'INVALID_INPUT',
            'HEADERS_TOO_LARGE',
          ]),
        ),
    )
    .filter((c) => headersAreInvalid(ctx.spec, c.request.headers));
  return { name: 'headers', cases };
}
