import { createVoteQueue } from '@rallyboard/core/queue';
import { createRedis, waitForReady } from '@rallyboard/core/redis';
import { describe, expect, it } from 'vitest';
import { seedBoard } from '../../../test/support/stack.js';
import { listenApp } from '../support/app.js';
import { startTcpProxy } from '../support/proxy.js';
import { accepted, config, mongo, post, server, useVotesServer } from '../support/votes-fixture.js';

useVotesServer();

describe('when Redis stalls (connections open, no answers)', () => {
  /**
   * A server whose command and queue connections reach Redis through a proxy, opened as
   * server/src/main.ts opens them: with the request path's command timeout.
   */
  async function serverThroughProxy() {
    const proxy = await startTcpProxy(config.redis.url);
    const open = async (role: 'producer' | 'command') => {
      const connection = createRedis(proxy.url, role, 'test-stalled', {
        commandTimeoutMs: config.redis.commandTimeoutMs,
      });
      connection.on('error', () => {});
      await waitForReady(connection);
      return connection;
    };
    const [producer, command] = [await open('producer'), await open('command')];
    const voteQueue = createVoteQueue(producer, server.deps.keys);
    voteQueue.on('error', () => {});
    await voteQueue.waitUntilReady();
    const app = await listenApp({ ...server.deps, voteQueue, redis: command });
    return {
      url: app.url,
      stall: () => proxy.stall(),
      async close() {
        // Connections first: a request still waiting on them then answers, and the server closes.
        producer.disconnect();
        command.disconnect();
        await proxy.cut();
        await app.close();
      },
    };
  }

  it('answers a vote 503 SERVICE_UNAVAILABLE with Retry-After within the command timeout, instead of hanging', async () => {
    const board = await seedBoard(config, server.deps.redis, mongo, ['alice']);
    const fresh = await seedBoard(config, server.deps.redis, mongo, ['alice']);
    const stalled = await serverThroughProxy();
    try {
      await accepted(
        await post(`/api/boards/${board}/votes`, '{"candidateId":"alice"}', { url: stalled.url }),
      );
      stalled.stall();
      const startedAt = Date.now();
      // A board the server has not read yet: its check is the first Redis command to wait.
      const answer = await Promise.race([
        post(`/api/boards/${fresh}/votes`, '{"candidateId":"alice"}', { url: stalled.url }),
        new Promise<'still waiting after 5 s'>((resolve) =>
          setTimeout(resolve, 5_000, 'still waiting after 5 s'),
        ),
      ]);
      expect(answer).toBeInstanceOf(Response);
      const res = answer as Response;
      expect(Date.now() - startedAt).toBeLessThan(config.redis.commandTimeoutMs + 1_000);
      expect(res.status).toBe(503);
      expect(Number(res.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect(await res.json()).toEqual({
        error: { code: 'SERVICE_UNAVAILABLE', message: expect.any(String) },
      });
    } finally {
      await stalled.close();
    }
  });
});
