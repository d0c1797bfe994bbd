import { mkdirSync, writeFileSync } from 'node:fs';
import { ERROR_CATALOGUE, type ErrorCode, errorBodySchema } from '@rallyboard/core/protocol';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { badAuthorizations } from '../support/hostile/auth.js';
import {
  contentEncodingFamily,
  contentTypeFamily,
  fieldsFamily,
  jsonFamily,
  sizeFamily,
} from '../support/hostile/body.js';
import { keyOf, validExamples } from '../support/hostile/examples.js';
import { createHostileFixture } from '../support/hostile/fixture.js';
import {
  authFamily,
  type Family,
  headersFamily,
  type MutationContext,
  paramsFamily,
  queryFamily,
} from '../support/hostile/mutations.js';
import { describeCase, type HostileCase, send, wireOf } from '../support/hostile/requests.js';
import { snapshotWrites, writesBetween } from '../support/hostile/writes.js';

/**
 * Every route, a valid request of it, and hostile changes of that request, one at a time: each
 * change makes the request invalid (checked against the route's own schemas, see
 * support/hostile/oracle.ts), so the one right answer is a 4xx with a catalogue code, and nothing
 * may be enqueued or written. Replay a failure with HOSTILE_SEED=<seed> (fast-check prints it).
 */

const fixture = await createHostileFixture(11);
const { config, server } = fixture;
/** One valid request per route (support/hostile/examples.ts). */
const EXAMPLES = validExamples(fixture);

const SEED = Number(process.env.HOSTILE_SEED ?? Math.floor(Math.random() * 2 ** 31));

/**
 * Cases per family and route (about 12,000 over the 99 routes): the file takes about a minute
 * on two cores. Each run draws a new seed, so the runs together cover far more than one does.
 */
const RUNS: Record<string, number> = {
  auth: 20,
  params: 50,
  query: 50,
  headers: 30,
  json: 40,
  fields: 75,
  size: 12,
  'content-type': 26,
};

function familiesOf(ctx: MutationContext): Family[] {
  const valid = wireOf(ctx.spec, ctx.example);
  const { spec } = ctx;
  return [
    ...(spec.auth === 'public' ? [] : [authFamily(ctx, valid)]),
    ...(spec.params ? [paramsFamily(ctx, valid)] : []),
    ...(spec.query ? [queryFamily(ctx, valid)] : []),
    ...(spec.headers ? [headersFamily(ctx, valid)] : []),
    ...(spec.body
      ? [
          jsonFamily(ctx, valid),
          fieldsFamily(ctx, valid),
          sizeFamily(ctx, valid),
          contentTypeFamily(ctx, valid),
          contentEncodingFamily(ctx, valid),
        ]
      : []),
  ];
}

const routes = server.api.routes;
const totals = { cases: 0, fiveHundreds: 0, writes: 0 };
const perRoute: Record<string, { cases: number; families: Record<string, number> }> = {};

/** Counterexamples print short: huge values cut. */
const printable = (hostile: HostileCase): HostileCase =>
  Object.assign(hostile, { [fc.toStringMethod]: () => describeCase(hostile) });

/** Sends one case and checks the answer is a catalogue 4xx. */
async function refusedProperly(key: string, family: string, hostile: HostileCase): Promise<void> {
  const answer = await send(server.url, hostile.request);
  totals.cases++;
  const counts = perRoute[key] ?? { cases: 0, families: {} };
  perRoute[key] = counts;
  counts.cases++;
  counts.families[family] = (counts.families[family] ?? 0) + 1;
  if (answer.status >= 500) totals.fiveHundreds++;
  const where = `${describeCase(hostile)}\nanswered ${answer.status}: ${answer.text.slice(0, 300)}`;
  expect(answer.status, where).toBeGreaterThanOrEqual(400);
  expect(answer.status, where).toBeLessThan(500);
  let body: unknown;
  try {
    body = JSON.parse(answer.text);
  } catch {
    expect.fail(`not JSON: ${where}`);
  }
  const parsed = errorBodySchema.safeParse(body);
  expect(parsed.success, where).toBe(true);
  const code = parsed.data?.error.code as ErrorCode;
  expect(ERROR_CATALOGUE[code].status, where).toBe(answer.status);
  if (hostile.expect) expect(hostile.expect, where).toContain(code);
}

afterAll(async () => {
  const line =
    `hostile input: ${totals.cases.toLocaleString('en-US')} cases over ${routes.length} routes, ` +
    `${totals.fiveHundreds} × 5xx, ${totals.writes} writes (seed ${SEED})`;
  console.log(line);
  const folder = new URL('../../../bench-results/', import.meta.url);
  mkdirSync(folder, { recursive: true });
  writeFileSync(
    new URL('hostile-input.json', folder),
    `${JSON.stringify({ summary: line, ...totals, routes: routes.length, seed: SEED, at: new Date().toISOString(), perRoute }, null, 2)}\n`,
  );
  await fixture.close();
});

describe('hostile input on every HTTP endpoint', () => {
  describe.each(routes.map((spec) => [keyOf(spec), spec] as const))('%s', (key, spec) => {
    const example = EXAMPLES[key] ?? {};

    it('answers its valid example with a 2xx', async () => {
      const answer = await send(server.url, wireOf(spec, example));
      expect(answer.status, answer.text).toBeGreaterThanOrEqual(200);
      expect(answer.status, answer.text).toBeLessThan(300);
    });

    it('refuses every hostile change with a catalogue 4xx, and writes nothing', async () => {
      const ctx: MutationContext = {
        spec,
        // The valid example was sent: a token it revoked is not what the hostile changes test.
        example:
          example.authorizationAfter === undefined
            ? example
            : { ...example, authorization: example.authorizationAfter },
        routes,
        bodyLimitBytes: config.http.bodyLimitBytes,
        badAuthorizations: await badAuthorizations(config.auth, spec.auth, fixture.callers),
      };
      const targets = server.deps;
      // Each family's after is the next one's before: a snapshot per property run, plus one.
      // No key or document is excluded: the rate limiters (ingest's, the logins') are charged and
      // the share-code cache filled only after a request is valid, so no refused one touches them.
      // A key whose TTL ran out between two snapshots (a limiter window the fixture opened) has
      // expired, and is not counted as a write (see writesBetween).
      let before = await snapshotWrites(targets);
      for (const family of familiesOf(ctx)) {
        await fc.assert(
          fc.asyncProperty(family.cases.map(printable), (hostile) =>
            refusedProperly(key, family.name, hostile),
          ),
          { numRuns: RUNS[family.name] ?? 50, seed: SEED },
        );
        const after = await snapshotWrites(targets);
        const writes = writesBetween(before, after);
        totals.writes += writes.length;
        expect(writes, `${key}: ${family.name} wrote`).toEqual([]);
        before = after;
      }
    });
  });
});
