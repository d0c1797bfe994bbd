import { mkdirSync, writeFileSync } from 'node:fs';
import { ERROR_CATALOGUE, type ErrorCode, errorBodySchema } from '@rallyboard/core/protocol';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import type { RouteSpec } from '../../src/http/api.js';
import { badAuthorizations } from '../support/hostile/auth.js';
import {
  contentEncodingFamily,
  contentTypeFamily,
  fieldsFamily,
  jsonFamily,
  sizeFamily,
} from '../support/hostile/body.js';
import { createHostileFixture, signIn } from '../support/hostile/fixture.js';
import {
  authFamily,
  type Family,
  headersFamily,
  type MutationContext,
  paramsFamily,
  queryFamily,
} from '../support/hostile/mutations.js';
import {
  describeCase,
  type HostileCase,
  send,
  type ValidExample,
  wireOf,
} from '../support/hostile/requests.js';
import { snapshotWrites, writesBetween } from '../support/hostile/writes.js';
import { campaignBody, TEST_PASSWORD } from '../support/hosts.js';

/**
 * Every route, a valid request of it, and hostile changes of that request, one at a time: each
 * change makes the request invalid (checked against the route's own schemas, see
 * support/hostile/oracle.ts), so the one right answer is a 4xx with a catalogue code, and nothing
 * may be enqueued or written. Replay a failure with HOSTILE_SEED=<seed> (fast-check prints it).
 */

const fixture = await createHostileFixture(11);
const { config, server, asParticipant, asHost, asAdmin, host, otherHost } = fixture;
const {
  boardId,
  voteId,
  refreshToken,
  logoutToken,
  shareToken,
  campaignId,
  doomedId,
  schedulableId,
  reviewActionId,
  endedId,
} = fixture;
const SEED = Number(process.env.HOSTILE_SEED ?? Math.floor(Math.random() * 2 ** 31));

/** One valid request per route, keyed `METHOD path`. A route without one fails the first test. */
const EXAMPLES: Record<string, ValidExample> = {
  'POST /api/auth/wechat': { body: { code: 'ok-hostile-3' } },
  'POST /api/auth/refresh': { body: { refreshToken } },
  'POST /api/auth/logout': { body: { refreshToken: logoutToken } },
  'POST /api/boards/:boardId/votes': {
    params: { boardId },
    headers: { 'x-device-id': 'device-1', 'idempotency-key': 'hostile-key-0001' },
    body: { candidateId: 'alice', action: 'vote', dwellMs: 1_500, shareToken: 'share-1' },
    authorization: asParticipant,
  },
  'GET /api/boards/:boardId/votes/:voteId': { params: { boardId, voteId }, authorization: asParticipant },
  'GET /api/me/votes': { query: { boardId, limit: '5' }, authorization: asParticipant },
  'GET /api/boards/:boardId/quota': { params: { boardId }, authorization: asParticipant },
  'GET /api/boards/:boardId/leaderboard': { params: { boardId }, query: { window: 'all', limit: '5' } },
  'GET /api/boards/:boardId/members/:candidateId': {
    params: { boardId, candidateId: 'alice' },
    query: { window: 'day' },
  },
  'GET /api/boards/:boardId/members/:candidateId/around': {
    params: { boardId, candidateId: 'bob' },
    query: { window: 'all', k: '3' },
  },
  'GET /api/boards/:boardId/totals': { params: { boardId }, query: { window: 'all' } },
  'POST /api/campaigns/:campaignId/share-tokens': {
    params: { campaignId: boardId },
    body: { candidateId: 'alice' },
    authorization: asParticipant,
  },
  'GET /api/share-tokens/:shareToken': { params: { shareToken } },
  'GET /api/share-tokens/:shareToken/code.png': { params: { shareToken } },
  'GET /api/campaigns/:campaignId/referrals/mine': {
    params: { campaignId: boardId },
    authorization: asParticipant,
  },
  'POST /api/host/login': { body: { username: host.username, password: TEST_PASSWORD } },
  'GET /api/host/me': { authorization: asHost },
  'POST /api/hosts': {
    body: { username: 'hostile-new-host', password: 'a long enough password', role: 'host' },
    authorization: asAdmin,
  },
  'GET /api/hosts': { query: { limit: '5' }, authorization: asAdmin },
  'PATCH /api/hosts/:hostId': {
    params: { hostId: otherHost.id },
    body: { disabled: false },
    authorization: asAdmin,
  },
  'POST /api/campaigns': { body: campaignBody(), authorization: asHost },
  'GET /api/campaigns': { query: { limit: '5', status: 'draft' }, authorization: asHost },
  'GET /api/campaigns/:campaignId': { params: { campaignId }, authorization: asHost },
  'PATCH /api/campaigns/:campaignId': {
    params: { campaignId },
    body: { title: 'A new title', rules: { votesPerUserPerDay: 3 } },
    authorization: asHost,
  },
  'DELETE /api/campaigns/:campaignId': { params: { campaignId: doomedId }, authorization: asHost },
  'POST /api/campaigns/:campaignId/status': {
    params: { campaignId: schedulableId },
    body: { status: 'scheduled' },
    authorization: asHost,
  },
  'GET /api/campaigns/:campaignId/leaderboard': {
    params: { campaignId: boardId },
    query: { window: 'all', limit: '5' },
    authorization: asHost,
  },
  'POST /api/campaigns/:campaignId/members': {
    params: { campaignId },
    body: { candidateId: 'carol', name: 'Carol', group: 'Class 3' },
    authorization: asHost,
  },
  'PATCH /api/campaigns/:campaignId/members/:candidateId': {
    params: { campaignId, candidateId: 'alice' },
    body: { name: 'Alice L.', imageUrl: 'https://example.com/alice.png' },
    authorization: asHost,
  },
  'DELETE /api/campaigns/:campaignId/members/:candidateId': {
    params: { campaignId, candidateId: 'bob' },
    authorization: asHost,
  },
  'GET /api/campaigns/:campaignId/review/held': {
    params: { campaignId: boardId },
    query: { groupBy: 'cluster' },
    authorization: asHost,
  },
  'POST /api/campaigns/:campaignId/review': {
    params: { campaignId: boardId },
    body: { decision: 'approve', select: { reason: 'deviceAccounts' }, note: 'a family phone' },
    authorization: asHost,
  },
  'POST /api/campaigns/:campaignId/review/void-by-rule': {
    params: { campaignId: boardId },
    body: {
      from: '2026-01-01T00:00:00Z',
      to: '2026-01-02T00:00:00Z',
      network: '192.0.2.0/24',
      candidateId: 'alice',
    },
    authorization: asHost,
  },
  'GET /api/campaigns/:campaignId/review/actions/:actionId': {
    params: { campaignId: boardId, actionId: reviewActionId },
    authorization: asHost,
  },
  'GET /api/campaigns/:campaignId/alerts': {
    params: { campaignId: boardId },
    query: { limit: '5' },
    authorization: asHost,
  },
  'GET /api/campaigns/:campaignId/risk/dashboard': {
    params: { campaignId: boardId },
    query: { minutes: '30', top: '5' },
    authorization: asHost,
  },
  'GET /api/campaigns/:campaignId/risk/settings': { params: { campaignId: boardId }, authorization: asHost },
  'PATCH /api/campaigns/:campaignId/risk/settings': {
    params: { campaignId: boardId },
    body: { rules: { fastTap: { threshold: 500 } } },
    authorization: asHost,
  },
  'GET /api/public/campaigns': { query: { limit: '5' } },
  'GET /api/public/campaigns/:campaignId': { params: { campaignId: boardId } },
  'GET /api/campaigns/:campaignId/audit': {
    params: { campaignId },
    query: { limit: '5' },
    authorization: asHost,
  },
  'GET /api/audit': { query: { limit: '5' }, authorization: asAdmin },
  'GET /screen/:campaignId': { params: { campaignId: boardId } },
  'GET /api/screens/:campaignId': { params: { campaignId: boardId } },
  'GET /api/screens/:campaignId/join-code': { params: { campaignId: boardId } },
  'POST /api/campaigns/:campaignId/screen-token': { params: { campaignId: boardId }, authorization: asHost },
  'POST /api/campaigns/:campaignId/reveal': { params: { campaignId: endedId }, authorization: asHost },
  'GET /api/campaigns/:campaignId/monitor': { params: { campaignId: boardId }, authorization: asHost },
  'GET /api/campaigns/:campaignId/export/results.csv': {
    params: { campaignId: boardId },
    authorization: asHost,
  },
  'GET /api/campaigns/:campaignId/export/ledger.csv': {
    params: { campaignId: boardId },
    authorization: asHost,
  },
  'POST /api/admin/queue-session': { authorization: asAdmin },
  'GET /console': {},
};

/** Cases per family and route: the whole file stays well under a minute on two cores. */
const RUNS: Record<string, number> = {
  auth: 40,
  params: 100,
  query: 100,
  headers: 60,
  json: 80,
  fields: 150,
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

const keyOf = (spec: RouteSpec) => `${spec.method.toUpperCase()} ${spec.path}`;
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
  it('has a valid example for every route', () => {
    expect(routes.map(keyOf).filter((key) => !(key in EXAMPLES))).toEqual([]);
    expect(Object.keys(EXAMPLES).filter((key) => !routes.some((r) => keyOf(r) === key))).toEqual([]);
  });

  it('sees what a valid request writes, so it would see a refused one write', async () => {
    const before = await snapshotWrites(server.deps);
    const vote = wireOf(routes.find((r) => keyOf(r) === 'POST /api/boards/:boardId/votes') as RouteSpec, {
      ...EXAMPLES['POST /api/boards/:boardId/votes'],
      headers: { 'idempotency-key': 'hostile-self-check' },
    });
    expect((await send(server.url, vote)).status).toBe(202);
    expect(await signIn(server, 'ok-hostile-self-check')).toEqual(expect.any(String));
    const writes = writesBetween(before, await snapshotWrites(server.deps));
    expect(writes).toContain('votes queue waiting: 0 → 1');
    expect(writes).toEqual(
      expect.arrayContaining([expect.stringMatching(/^document added: participants\//)]),
    );
    expect(writes).toEqual(expect.arrayContaining([expect.stringMatching(/^redis key added: .*:auth:/)]));
  });

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
        example,
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
