import { describe, expect, it } from 'vitest';
import { testConfig } from '../../../../test/support/config.js';
import { closeRedis, createRedis, waitForReady } from '../../src/redis/index.js';

const config = testConfig();

describe('a connection', () => {
  it("sends a turn's commands together when asked to, and each command alone otherwise", async () => {
    const together = createRedis(config.redis.url, 'command', 'test-pipelined', { autoPipelining: true });
    const alone = createRedis(config.redis.url, 'command', 'test-alone');
    try {
      await Promise.all([waitForReady(together), waitForReady(alone)]);
      const sent = (redis: typeof together) => {
        const replies = Array.from({ length: 20 }, (_, i) => redis.echo(`m${i}`));
        return { queued: redis.autoPipelineQueueSize, replies };
      };
      const a = sent(together);
      const b = sent(alone);
      // Held for the turn's one write, then answered each in order.
      expect(a.queued).toBe(20);
      expect(b.queued).toBe(0);
      expect(await Promise.all(a.replies)).toEqual(Array.from({ length: 20 }, (_, i) => `m${i}`));
      expect(await Promise.all(b.replies)).toEqual(Array.from({ length: 20 }, (_, i) => `m${i}`));
    } finally {
      await Promise.all([closeRedis(together), closeRedis(alone)]);
    }
  });
});
