import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testConfig } from '../../../test/support/config.js';
import { seedBoard } from '../../../test/support/stack.js';
import { listenApp } from '../support/app.js';
import {
  accepted,
  config,
  errorOf,
  mongo,
  post,
  queuedVotes,
  server,
  useVotesServer,
  VOTER,
} from '../support/votes-fixture.js';

// What a vote carries for the risk checks: address, device, dwell time, User-Agent, share token.
useVotesServer();

describe('POST /api/boards/:boardId/votes', () => {
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
