import type { ErrorBody } from '@rallyboard/core/protocol';
import { createVoteQueue } from '@rallyboard/core/queue';
import { createRedis, waitForReady } from '@rallyboard/core/redis';
import { describe, expect, it } from 'vitest';
import { seedBoard } from '../../../test/support/stack.js';
import { listenApp } from '../support/app.js';
import { startTcpProxy } from '../support/proxy.js';
import {
  accepted,
  config,
  mongo,
  post,
  queuedVotes,
  server,
  useVotesServer,
} from '../support/votes-fixture.js';

useVotesServer();

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
