import { describe, expect, it } from 'vitest';
import { runScript } from '../../src/redis/index.js';
import { redis, useBoardRedis } from './board-fixture.js';

useBoardRedis();

describe('runScript', () => {
  it('refuses a call with the wrong number of keys', async () => {
    await expect(runScript(redis, 'readBoard', ['only-one'], ['range', 0, 1])).rejects.toThrow(
      /takes 5 keys, got 1/,
    );
    await expect(runScript(redis, 'applyVotes', ['a', 'b'], [])).rejects.toThrow(/takes 9\+ keys, got 2/);
  });
});
