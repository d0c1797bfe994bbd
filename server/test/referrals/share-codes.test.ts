import type { Config } from '@rallyboard/core/config';
import { AppError, SHARE_PAGE } from '@rallyboard/core/protocol';
import { closeRedis, createKeys, type RedisClient } from '@rallyboard/core/redis';
import { createWeChatApi } from '@rallyboard/core/wechat';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { WeChatFake } from '../../../scripts/wechat-fake/server.js';
import { randomId } from '../../../test/support/config.js';
import { testRedis } from '../../../test/support/stack.js';
import { configFor, FAKE_PATHS, rejectionOf, startFake } from '../../../test/support/wechat.js';
import {
  createShareCodes,
  SHARE_CODE_TTL_SECONDS,
  type ShareCodes,
} from '../../src/referrals/share-codes.js';

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

let fake: WeChatFake;
let redis: RedisClient;

beforeAll(async () => {
  fake = await startFake();
  redis = await testRedis(configFor(fake));
});
afterEach(() => {
  fake.state.clearFaults();
  fake.state.pages = undefined;
});
afterAll(async () => {
  await closeRedis(redis);
  await fake.close();
});

const codeCalls = () => fake.state.callCount(FAKE_PATHS.qrCode);

/** Share codes over the fake, on a key prefix of their own; every token in `issued` is known. */
function shareCodes(config: Config, issued: ReadonlySet<string>): ShareCodes {
  const keys = createKeys(config.keyPrefix);
  return createShareCodes({
    config,
    keys,
    redis,
    wechat: createWeChatApi({ config, keys, redis }),
    isIssued: async (token) => issued.has(token),
  });
}

describe('share codes', () => {
  it("asks WeChat for the token's code once, with the token as the scene, then serves it from the cache", async () => {
    const config = configFor(fake);
    const token = randomId('tok_');
    const codes = shareCodes(config, new Set([token]));
    const before = codeCalls();
    const first = await codes.image(token);
    expect(first.contentType).toBe('image/png');
    expect(first.image.subarray(0, 8)).toEqual(PNG_SIGNATURE);
    expect(codeCalls() - before).toBe(1);

    const again = await codes.image(token);
    // Another process on the same Redis finds it too.
    const elsewhere = await shareCodes(config, new Set()).image(token);
    expect(again).toEqual(first);
    expect(elsewhere).toEqual(first);
    expect(codeCalls() - before).toBe(1);

    const key = createKeys(config.keyPrefix).shareCode(token);
    const ttl = await redis.ttl(key);
    expect(ttl).toBeGreaterThan(SHARE_CODE_TTL_SECONDS - 60);
    expect(ttl).toBeLessThanOrEqual(SHARE_CODE_TTL_SECONDS);
  });

  it('makes one call for concurrent first requests of one token', async () => {
    const token = randomId('tok_');
    const codes = shareCodes(configFor(fake), new Set([token]));
    const before = codeCalls();
    const images = await Promise.all(Array.from({ length: 10 }, () => codes.image(token)));
    expect(codeCalls() - before).toBe(1);
    for (const image of images) expect(image).toEqual(images[0]);
  });

  it('gives the longest share token a scene WeChat takes (the fake checks the alphabet and length)', async () => {
    const token = 'Az09_-'.repeat(5).slice(0, 32);
    const image = await shareCodes(configFor(fake), new Set([token])).image(token);
    expect(image.image.subarray(0, 8)).toEqual(PNG_SIGNATURE);
  });

  it('refuses a token never issued without asking WeChat', async () => {
    const before = codeCalls();
    const error = await rejectionOf(shareCodes(configFor(fake), new Set()).image(randomId('tok_')));
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).code).toBe('SHARE_TOKEN_NOT_FOUND');
    expect(codeCalls()).toBe(before);
  });

  it("answers WeChat's refusal with its catalogue code and caches nothing", async () => {
    const config = configFor(fake);
    const token = randomId('tok_');
    const codes = shareCodes(config, new Set([token]));
    fake.state.failNext(FAKE_PATHS.qrCode, 45009);
    const error = await rejectionOf(codes.image(token));
    expect((error as AppError).code).toBe('WECHAT_RATE_LIMITED');
    expect(await redis.exists(createKeys(config.keyPrefix).shareCode(token))).toBe(0);
    // Asked again, it is made.
    expect((await codes.image(token)).contentType).toBe('image/png');
  });

  it('opens a release code only on a published page, and a develop code on any (check_path off)', async () => {
    fake.state.pages = new Set(['pages/index/index']);
    const token = randomId('tok_');
    const release = await rejectionOf(shareCodes(configFor(fake), new Set([token])).image(token));
    expect((release as AppError).code).toBe('WECHAT_REQUEST_REJECTED');

    const develop = shareCodes(configFor(fake, { WECHAT_ENV_VERSION: 'develop' }), new Set([token]));
    expect((await develop.image(token)).contentType).toBe('image/png');

    fake.state.pages = new Set([SHARE_PAGE]);
    const published = randomId('tok_');
    expect((await shareCodes(configFor(fake), new Set([published])).image(published)).contentType).toBe(
      'image/png',
    );
  });
});
