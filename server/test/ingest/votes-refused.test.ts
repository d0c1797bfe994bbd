import type { ErrorBody } from '@rallyboard/core/protocol';
import { describe, expect, it } from 'vitest';
import { randomId } from '../../../test/support/config.js';
import { seedBoard } from '../../../test/support/stack.js';
import { applyDirect } from '../support/boards.js';
import {
  accepted,
  boardId,
  config,
  errorOf,
  likeBoardId,
  mongo,
  post,
  queuedVotes,
  server,
  useVotesServer,
} from '../support/votes-fixture.js';

// A vote refused, past a quota or for what its request is: a catalogue code, and nothing enqueued.
useVotesServer();

describe('POST /api/boards/:boardId/votes', () => {
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
});

describe('an unknown route', () => {
  it('answers 404 NOT_FOUND in the catalogue shape', async () => {
    const res = await fetch(`${server.url}/api/nothing-here`);
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ error: { code: 'NOT_FOUND', message: expect.any(String) } });
  });
});
