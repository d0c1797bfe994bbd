import { describe, expect, it } from 'vitest';
import { seedBoard } from '../../../test/support/stack.js';
import { createTokenSigner } from '../../src/auth/tokens.js';
import {
  boardId,
  config,
  errorOf,
  mongo,
  post,
  queuedVotes,
  server,
  useVotesServer,
  VOTER,
} from '../support/votes-fixture.js';

// Only a participant's live token votes, and it is checked before the request is read.
useVotesServer();

describe('POST /api/boards/:boardId/votes', () => {
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
});
