import { createRedis, waitForReady } from '@rallyboard/core/redis';
import { describe, expect, it } from 'vitest';
import { seedBoard } from '../../../test/support/stack.js';
import { listenApp } from '../support/app.js';
import { getJson, loseBoardState } from '../support/boards.js';
import {
  api,
  boardId,
  codeOf,
  config,
  mongo,
  server,
  useLeaderboardServer,
} from '../support/leaderboard-fixture.js';
import { startTcpProxy } from '../support/proxy.js';

// The board reads while the board's state or Redis itself is missing.
useLeaderboardServer();

describe('the reads of a board that MongoDB has but Redis lost', () => {
  it('answer 404 BOARD_NOT_FOUND until a rebuild restores it', async () => {
    const board = await seedBoard(config, server.deps.redis, mongo, ['alice']);
    await loseBoardState(server.deps.redis, server.deps.keys, board);
    for (const path of ['leaderboard', 'leaderboard?window=day', 'members/alice', 'totals']) {
      const { status, body } = await getJson(api(`${board}/${path}`));
      expect(status, path).toBe(404);
      expect(codeOf(body)).toBe('BOARD_NOT_FOUND');
    }
  });
});

describe('when Redis goes away', () => {
  it('the reads answer 503 SERVICE_UNAVAILABLE, not 500', async () => {
    const proxy = await startTcpProxy(config.redis.url);
    const redis = createRedis(proxy.url, 'command', 'test-proxied');
    redis.on('error', () => {});
    await waitForReady(redis);
    const app = await listenApp({ ...server.deps, redis });
    try {
      const before = await getJson(`${app.url}/api/boards/${boardId}/leaderboard`);
      expect(before.status).toBe(200);
      await proxy.cut();
      // All at once: the command connection fails its queued commands together, per reconnect round.
      const paths = ['leaderboard', 'leaderboard?window=day', 'members/bob', 'members/bob/around', 'totals'];
      const answers = await Promise.all(
        paths.map((path) => getJson(`${app.url}/api/boards/${boardId}/${path}`)),
      );
      for (const [i, { status, body }] of answers.entries()) {
        expect(status, paths[i]).toBe(503);
        expect(body).toEqual({ error: { code: 'SERVICE_UNAVAILABLE', message: expect.any(String) } });
      }
    } finally {
      await app.close();
      redis.disconnect();
    }
  });
});
