import { connectMongo } from '@rallyboard/core/db';
import { VOTE_JOB, voteJobId } from '@rallyboard/core/queue';
import { createRedis } from '@rallyboard/core/redis';
import type { Connection } from 'mongoose';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { testConfig } from '../../../test/support/config.js';
import { seedBoard, startTestServer, type TestServer } from '../../../test/support/stack.js';

const config = testConfig();
let server: TestServer;
let mongo: Connection;
let boardId: string;

beforeAll(async () => {
  mongo = await connectMongo(config.mongo.uri, 'test');
  server = await startTestServer(config, mongo);
  boardId = await seedBoard(config, server.deps.redis, mongo, ['alice', 'bob']);
});
afterAll(async () => {
  await server.close();
  await mongo.close();
});

const queued = () => server.deps.voteQueue.count();

function post(path: string, body: string | undefined, contentType = 'application/json') {
  return fetch(`${server.url}${path}`, {
    method: 'POST',
    headers: body === undefined ? {} : { 'content-type': contentType },
    ...(body === undefined ? {} : { body }),
  });
}

describe('POST /api/boards/:boardId/votes', () => {
  let before: number;
  beforeEach(async () => {
    before = await queued();
  });

  it('accepts a vote with 202 and a vote id, and enqueues exactly one job for it', async () => {
    const res = await post(`/api/boards/${boardId}/votes`, JSON.stringify({ candidateId: 'alice' }));
    expect(res.status).toBe(202);
    const body = (await res.json()) as { voteId: string; status: string };
    expect(body.status).toBe('queued');
    expect(body.voteId).toMatch(/^[0-9a-f-]{36}$/);
    expect(await queued()).toBe(before + 1);
    const job = await server.deps.voteQueue.getJob(voteJobId(body.voteId));
    expect(job?.name).toBe(VOTE_JOB);
    expect(job?.data).toMatchObject({ voteId: body.voteId, boardId, candidateId: 'alice' });
  });

  describe('when the input is bad, it answers 4xx with a catalogue code and enqueues nothing', () => {
    const cases: {
      name: string;
      path?: string;
      body: string | undefined;
      type?: string;
      status: number;
      code: string;
      field?: string;
    }[] = [
      {
        name: 'an unknown board',
        path: '/api/boards/no-such-board/votes',
        body: '{"candidateId":"alice"}',
        status: 404,
        code: 'BOARD_NOT_FOUND',
      },
      {
        name: 'a missing candidateId',
        body: '{}',
        status: 400,
        code: 'INVALID_INPUT',
        field: 'body.candidateId',
      },
      { name: 'a non-JSON body', body: '{"candidateId": alice', status: 400, code: 'INVALID_JSON' },
      { name: 'a body that is not an object', body: '"alice"', status: 400, code: 'INVALID_JSON' },
      { name: 'no body at all', body: undefined, status: 415, code: 'UNSUPPORTED_MEDIA_TYPE' },
      {
        name: 'a form-encoded body',
        body: 'candidateId=alice',
        type: 'application/x-www-form-urlencoded',
        status: 415,
        code: 'UNSUPPORTED_MEDIA_TYPE',
      },
      {
        name: 'a candidate the board does not have',
        body: '{"candidateId":"mallory"}',
        status: 422,
        code: 'UNKNOWN_MEMBER',
      },
      {
        name: 'a candidateId of the wrong type',
        body: '{"candidateId":42}',
        status: 400,
        code: 'INVALID_INPUT',
        field: 'body.candidateId',
      },
      {
        name: 'an operator object as candidateId',
        body: '{"candidateId":{"$gt":""}}',
        status: 400,
        code: 'INVALID_INPUT',
        field: 'body.candidateId',
      },
      {
        name: 'an unknown field',
        body: '{"candidateId":"alice","weight":100}',
        status: 400,
        code: 'INVALID_INPUT',
        field: 'body',
      },
      {
        name: 'a board id with unsafe characters',
        path: '/api/boards/a%7Bb%7D/votes',
        body: '{"candidateId":"alice"}',
        status: 400,
        code: 'INVALID_INPUT',
        field: 'params.boardId',
      },
      {
        name: 'an oversized body',
        body: JSON.stringify({ candidateId: 'x'.repeat(20_000) }),
        status: 413,
        code: 'PAYLOAD_TOO_LARGE',
      },
    ];

    it.each(cases)('$name → $status $code', async ({ path, body, type, status, code, field }) => {
      const res = await post(path ?? `/api/boards/${boardId}/votes`, body, type);
      expect(res.status).toBe(status);
      const answer = (await res.json()) as {
        error: { code: string; message: string; details?: { path: string }[] };
      };
      expect(answer.error.code).toBe(code);
      expect(answer.error.message.length).toBeGreaterThan(0);
      if (field) expect(answer.error.details?.map((d) => d.path)).toContain(field);
      expect(await queued()).toBe(before);
    });
  });
});

describe('when Redis does not answer', () => {
  it('answers 503 SERVICE_UNAVAILABLE, not 500, and accepts nothing', async () => {
    const live = server.deps.redis;
    // A connection to a port nothing listens on stands in for a Redis that went away.
    const dead = createRedis('redis://127.0.0.1:1', 'command', 'test');
    dead.on('error', () => {});
    server.deps.redis = dead;
    const before = await queued();
    try {
      const res = await post(`/api/boards/${boardId}/votes`, JSON.stringify({ candidateId: 'alice' }));
      expect(res.status).toBe(503);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('SERVICE_UNAVAILABLE');
      expect(await queued()).toBe(before);
    } finally {
      server.deps.redis = live;
      dead.disconnect();
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
