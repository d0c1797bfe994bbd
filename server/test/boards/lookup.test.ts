import type { AppError } from '@rallyboard/core/protocol';
import { createKeys, type RedisClient } from '@rallyboard/core/redis';
import mongoose, { type Connection } from 'mongoose';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { randomId, testConfig } from '../../../test/support/config.js';
import { seedBoard, testRedis } from '../../../test/support/stack.js';
import { type BoardLookup, createBoardLookup } from '../../src/boards/lookup.js';

const CACHE_MS = 400;
const config = testConfig({ BOARD_CACHE_MS: String(CACHE_MS) });
let redis: RedisClient;
let mongo: Connection;
let lookup: BoardLookup;
/** The MongoDB commands naming a board id, as the driver's command monitoring sees them. */
const commands: { name: string; boardId: unknown }[] = [];

beforeAll(async () => {
  redis = await testRedis(config);
  // A connection of the test's own, with command monitoring: every command MongoDB is sent.
  mongo = mongoose.createConnection(config.mongo.uri, { monitorCommands: true });
  await mongo.asPromise();
  mongo.getClient().on('commandStarted', (event) => {
    const filter = (event.command as { filter?: { _id?: unknown } }).filter;
    if (filter?._id !== undefined) commands.push({ name: event.commandName, boardId: filter._id });
  });
});
beforeEach(() => {
  lookup = createBoardLookup({ config, redis, keys: createKeys(config.keyPrefix), mongo });
});
afterAll(async () => {
  redis.disconnect();
  await mongo.close();
});

const readsOf = (boardId: string) => commands.filter((c) => c.boardId === boardId).length;
const codeOf = (promise: Promise<unknown>) =>
  promise.then(
    () => 'found',
    (error: AppError) => error.code,
  );

/**
 * A lookup whose cache outlasts any run, for counting reads: with CACHE_MS, twenty lookups on a
 * loaded CI machine can span two cache times, and rightly read twice.
 */
const patientLookup = () =>
  createBoardLookup({
    config: { ...config, ingest: { ...config.ingest, boardCacheMs: 60_000 } },
    redis,
    keys: createKeys(config.keyPrefix),
    mongo,
  });

describe('the board lookup of an unknown board', () => {
  it('asks MongoDB once per cache time, not for every request', async () => {
    const boardId = randomId('unknown');
    const lookup = patientLookup();
    const answers = [];
    for (let i = 0; i < 20; i++) answers.push(await codeOf(lookup.require(boardId)));
    expect(answers).toEqual(answers.map(() => 'BOARD_NOT_FOUND'));
    // One miss: the board and its campaign, read once.
    expect(readsOf(boardId)).toBe(2);
  });

  it('shares one MongoDB read among concurrent requests', async () => {
    const boardId = randomId('unknown');
    const lookup = patientLookup();
    const answers = await Promise.all(Array.from({ length: 20 }, () => codeOf(lookup.require(boardId))));
    expect(new Set(answers)).toEqual(new Set(['BOARD_NOT_FOUND']));
    expect(readsOf(boardId)).toBe(2);
  });

  it('finds a board created meanwhile within the cache time', async () => {
    const boardId = randomId('later');
    expect(await codeOf(lookup.require(boardId))).toBe('BOARD_NOT_FOUND');
    await seedBoard(config, redis, mongo, ['alice'], { boardId });
    const createdAt = Date.now();
    while ((await codeOf(lookup.require(boardId))) !== 'found') {
      expect(Date.now() - createdAt).toBeLessThan(CACHE_MS + 200);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  });

  it('finds it at once when the campaign store forgets the board, as its sync does', async () => {
    const boardId = randomId('synced');
    expect(await codeOf(lookup.require(boardId))).toBe('BOARD_NOT_FOUND');
    await seedBoard(config, redis, mongo, ['alice'], { boardId });
    lookup.cache.forget(boardId);
    expect(await codeOf(lookup.require(boardId))).toBe('found');
  });
});
