import { closeRedis, createKeys, type RedisClient } from '@rallyboard/core/redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomId, testConfig } from '../../../test/support/config.js';
import { testRedis } from '../../../test/support/stack.js';
import { createIdempotentRequests } from '../../src/http/idempotent.js';

/**
 * A create slower than its key's hold: a retry then claims the key, and the first, when it ends,
 * must neither free the retry's claim (a third request would run beside it) nor overwrite it.
 */
const config = testConfig();
let redis: RedisClient;

beforeAll(async () => {
  redis = await testRedis(config, 'command');
});
afterAll(async () => {
  await closeRedis(redis);
});

const body = { title: '年度人气之星' };

describe('a key claimed again after its hold ran out', () => {
  it('is not freed by the first request failing: a third finds the retry still running', async () => {
    const requests = createIdempotentRequests({
      redis,
      keys: createKeys(config.keyPrefix),
      pendingTtlSeconds: 1,
    });
    const [scope, key] = [randomId('host:'), randomId('key-')];
    const first = await requests.claim(scope, key, body);
    expect(first.run).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 1_200));
    const retry = await requests.claim(scope, key, body);
    expect(retry.run).toBe(true);
    if (!first.run) throw new Error('unreachable');
    await requests.release(first.claimed);
    await expect(requests.claim(scope, key, body)).rejects.toMatchObject({ code: 'IDEMPOTENCY_KEY_IN_USE' });
  });

  it('keeps the retry’s answer, not the first’s, when both succeed', async () => {
    const requests = createIdempotentRequests({
      redis,
      keys: createKeys(config.keyPrefix),
      pendingTtlSeconds: 1,
    });
    const [scope, key] = [randomId('host:'), randomId('key-')];
    const first = await requests.claim(scope, key, body);
    await new Promise((resolve) => setTimeout(resolve, 1_200));
    const retry = await requests.claim(scope, key, body);
    if (!first.run || !retry.run) throw new Error('both should run');
    await requests.complete(retry.claimed, { status: 201, body: { id: 'second' } });
    await requests.complete(first.claimed, { status: 201, body: { id: 'first' } });
    expect(await requests.claim(scope, key, body)).toEqual({
      run: false,
      answer: { status: 201, body: { id: 'second' } },
    });
  });
});
