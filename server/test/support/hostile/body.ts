import fc from 'fast-check';
import { type Family, hostile, type MutationContext, shapeKeys } from './mutations.js';
import { bodyIsInvalid, jsonView } from './oracle.js';
import type { HostileCase, WireRequest } from './requests.js';
import {
  HUGE,
  hostileString,
  nestedArrays,
  nestedObjects,
  OPERATOR_OBJECTS,
  wrongTypeValue,
} from './values.js';

/** The body families: malformed JSON, refused fields, oversized bodies, other content types. */

type Path = (string | number)[];

function setAt(value: unknown, path: Path, leaf: unknown): unknown {
  if (path.length === 0) return leaf;
  const copy = structuredClone(value) as Record<string | number, unknown>;
  let node = copy;
  for (const step of path.slice(0, -1)) node = node[step] as Record<string | number, unknown>;
  node[path.at(-1) as string | number] = leaf;
  return copy;
}

const getAt = (value: unknown, path: Path): unknown =>
  path.reduce<unknown>((node, step) => (node as Record<string | number, unknown>)[step], value);

/** Paths to the leaves and to the objects of a JSON value. */
function walk(value: unknown, path: Path = [], out = { leaves: [] as Path[], objects: [] as Path[] }) {
  if (Array.isArray(value)) {
    for (const [i, item] of value.entries()) walk(item, [...path, i], out);
  } else if (value !== null && typeof value === 'object') {
    out.objects.push(path);
    for (const [key, item] of Object.entries(value)) walk(item, [...path, key], out);
  } else out.leaves.push(path);
  return out;
}

const PLACEHOLDER = '"__hostile_placeholder__"';
/** The body as JSON text with `raw` (any text, valid JSON or not) at `path`. */
const withRawAt = (body: unknown, path: Path, raw: string): string =>
  JSON.stringify(setAt(body, path, JSON.parse(PLACEHOLDER))).replace(PLACEHOLDER, () => raw);

const nameOf = (path: Path) => (path.length === 0 ? '(root)' : path.join('.'));
const encoder = new TextEncoder();
const bytes = (...parts: (string | number[])[]) =>
  Buffer.concat(parts.map((p) => (typeof p === 'string' ? encoder.encode(p) : Uint8Array.from(p))));

/** Keeps the cases express.json or the body schema refuses (or that are over the size limit). */
const refused = (ctx: MutationContext) => (c: HostileCase) => {
  const body = c.request.body;
  if (typeof body !== 'string' && !(body instanceof Uint8Array)) return true;
  return body.length > ctx.bodyLimitBytes || bodyIsInvalid(ctx.spec, body);
};

/** Truncated, trailing garbage, NaN and friends, BOMs in the wrong place, bad UTF-8, scalars. */
export function jsonFamily(ctx: MutationContext, valid: WireRequest): Family {
  const body = ctx.example.body;
  const text = JSON.stringify(body);
  const { leaves } = walk(body);
  const as = (what: string) => (raw: string | Uint8Array) =>
    hostile({ ...valid, body: raw }, `json: ${what}`);
  const LITERALS = ['NaN', 'Infinity', '-Infinity', 'undefined', "'alice'", '0x1F', '01', '.5', '+1', '1.'];
  const BAD_STRINGS = ['"a\tb"', '"a\u0000b"', '"\\x41"', '"\\u12"', '"\\uZZZZ"', 'True', 'None', '"a'];
  const cases = fc
    .oneof(
      fc.integer({ min: 1, max: Math.max(1, text.length - 1) }).map((k) => as('truncated')(text.slice(0, k))),
      fc.string({ minLength: 1, maxLength: 20 }).map((g) => as('trailing garbage')(text + g)),
      fc
        .tuple(
          fc.constantFrom(...(leaves.length > 0 ? leaves : [[]])),
          fc.constantFrom(...LITERALS, ...BAD_STRINGS),
        )
        .map(([path, raw]) => as(`${raw} at ${nameOf(path)}`)(withRawAt(body, path, raw))),
      fc
        .constantFrom(
          `${text.slice(0, -1)},}`,
          text.replace(/"([^"]+)":/g, '$1:'),
          text.replace(/"/g, "'"),
          `// comment\n${text}`,
          `${text} /* comment */`,
          `\uFEFF\uFEFF${text}`,
          `${text.slice(0, 1)}\uFEFF${text.slice(1)}`,
          `${text}\uFEFF`,
          '"alice"',
          '42',
          'null',
          'true',
          '""',
          `${text}${text}`,
        )
        .map(as('malformed')),
      fc
        .constantFrom(
          bytes([0xfe, 0xff], text),
          bytes([0xff, 0xfe], text),
          Buffer.from(text, 'utf16le'),
          bytes([0xff], text.slice(1)),
          bytes(text.slice(0, 1), [0xc0, 0x80], text.slice(1)),
          bytes([0xef, 0xbb], text),
        )
        .map(as('bad bytes')),
      fc.integer({ min: 500, max: 5_000 }).map((depth) => as(`arrays ${depth} deep`)(nestedArrays(depth))),
    )
    .map((c) => ({
      ...c,
      expect:
        jsonView(c.request.body as string | Uint8Array) === undefined ? ['INVALID_JSON'] : ['INVALID_INPUT'],
    }))
    .filter(refused(ctx));
  return { name: 'json', cases };
}

/** Valid JSON the schema refuses: wrong types, operators, hostile strings, unknown and duplicate keys, depth. */
export function fieldsFamily(ctx: MutationContext, valid: WireRequest): Family {
  const body = ctx.example.body;
  const { leaves, objects } = walk(body);
  const named = new Map<string, Path>();
  for (const path of [...leaves, ...shapeKeys(ctx.spec.body).map((k) => [k])]) named.set(nameOf(path), path);
  const fields = [...named.values()];
  const strings = leaves.filter((p) => typeof getAt(body, p) === 'string');
  const as = (what: string) => (text: string) =>
    hostile({ ...valid, body: text }, `fields: ${what}`, ['INVALID_INPUT', 'PAYLOAD_TOO_LARGE']);
  const objectWith = (path: Path, key: string, value: unknown) => {
    const inner = JSON.stringify(getAt(body, path));
    const sep = inner === '{}' ? '' : ',';
    return withRawAt(
      body,
      path,
      `${inner.slice(0, -1)}${sep}${JSON.stringify(key)}:${JSON.stringify(value)}}`,
    );
  };
  const keyName = fc.oneof(
    fc.constantFrom(
      '$where',
      '$gt',
      '__proto__',
      'constructor',
      'prototype',
      'voterId',
      '_id',
      'role',
      'isAdmin',
    ),
    fc.string({ minLength: 1, maxLength: 12 }),
  );
  const families: fc.Arbitrary<HostileCase>[] = [
    fc
      .tuple(fc.constantFrom(...fields), wrongTypeValue)
      .map(([p, v]) => as(`wrong type at ${nameOf(p)}`)(JSON.stringify(setAt(body, p, v)))),
    fc
      .tuple(fc.constantFrom(...fields), fc.constantFrom(...OPERATOR_OBJECTS))
      .map(([p, v]) => as(`operator at ${nameOf(p)}`)(JSON.stringify(setAt(body, p, v)))),
    fc
      .tuple(fc.constantFrom(...fields), fc.integer({ min: 500, max: 3_000 }), fc.boolean())
      .map(([p, depth, arrays]) =>
        as(`nested ${depth} deep at ${nameOf(p)}`)(
          withRawAt(body, p, arrays ? nestedArrays(depth) : nestedObjects(depth)),
        ),
      ),
  ];
  if (objects.length > 0) {
    families.push(
      fc
        .tuple(fc.constantFrom(...objects), keyName, wrongTypeValue)
        .map(([p, key, v]) =>
          as(`unknown key ${JSON.stringify(key)} in ${nameOf(p)}`)(objectWith(p, key, v)),
        ),
    );
  }
  if (strings.length > 0) {
    families.push(
      fc
        .constantFrom(...strings)
        .chain((p) =>
          hostileString(String(getAt(body, p))).map((s) =>
            as(`hostile string at ${nameOf(p)}`)(JSON.stringify(setAt(body, p, s))),
          ),
        ),
      // The last of two equal keys wins in JSON.parse: a valid value first, then a refused one.
      fc
        .tuple(
          fc.constantFrom(...strings.filter((p) => p.length === 1)),
          fc.constantFrom(...OPERATOR_OBJECTS),
        )
        .map(([p, v]) => as(`duplicate key ${nameOf(p)}`)(objectWith([], String(p[0]), v))),
    );
  }
  const cases = fc.oneof(...families).filter(refused(ctx));
  return { name: 'fields', cases };
}

/** Bodies past BODY_LIMIT_BYTES: padded, with a huge field, or chunked without a Content-Length. */
export function sizeFamily(ctx: MutationContext, valid: WireRequest): Family {
  const body = ctx.example.body;
  const text = JSON.stringify(body);
  const limit = ctx.bodyLimitBytes;
  // Whitespace after the opening brace keeps the JSON valid: only its size is wrong.
  const padded = (n: number) => `${text.slice(0, 1)}${' '.repeat(n)}${text.slice(1)}`;
  const over = fc.integer({ min: limit + 1 - text.length, max: 4 * limit });
  const strings = walk(body).leaves.filter((p) => typeof getAt(body, p) === 'string');
  const as = (what: string) => (raw: NonNullable<WireRequest['body']>) =>
    hostile({ ...valid, body: raw }, `size: ${what}`, ['PAYLOAD_TOO_LARGE']);
  const cases = fc.oneof(
    over.map((n) => as('padded past the limit')(padded(n))),
    over.map((n) => {
      const all = encoder.encode(padded(n));
      const chunks: Uint8Array[] = [];
      for (let at = 0; at < all.length; at += 4_096) chunks.push(all.subarray(at, at + 4_096));
      return as('chunked past the limit')({ chunks });
    }),
    ...(strings.length > 0
      ? [
          fc
            .tuple(fc.constantFrom(...strings), fc.integer({ min: limit, max: HUGE }))
            .map(([p, n]) =>
              as(`huge string at ${nameOf(p)}`)(JSON.stringify(setAt(body, p, 'x'.repeat(n)))),
            ),
        ]
      : []),
  );
  return { name: 'size', cases };
}

/** The valid JSON body under another content type, or none. */
export function contentTypeFamily(_ctx: MutationContext, valid: WireRequest): Family {
  const { 'content-type': _drop, ...headers } = valid.headers;
  // Bytes, so fetch adds no content type of its own.
  const raw = encoder.encode(typeof valid.body === 'string' ? valid.body : '');
  const cases = fc
    .constantFrom(
      undefined,
      'text/plain',
      'text/plain; charset=utf-8',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
      'application/xml',
      'text/json',
      'application/merge-patch+json',
      'application/jsonx',
      'application/octet-stream',
      'image/png',
      'application/json; charset=latin1',
      'application/json; charset=koi8-r',
    )
    .map((type) =>
      hostile(
        { ...valid, headers: type === undefined ? headers : { ...headers, 'content-type': type }, body: raw },
        `content type: ${type ?? '(none)'}`,
        ['UNSUPPORTED_MEDIA_TYPE', 'INVALID_INPUT'],
      ),
    );
  return { name: 'content-type', cases };
}

/** The valid JSON body, sent as-is, under a content encoding it is not in (or one we do not read). */
export function contentEncodingFamily(_ctx: MutationContext, valid: WireRequest): Family {
  const raw = encoder.encode(typeof valid.body === 'string' ? valid.body : '');
  const cases = fc
    .constantFrom('gzip', 'br', 'deflate', 'x-gzip', 'compress', 'x-unknown', 'gzip, br')
    .map((encoding) =>
      hostile(
        { ...valid, headers: { ...valid.headers, 'content-encoding': encoding }, body: raw },
        `content encoding: ${encoding}`,
        ['UNSUPPORTED_MEDIA_TYPE', 'INVALID_INPUT'],
      ),
    );
  return { name: 'content-encoding', cases };
}
