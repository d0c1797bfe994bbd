import { campaignModel, connectMongo } from '@rallyboard/core/db';
import { dayOf, type ErrorBody } from '@rallyboard/core/protocol';
import { createVoteQueue, VOTE_JOB, VOTE_JOB_OPTIONS, type VoteJob } from '@rallyboard/core/queue';
import { applyVotes, createRedis, dayExpiresAt, setBoardStatus, waitForReady } from '@rallyboard/core/redis';
import type { Job } from 'bullmq';
import type { Connection } from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomId, testConfig } from '../../../test/support/config.js';
import { asParticipant } from '../../../test/support/participants.js';
import { seedBoard, startTestServer, type TestServer } from '../../../test/support/stack.js';
import { createTokenSigner } from '../../src/auth/tokens.js';
import { listenApp } from '../support/app.js';
import { applyDirect, loseBoardState } from '../support/boards.js';
import { startTcpProxy } from '../support/proxy.js';

// A wide gathering window, so concurrent requests reliably share a queue add.
const config = testConfig({ INGEST_BATCH_WAIT_MS: '50' });
let server: TestServer;
let mongo: Connection;
let boardId: string;
let likeBoardId: string;

beforeAll(async () => {
  mongo = await connectMongo(config.mongo.uri, 'test');
  server = await startTestServer(config, mongo);
  boardId = await seedBoard(config, server.deps.redis, mongo, ['alice', 'bob']);
  likeBoardId = await seedBoard(config, server.deps.redis, mongo, ['alice', 'bob'], { kind: 'like' });
});
afterAll(async () => {
  await server.close();
  await mongo.close();
});

/** The jobs on the queue that carry votes of `board` (nothing consumes them in this file). */
async function jobsOf(board: string): Promise<Job<VoteJob>[]> {
  const jobs = await server.deps.voteQueue.getJobs(['waiting', 'prioritized', 'delayed', 'active']);
  return jobs.filter((job) => job.data.boardId === board);
}
const queuedVotes = async (board: string) => (await jobsOf(board)).flatMap((job) => job.data.votes);

/** A vote id: a random or key-derived body and a mac naming the board and participant. */
const VOTE_ID = /^(k[A-Za-z0-9_-]{22}|r[0-9a-f]{32})\.[A-Za-z0-9_-]{16}$/;

/** The participant the requests of this file vote as, unless they say otherwise. */
const VOTER = 'p-voter-1';

interface PostOptions {
  type?: string;
  idempotencyKey?: string;
  /** The participant to sign a token for (default VOTER), or `null` for no token at all. */
  as?: string | null;
  headers?: Record<string, string>;
  url?: string;
}

async function post(path: string, body: string | undefined, options: PostOptions = {}): Promise<Response> {
  const headers: Record<string, string> = {
    ...(options.as === null ? {} : await asParticipant(config, options.as ?? VOTER)),
    ...options.headers,
  };
  if (body !== undefined) headers['content-type'] = options.type ?? 'application/json';
  if (options.idempotencyKey !== undefined) headers['idempotency-key'] = options.idempotencyKey;
  return fetch(`${options.url ?? server.url}${path}`, {
    method: 'POST',
    headers,
    ...(body === undefined ? {} : { body }),
  });
}
const vote = (board: string, body: Record<string, unknown>, idempotencyKey?: string) =>
  post(
    `/api/boards/${board}/votes`,
    JSON.stringify(body),
    idempotencyKey === undefined ? {} : { idempotencyKey },
  );
const errorOf = async (res: Response) => ((await res.json()) as ErrorBody).error;

async function accepted(res: Response): Promise<string> {
  expect(res.status).toBe(202);
  const body = (await res.json()) as { voteId: string; status: string };
  expect(body.status).toBe('queued');
  return body.voteId;
}

describe('POST /api/boards/:boardId/votes', () => {
  it('answers 202 with the vote id, status queued', async () => {
    const board = await seedBoard(config, server.deps.redis, mongo, ['alice']);
    const res = await vote(board, { candidateId: 'alice' });
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({ voteId: expect.stringMatching(VOTE_ID), status: 'queued' });
  });

  it('puts the vote on the queue as a `votes` job of its board', async () => {
    const board = await seedBoard(config, server.deps.redis, mongo, ['alice', 'bob']);
    const before = Date.now();
    const voteId = await accepted(await vote(board, { candidateId: 'bob' }));
    const jobs = await jobsOf(board);
    expect(jobs).toHaveLength(1);
    expect(jobs[0]?.name).toBe(VOTE_JOB);
    expect(jobs[0]?.data).toEqual({
      boardId: board,
      votes: [
        {
          voteId,
          candidateId: 'bob',
          action: 'vote',
          voterId: VOTER,
          acceptedAt: expect.any(Number),
          context: { ip: '127.0.0.1', userAgent: expect.any(String) },
        },
      ],
    });
    expect(jobs[0]?.data.votes[0]?.acceptedAt).toBeGreaterThanOrEqual(before);
    // Retried safely: applying is idempotent by vote id.
    expect(jobs[0]?.opts.attempts).toBe(VOTE_JOB_OPTIONS.attempts);
  });

  it("carries the token's participant onto the queue as the voter of a like", async () => {
    const board = await seedBoard(config, server.deps.redis, mongo, ['alice'], { kind: 'like' });
    const voteId = await accepted(
      await post(`/api/boards/${board}/votes`, '{"candidateId":"alice","action":"like"}', { as: 'p-liker' }),
    );
    expect(await queuedVotes(board)).toMatchObject([
      { voteId, candidateId: 'alice', action: 'like', voterId: 'p-liker' },
    ]);
  });

  it('gathers concurrent requests into fewer jobs, one board per job, losing no vote', async () => {
    const boards = await Promise.all([
      seedBoard(config, server.deps.redis, mongo, ['alice', 'bob']),
      seedBoard(config, server.deps.redis, mongo, ['alice', 'bob']),
    ]);
    const answers = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        vote(boards[i % 2] as string, { candidateId: i % 3 === 0 ? 'bob' : 'alice' }),
      ),
    );
    const voteIds = await Promise.all(answers.map(accepted));
    expect(new Set(voteIds).size).toBe(50);

    const jobs = (await Promise.all(boards.map(jobsOf))).flat();
    expect(jobs.length).toBeLessThan(50);
    const queued = jobs.flatMap((job) => job.data.votes.map((v) => v.voteId));
    expect(queued.sort()).toEqual([...voteIds].sort());
    // Each vote is in its own board's job.
    voteIds.forEach((voteId, i) => {
      const job = jobs.find((j) => j.data.votes.some((v) => v.voteId === voteId));
      expect(job?.data.boardId).toBe(boards[i % 2]);
    });
  });

  describe('with quotas', () => {
    it('refuses a vote past a spent daily quota with QUOTA_EXCEEDED, what remains and Retry-After, enqueuing nothing', async () => {
      const board = await seedBoard(config, server.deps.redis, mongo, ['alice', 'bob'], {
        quotas: { perDay: 1 },
      });
      await applyDirect(server.deps, board, [{ candidateId: 'alice', voterId: 'p-spent' }]);
      const res = await post(`/api/boards/${board}/votes`, '{"candidateId":"bob"}', { as: 'p-spent' });
      expect(res.status).toBe(429);
      expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(Number(res.headers.get('retry-after'))).toBeLessThanOrEqual(86_400);
      const error = await errorOf(res);
      expect(error.code).toBe('QUOTA_EXCEEDED');
      expect(error.details).toMatchObject({
        limit: 'perDay',
        remaining: 0,
        remainingToday: 0,
        resetsAt: expect.any(String),
      });
      expect(await queuedVotes(board)).toEqual([]);
      // Another participant still votes.
      await accepted(await post(`/api/boards/${board}/votes`, '{"candidateId":"bob"}', { as: 'p-fresh' }));
    });
  });

  describe('retrying with an Idempotency-Key', () => {
    it('gets the same vote id back once the vote is decided, even past a quota it spent, and casts nothing', async () => {
      const board = await seedBoard(config, server.deps.redis, mongo, ['alice', 'bob'], {
        quotas: { perDay: 1 },
      });
      const key = `key-${randomId()}`;
      const send = (idempotencyKey: string) =>
        post(`/api/boards/${board}/votes`, '{"candidateId":"alice"}', { idempotencyKey, as: 'p-retry' });
      const voteId = await accepted(await send(key));
      // The worker decides it (as applyVotes does, from the queued vote): the quota is spent.
      const [queued] = await queuedVotes(board);
      expect(queued?.voteId).toBe(voteId);
      await applyVotes(
        server.deps.redis,
        server.deps.keys,
        board,
        [
          {
            voteId,
            candidateId: 'alice',
            action: 'vote',
            voterId: 'p-retry',
            day: dayOf(Date.now(), 'Asia/Shanghai'),
            dayExpiresAt: dayExpiresAt(Date.now(), 8),
          },
        ],
        { dedupTtlSeconds: 600, origin: 'test' },
      );

      expect(await accepted(await send(key))).toBe(voteId);
      expect((await queuedVotes(board)).map((v) => v.voteId)).toEqual([voteId]);
      // Another key is another vote: that one is past the quota.
      const other = await send(`key-${randomId()}`);
      expect(other.status).toBe(429);
    });
  });

  describe('with an Idempotency-Key', () => {
    it('names the same vote for the same key on the same board', async () => {
      const key = `key-${randomId()}`;
      const first = await accepted(await vote(boardId, { candidateId: 'alice' }, key));
      const again = await accepted(await vote(boardId, { candidateId: 'alice' }, key));
      expect(first).toMatch(VOTE_ID);
      expect(again).toBe(first);
    });

    it("names different votes for the same key from different participants: one cannot spend another's", async () => {
      const key = `key-${randomId()}`;
      const mine = await accepted(
        await post(`/api/boards/${boardId}/votes`, '{"candidateId":"alice"}', {
          idempotencyKey: key,
          as: 'p-a',
        }),
      );
      const theirs = await accepted(
        await post(`/api/boards/${boardId}/votes`, '{"candidateId":"alice"}', {
          idempotencyKey: key,
          as: 'p-b',
        }),
      );
      expect(mine).not.toBe(theirs);
    });

    it('names different votes for the same key on different boards', async () => {
      const key = `key-${randomId()}`;
      const other = await seedBoard(config, server.deps.redis, mongo, ['alice']);
      const here = await accepted(await vote(boardId, { candidateId: 'alice' }, key));
      const there = await accepted(await vote(other, { candidateId: 'alice' }, key));
      expect(here).not.toBe(there);
    });

    it('names different votes for different keys', async () => {
      const a = await accepted(await vote(boardId, { candidateId: 'alice' }, `key-${randomId()}`));
      const b = await accepted(await vote(boardId, { candidateId: 'alice' }, `key-${randomId()}`));
      expect(a).not.toBe(b);
    });

    it.each([
      ['too short', 'short'],
      ['with a space', 'has a space'],
      ['with braces', '{hash-tag}x'],
      ['too long', 'k'.repeat(129)],
    ])('refuses a key %s with 400 INVALID_INPUT naming the header, and enqueues nothing', async (_, key) => {
      const board = await seedBoard(config, server.deps.redis, mongo, ['alice']);
      const res = await vote(board, { candidateId: 'alice' }, key);
      expect(res.status).toBe(400);
      const body = (await res.json()) as ErrorBody;
      expect(body.error.code).toBe('INVALID_INPUT');
      expect((body.error.details as { path: string }[]).map((d) => d.path)).toEqual([
        'headers.idempotency-key',
      ]);
      expect(await jobsOf(board)).toEqual([]);
    });
  });

  describe('when the request is not acceptable, it answers with a catalogue code and enqueues nothing', () => {
    interface Case {
      name: string;
      path?: (ids: { vote: string; like: string }) => string;
      body: string | undefined;
      type?: string;
      status: number;
      code: string;
      fields?: string[];
      details?: unknown;
    }
    const votePath = (ids: { vote: string }) => `/api/boards/${ids.vote}/votes`;
    const likePath = (ids: { like: string }) => `/api/boards/${ids.like}/votes`;
    const cases: Case[] = [
      {
        name: 'a missing candidateId',
        body: '{}',
        status: 400,
        code: 'INVALID_INPUT',
        fields: ['body.candidateId'],
      },
      {
        name: 'a candidateId of the wrong type',
        body: '{"candidateId":42}',
        status: 400,
        code: 'INVALID_INPUT',
        fields: ['body.candidateId'],
      },
      {
        name: 'an operator object as candidateId',
        body: '{"candidateId":{"$gt":""}}',
        status: 400,
        code: 'INVALID_INPUT',
        fields: ['body.candidateId'],
      },
      {
        name: 'an unknown action',
        body: '{"candidateId":"alice","action":"boost"}',
        status: 400,
        code: 'INVALID_INPUT',
        fields: ['body.action'],
      },
      {
        name: 'a voterId in the body (the voter is the participant of the token)',
        body: '{"candidateId":"alice","voterId":"someone-else"}',
        status: 400,
        code: 'INVALID_INPUT',
        fields: ['body'],
      },
      {
        name: 'an unknown field',
        body: '{"candidateId":"alice","weight":100}',
        status: 400,
        code: 'INVALID_INPUT',
        fields: ['body'],
      },
      {
        name: 'several bad fields at once',
        body: '{"candidateId":"","action":"boost"}',
        status: 400,
        code: 'INVALID_INPUT',
        fields: ['body.candidateId', 'body.action'],
      },
      {
        name: 'a board id with unsafe characters',
        path: () => '/api/boards/a%7Bb%7D/votes',
        body: '{"candidateId":"alice"}',
        status: 400,
        code: 'INVALID_INPUT',
        fields: ['params.boardId'],
      },
      { name: 'a body that is not JSON', body: '{"candidateId": alice', status: 400, code: 'INVALID_JSON' },
      { name: 'a JSON body that is not an object', body: '"alice"', status: 400, code: 'INVALID_JSON' },
      { name: 'no body at all', body: undefined, status: 415, code: 'UNSUPPORTED_MEDIA_TYPE' },
      {
        name: 'a form-encoded body',
        body: 'candidateId=alice',
        type: 'application/x-www-form-urlencoded',
        status: 415,
        code: 'UNSUPPORTED_MEDIA_TYPE',
      },
      {
        name: 'a text body',
        body: '{"candidateId":"alice"}',
        type: 'text/plain',
        status: 415,
        code: 'UNSUPPORTED_MEDIA_TYPE',
      },
      {
        name: 'a body over the size limit',
        body: JSON.stringify({ candidateId: 'x'.repeat(20_000) }),
        status: 413,
        code: 'PAYLOAD_TOO_LARGE',
      },
      {
        name: 'a board that does not exist',
        path: () => `/api/boards/${randomId('nowhere')}/votes`,
        body: '{"candidateId":"alice"}',
        status: 404,
        code: 'BOARD_NOT_FOUND',
      },
      {
        name: 'a candidate the board does not have',
        body: '{"candidateId":"mallory"}',
        status: 422,
        code: 'UNKNOWN_MEMBER',
      },
      {
        name: 'a like on a vote board',
        body: '{"candidateId":"alice","action":"like"}',
        status: 422,
        code: 'ACTION_NOT_ALLOWED',
        details: { kind: 'vote', action: 'like' },
      },
      {
        name: 'an unlike on a vote board',
        body: '{"candidateId":"alice","action":"unlike"}',
        status: 422,
        code: 'ACTION_NOT_ALLOWED',
        details: { kind: 'vote', action: 'unlike' },
      },
      {
        name: 'a vote on a like board',
        path: likePath,
        body: '{"candidateId":"alice"}',
        status: 422,
        code: 'ACTION_NOT_ALLOWED',
        details: { kind: 'like', action: 'vote' },
      },
    ];

    it.each(cases)('$name → $status $code', async ({ path, body, type, status, code, fields, details }) => {
      const ids = { vote: boardId, like: likeBoardId };
      const before = [...(await queuedVotes(boardId)), ...(await queuedVotes(likeBoardId))].length;
      const res = await post((path ?? votePath)(ids), body, type === undefined ? {} : { type });
      expect(res.status).toBe(status);
      const answer = (await res.json()) as ErrorBody;
      expect(answer.error.code).toBe(code);
      expect(answer.error.message.length).toBeGreaterThan(0);
      if (fields) {
        const paths = new Set((answer.error.details as { path: string }[]).map((d) => d.path));
        expect([...paths].sort()).toEqual([...fields].sort());
      }
      if (details) expect(answer.error.details).toEqual(details);
      const after = [...(await queuedVotes(boardId)), ...(await queuedVotes(likeBoardId))].length;
      expect(after).toBe(before);
    });
  });

  describe("by the campaign's status", () => {
    it.each(['draft', 'scheduled', 'paused', 'ended', 'archived'] as const)(
      'answers 409 CAMPAIGN_NOT_LIVE while the campaign is %s, and enqueues nothing',
      async (status) => {
        const board = await seedBoard(config, server.deps.redis, mongo, ['alice']);
        await setBoardStatus(server.deps.redis, server.deps.keys, board, status);
        const res = await vote(board, { candidateId: 'alice' });
        expect(res.status).toBe(409);
        expect(await res.json()).toMatchObject({ error: { code: 'CAMPAIGN_NOT_LIVE', details: { status } } });
        expect(await queuedVotes(board)).toEqual([]);
      },
    );

    it.each(['live', 'frozen'] as const)(
      'takes votes while the campaign is %s (frozen: 封榜, counting goes on)',
      async (status) => {
        const board = await seedBoard(config, server.deps.redis, mongo, ['alice']);
        await setBoardStatus(server.deps.redis, server.deps.keys, board, status);
        // The board cache may hold the board from before: it trusts Redis for BOARD_CACHE_MS.
        const res = await vote(board, { candidateId: 'alice' });
        expect(res.status).toBe(202);
      },
    );
  });

  describe('for a board that MongoDB has but Redis lost', () => {
    it('still accepts its votes (202) onto the queue, to wait for a rebuild', async () => {
      const board = await seedBoard(config, server.deps.redis, mongo, ['alice', 'bob']);
      expect(await loseBoardState(server.deps.redis, server.deps.keys, board)).toBeGreaterThan(0);
      const voteId = await accepted(await vote(board, { candidateId: 'bob' }));
      expect((await queuedVotes(board)).map((v) => v.voteId)).toEqual([voteId]);
    });

    it('still checks the candidate and the action against the board in MongoDB', async () => {
      const board = await seedBoard(config, server.deps.redis, mongo, ['alice'], { kind: 'like' });
      await loseBoardState(server.deps.redis, server.deps.keys, board);
      const unknown = await vote(board, { candidateId: 'mallory', action: 'like' });
      expect(unknown.status).toBe(422);
      expect((await errorOf(unknown)).code).toBe('UNKNOWN_MEMBER');
      const wrongAction = await vote(board, { candidateId: 'alice' });
      expect((await errorOf(wrongAction)).code).toBe('ACTION_NOT_ALLOWED');
      await accepted(await vote(board, { candidateId: 'alice', action: 'like' }));
      expect(await queuedVotes(board)).toHaveLength(1);
    });

    it("still refuses a vote while the board's campaign is paused (CAMPAIGN_NOT_LIVE), from MongoDB", async () => {
      const board = await seedBoard(config, server.deps.redis, mongo, ['alice']);
      await campaignModel(mongo).create({
        _id: board,
        title: 'paused',
        kind: 'vote',
        members: [{ candidateId: 'alice', name: 'Alice' }],
        schedule: {
          startAt: new Date(),
          endAt: new Date(Date.now() + 86_400_000),
          timezone: 'Asia/Shanghai',
        },
        visibility: 'public',
        rules: {},
        status: 'paused',
        createdBy: 'h-1',
      });
      await loseBoardState(server.deps.redis, server.deps.keys, board);
      const res = await vote(board, { candidateId: 'alice' });
      expect(res.status).toBe(409);
      expect(await errorOf(res)).toMatchObject({ code: 'CAMPAIGN_NOT_LIVE', details: { status: 'paused' } });
      expect(await queuedVotes(board)).toEqual([]);
    });
  });

  describe('who may vote', () => {
    type TokenOf = () => Promise<string | undefined>;
    const hostToken: TokenOf = async () =>
      (await createTokenSigner(config.auth).host({ hostId: 'h-1', role: 'admin' })).token;
    const expiredToken: TokenOf = async () =>
      // Signed three hours ago: past any participant token's life.
      (
        await createTokenSigner(config.auth, () => Date.now() - 3 * 3_600_000).participant({
          participantId: VOTER,
        })
      ).token;

    it.each([
      { name: 'no token', token: async () => undefined, code: 'UNAUTHENTICATED' },
      { name: 'a token that is not one', token: async () => 'not.a.token', code: 'UNAUTHENTICATED' },
      { name: "a host's token", token: hostToken, code: 'UNAUTHENTICATED' },
      { name: 'an expired participant token', token: expiredToken, code: 'TOKEN_EXPIRED' },
    ] satisfies { name: string; token: TokenOf; code: string }[])(
      'refuses a vote with $name: 401 $code, and enqueues nothing',
      async ({ token, code }) => {
        const board = await seedBoard(config, server.deps.redis, mongo, ['alice']);
        const bearer = await token();
        const res = await post(`/api/boards/${board}/votes`, '{"candidateId":"alice"}', {
          as: null,
          headers: bearer === undefined ? {} : { authorization: `Bearer ${bearer}` },
        });
        expect(res.status).toBe(401);
        expect((await errorOf(res)).code).toBe(code);
        expect(await queuedVotes(board)).toEqual([]);
      },
    );

    it('authenticates before it reads the request: no token and a bad body is 401, not 400', async () => {
      const res = await post(`/api/boards/${boardId}/votes`, '{"candidateId":""}', { as: null });
      expect(res.status).toBe(401);
    });

    it.each([
      ['malformed JSON', '{"candidateId":', 'application/json'],
      [
        'a body past the size limit',
        `{"candidateId":"${'x'.repeat(config.http.bodyLimitBytes)}"}`,
        'application/json',
      ],
      ['another content type', 'candidateId=alice', 'application/x-www-form-urlencoded'],
    ])('never reads an anonymous body: %s without a token is 401', async (_what, body, type) => {
      const res = await post(`/api/boards/${boardId}/votes`, body, { as: null, type });
      expect(res.status).toBe(401);
      expect((await errorOf(res)).code).toBe('UNAUTHENTICATED');
    });
  });

  describe('with the risk context', () => {
    const fingerprint = 'A1'.repeat(32);

    it('queues the address, device id and fingerprint, dwell time, User-Agent and share token with the vote', async () => {
      const board = await seedBoard(config, server.deps.redis, mongo, ['alice']);
      const voteId = await accepted(
        await post(
          `/api/boards/${board}/votes`,
          '{"candidateId":"alice","dwellMs":1830,"shareToken":"s_1-x"}',
          {
            headers: {
              'x-device-id': 'install-42',
              'x-device-fingerprint': fingerprint,
              'user-agent': 'Mozilla/5.0 MicroMessenger/8.0.50',
            },
          },
        ),
      );
      expect(await queuedVotes(board)).toEqual([
        {
          voteId,
          candidateId: 'alice',
          action: 'vote',
          voterId: VOTER,
          acceptedAt: expect.any(Number),
          context: {
            ip: '127.0.0.1',
            deviceId: 'install-42',
            // Kept in lower case.
            fingerprint: fingerprint.toLowerCase(),
            dwellMs: 1830,
            userAgent: 'Mozilla/5.0 MicroMessenger/8.0.50',
            shareToken: 's_1-x',
          },
        },
      ]);
    });

    it('cuts a User-Agent to 512 characters instead of refusing it', async () => {
      const board = await seedBoard(config, server.deps.redis, mongo, ['alice']);
      await accepted(
        await post(`/api/boards/${board}/votes`, '{"candidateId":"alice"}', {
          headers: { 'user-agent': `UA/${'x'.repeat(1_000)}` },
        }),
      );
      const [queued] = await queuedVotes(board);
      expect(queued?.context?.userAgent).toBe(`UA/${'x'.repeat(509)}`);
    });

    it.each([
      [
        'a fingerprint that is not a SHA-256',
        { 'x-device-fingerprint': 'abc123' },
        '{}',
        'headers.x-device-fingerprint',
      ],
      ['a device id with spaces', { 'x-device-id': 'my phone' }, '{}', 'headers.x-device-id'],
      ['a negative dwell time', {}, '{"dwellMs":-1}', 'body.dwellMs'],
      ['a dwell time over a day', {}, '{"dwellMs":86400001}', 'body.dwellMs'],
      ['a dwell time with a fraction', {}, '{"dwellMs":12.5}', 'body.dwellMs'],
      ['a dwell time as text', {}, '{"dwellMs":"1000"}', 'body.dwellMs'],
      ['a share token over 32 characters', {}, `{"shareToken":"${'s'.repeat(33)}"}`, 'body.shareToken'],
      ['a share token with a slash', {}, '{"shareToken":"a/b"}', 'body.shareToken'],
      ['an empty share token', {}, '{"shareToken":""}', 'body.shareToken'],
    ])(
      'refuses %s with 400 INVALID_INPUT naming it, and enqueues nothing',
      async (_, headers, extra, path) => {
        const board = await seedBoard(config, server.deps.redis, mongo, ['alice']);
        const body = JSON.stringify({ candidateId: 'alice', ...(JSON.parse(extra) as object) });
        const res = await post(`/api/boards/${board}/votes`, body, { headers });
        expect(res.status).toBe(400);
        const error = await errorOf(res);
        expect(error.code).toBe('INVALID_INPUT');
        expect(new Set((error.details as { path: string }[]).map((d) => d.path))).toEqual(new Set([path]));
        expect(await queuedVotes(board)).toEqual([]);
      },
    );

    it('takes the address from the socket, not from X-Forwarded-For, when no proxy is trusted', async () => {
      const board = await seedBoard(config, server.deps.redis, mongo, ['alice']);
      await accepted(
        await post(`/api/boards/${board}/votes`, '{"candidateId":"alice"}', {
          headers: { 'x-forwarded-for': '198.51.100.9' },
        }),
      );
      expect((await queuedVotes(board))[0]?.context?.ip).toBe('127.0.0.1');
    });

    describe('behind a trusted proxy (TRUST_PROXY=loopback)', () => {
      let proxied: Awaited<ReturnType<typeof listenApp>>;
      beforeAll(async () => {
        const behindProxy = testConfig({ KEY_PREFIX: config.keyPrefix, TRUST_PROXY: 'loopback' });
        proxied = await listenApp({ ...server.deps, config: behindProxy });
      });
      afterAll(() => proxied.close());

      it('takes the address the proxy forwarded', async () => {
        const board = await seedBoard(config, server.deps.redis, mongo, ['alice']);
        await accepted(
          await post(`/api/boards/${board}/votes`, '{"candidateId":"alice"}', {
            url: proxied.url,
            headers: { 'x-forwarded-for': '198.51.100.9, 127.0.0.1' },
          }),
        );
        expect((await queuedVotes(board))[0]?.context?.ip).toBe('198.51.100.9');
      });

      it('refuses a forwarded address that is not one with 400 INVALID_INPUT', async () => {
        const board = await seedBoard(config, server.deps.redis, mongo, ['alice']);
        const res = await post(`/api/boards/${board}/votes`, '{"candidateId":"alice"}', {
          url: proxied.url,
          headers: { 'x-forwarded-for': 'not-an-address' },
        });
        expect(res.status).toBe(400);
        expect(await errorOf(res)).toMatchObject({
          code: 'INVALID_INPUT',
          details: [{ path: 'headers.x-forwarded-for' }],
        });
        expect(await queuedVotes(board)).toEqual([]);
      });
    });
  });
});

describe('when Redis goes away', () => {
  /** A server like startTestServer's, except that the given connections reach Redis through a proxy. */
  async function serverThroughProxy(through: { queue: boolean; commands: boolean }) {
    const proxy = await startTcpProxy(config.redis.url);
    const open = async (role: 'producer' | 'command') => {
      const connection = createRedis(proxy.url, role, 'test-proxied');
      connection.on('error', () => {});
      await waitForReady(connection);
      return connection;
    };
    const producer = through.queue ? await open('producer') : undefined;
    const command = through.commands ? await open('command') : undefined;
    const voteQueue = producer ? createVoteQueue(producer, server.deps.keys) : server.deps.voteQueue;
    voteQueue.on('error', () => {});
    await voteQueue.waitUntilReady();
    const app = await listenApp({ ...server.deps, voteQueue, ...(command ? { redis: command } : {}) });
    return {
      url: app.url,
      /** Cuts the proxy and waits until the proxied connections have noticed. */
      async goAway() {
        await proxy.cut();
        const proxied = [producer, command].filter((c) => c !== undefined);
        const deadline = Date.now() + 5_000;
        while (proxied.some((c) => c.status === 'ready') && Date.now() < deadline) {
          await new Promise((resolve) => setTimeout(resolve, 10));
        }
      },
      async close() {
        await app.close();
        if (producer) await voteQueue.close().catch(() => {});
        for (const connection of [producer, command]) if (connection) connection.disconnect();
      },
    };
  }

  it('answers 503 SERVICE_UNAVAILABLE, not 500, to every request when the queue cannot take their votes, and enqueues nothing', async () => {
    const board = await seedBoard(config, server.deps.redis, mongo, ['alice']);
    const proxied = await serverThroughProxy({ queue: true, commands: false });
    try {
      // Working first: the proxy passes everything through.
      await accepted(
        await post(`/api/boards/${board}/votes`, '{"candidateId":"alice"}', { url: proxied.url }),
      );
      await proxied.goAway();
      // Requests gathered into one add fail together.
      const answers = await Promise.all(
        Array.from({ length: 5 }, () =>
          post(`/api/boards/${board}/votes`, '{"candidateId":"alice"}', { url: proxied.url }),
        ),
      );
      for (const res of answers) {
        expect(res.status).toBe(503);
        expect(await res.json()).toEqual({
          error: { code: 'SERVICE_UNAVAILABLE', message: expect.any(String) },
        });
      }
      expect(await queuedVotes(board)).toHaveLength(1);
    } finally {
      await proxied.close();
    }
  });

  it('answers 503 SERVICE_UNAVAILABLE when Redis cannot say whether the board exists', async () => {
    const board = await seedBoard(config, server.deps.redis, mongo, ['alice']);
    const proxied = await serverThroughProxy({ queue: true, commands: true });
    try {
      await proxied.goAway();
      const res = await post(`/api/boards/${board}/votes`, '{"candidateId":"alice"}', { url: proxied.url });
      expect(res.status).toBe(503);
      expect(((await res.json()) as ErrorBody).error.code).toBe('SERVICE_UNAVAILABLE');
      expect(await queuedVotes(board)).toEqual([]);
    } finally {
      await proxied.close();
    }
  });
});

describe('an unknown route', () => {
  it('answers 404 NOT_FOUND in the catalogue shape', async () => {
    const res = await fetch(`${server.url}/api/nothing-here`);
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ error: { code: 'NOT_FOUND', message: expect.any(String) } });
  });
});
