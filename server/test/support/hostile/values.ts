import fc from 'fast-check';

/**
 * Hostile values: what a client that means harm, or a broken one, puts where an id, a number or
 * a word belongs. Which of them a given field refuses is decided by the route's own schema (see
 * oracle.ts); these only make them.
 */

/** MongoDB query operators as they arrive when a client sends JSON where a string belongs. */
export const OPERATOR_OBJECTS: readonly unknown[] = [
  { $gt: '' },
  { $ne: null },
  { $where: 'sleep(1000) || true' },
  { $regex: '.*' },
  { $in: [] },
  { $exists: true },
  { $expr: { $eq: [1, 1] } },
];

/** The same operators written into a string: an id, a query value or a path segment. */
const OPERATOR_STRINGS: readonly string[] = [
  '{"$gt":""}',
  '{"$ne":null}',
  '{"$where":"sleep(1000)"}',
  '$gt',
  '$where',
  "' || '1'=='1",
  '"; return true; var x="',
  'this.a==this.a',
];

/** Not ObjectIds, but close: wrong length, wrong alphabet, 12 bytes mongoose would take as one. */
const OBJECT_ID_LIKE: readonly string[] = [
  '0123456789abcdef0123456',
  '0123456789abcdef012345678',
  'zzzzzzzzzzzzzzzzzzzzzzzz',
  '0123456789ABCDEFGHIJKLMN',
  '0x0123456789abcdef012345',
  'ObjectId("0123456789abcdef01234567")',
  '0123456789abcdef0123456g',
  'aaaaaaaaaaaa',
];

/** Characters that break naive string handling: lone surrogates, bidi marks, joiners, NUL. */
const EDGE_CHARACTERS: readonly string[] = [
  '\u0000',
  '\uD800',
  '\uDFFF',
  '\u202E',
  '\u200F',
  '\u200D',
  '\u200B',
  '\uFEFF',
  '\u0301',
  'e\u0301',
  '👍🏽',
  '👨‍👩‍👧',
  '\u0130',
  'ａ',
  'а',
  '\n',
  '\t',
  ' ',
  '%',
  '/',
  '\\',
  '.',
  '{',
  '}',
  '$',
  '*',
  '"',
  "'",
  '<',
];

/** The huge string's length: 10^5 characters, beyond every body and header limit. */
export const HUGE = 100_000;

/** Hostile strings derived from a field's valid value. */
export function hostileString(valid: string): fc.Arbitrary<string> {
  const insert = fc
    .tuple(fc.nat({ max: valid.length }), fc.constantFrom(...EDGE_CHARACTERS), fc.integer({ min: 1, max: 3 }))
    .map(([at, char, times]) => valid.slice(0, at) + char.repeat(times) + valid.slice(at));
  return fc.oneof(
    { arbitrary: insert, weight: 4 },
    { arbitrary: fc.constantFrom(...OPERATOR_STRINGS), weight: 2 },
    { arbitrary: fc.constantFrom(...OBJECT_ID_LIKE), weight: 2 },
    {
      arbitrary: fc.constantFrom(
        'a'.repeat(HUGE),
        valid + 'x'.repeat(HUGE),
        '😀'.repeat(HUGE / 2),
        '\u0000'.repeat(HUGE),
      ),
      weight: 1,
    },
    { arbitrary: fc.constantFrom('', ' ', `${valid} `, ` ${valid}`, `${valid}\u0000`), weight: 1 },
    { arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 40 }), weight: 2 },
  );
}

/** JSON values of every type, for a field that expects one of them: most are the wrong type. */
export const wrongTypeValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.integer(),
  fc.constantFrom(-1.5, 0, 1e308, -0.0001, 2 ** 53 + 1),
  fc.boolean(),
  fc.constant(null),
  fc.constantFrom([], [''], [1], ['alice', 'bob']),
  fc.constantFrom({}, { a: 1 }),
  fc.constantFrom(...OPERATOR_OBJECTS),
  fc.string({ maxLength: 12 }),
  fc.jsonValue({ maxDepth: 2 }),
);

/** Arrays nested `depth` deep around `inner`, as JSON text (too deep to build as a value cheaply). */
export const nestedArrays = (depth: number, inner = '1'): string =>
  `${'['.repeat(depth)}${inner}${']'.repeat(depth)}`;

/** Objects nested `depth` deep, as JSON text. */
export const nestedObjects = (depth: number): string => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;

/**
 * Percent-encodes any JS string the way a client could put it in a URL: UTF-8, with lone
 * surrogates written as their (invalid) three-byte form, which encodeURIComponent refuses to do.
 */
export function encodeAny(value: string): string {
  let out = '';
  for (let i = 0; i < value.length; i++) {
    const unit = value.charCodeAt(i);
    const next = value.charCodeAt(i + 1);
    let point = unit;
    if (unit >= 0xd800 && unit <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
      point = 0x10000 + ((unit - 0xd800) << 10) + (next - 0xdc00);
      i++;
    }
    if (point < 0x80 && /[A-Za-z0-9_.~-]/.test(String.fromCharCode(point))) {
      out += String.fromCharCode(point);
      continue;
    }
    const bytes =
      point < 0x80
        ? [point]
        : point < 0x800
          ? [0xc0 | (point >> 6), 0x80 | (point & 0x3f)]
          : point < 0x10000
            ? [0xe0 | (point >> 12), 0x80 | ((point >> 6) & 0x3f), 0x80 | (point & 0x3f)]
            : [
                0xf0 | (point >> 18),
                0x80 | ((point >> 12) & 0x3f),
                0x80 | ((point >> 6) & 0x3f),
                0x80 | (point & 0x3f),
              ];
    for (const byte of bytes) out += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** Path segments sent as they are (already encoded): slashes, dots, NUL, broken escapes. */
export const RAW_SEGMENTS: readonly string[] = [
  '%2F',
  'a%2Fb',
  '..%2F..%2Fetc%2Fpasswd',
  '%2e%2e',
  '%2E',
  '..',
  '.',
  '%00',
  'a%00b',
  '%',
  '%zz',
  'a%',
  '%E0%A4%A',
  '%ED%A0%80',
  '%C0%AF',
  '%FF%FE',
  '%252F',
  '%2500',
  'a;b=c',
  '%3B',
  '%5C',
  '%7B%22%24gt%22%3A%22%22%7D',
  '%7B%22%24ne%22%3Anull%7D',
];
