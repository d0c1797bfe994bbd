import { connectMongo } from '@rallyboard/core/db';
import type { ErrorBody } from '@rallyboard/core/protocol';
import type { Connection } from 'mongoose';
import { afterAll, beforeAll } from 'vitest';
import { testConfig } from '../../../test/support/config.js';
import { seedBoard, startTestServer, type TestServer } from '../../../test/support/stack.js';
import { applyDirect } from './boards.js';

/**
 * What the tests of the board reads share (they were one file, leaderboard.test.ts): a server and
 * a board with votes today and on a past day, and how to ask for and read the answers. Each test
 * file that imports this has a config, a database and a key prefix of its own.
 */

export const config = testConfig();
export let server: TestServer;
export let mongo: Connection;
/**
 * Today: bob 2 (first to 2, at seq 3), carol 2 (seq 4), dave 1 (seq 5). A past day: erin 1 (seq 6),
 * alice 1 (seq 7). All-time: bob, carol, dave, erin, alice.
 */
export let boardId: string;
export const PAST_DAY = '2026-01-15';

/** Starts the file's server and seeds its board before its tests; closes them after. */
export function useLeaderboardServer(): void {
  beforeAll(async () => {
    mongo = await connectMongo(config.mongo.uri, 'test');
    server = await startTestServer(config, mongo);
    boardId = await seedBoard(config, server.deps.redis, mongo, ['alice', 'bob', 'carol', 'dave', 'erin']);
    await applyDirect(server.deps, boardId, ['bob', 'carol', 'bob', 'carol', 'dave']);
    // Two votes that count for a past day: erin then alice, both at 1.
    await applyDirect(server.deps, boardId, [
      { candidateId: 'erin', day: PAST_DAY },
      { candidateId: 'alice', day: PAST_DAY },
    ]);
  });
  afterAll(async () => {
    await server.close();
    await mongo.close();
  });
}

export const api = (path: string) => `${server.url}/api/boards/${path}`;
export const codeOf = (body: unknown) => (body as ErrorBody).error.code;
export const pathsOf = (body: unknown) =>
  ((body as ErrorBody).error.details as { path: string }[]).map((detail) => detail.path);

/** The board's all-time ranking. */
export const ALL_TIME = [
  { rank: 1, candidateId: 'bob', score: 2 },
  { rank: 2, candidateId: 'carol', score: 2 },
  { rank: 3, candidateId: 'dave', score: 1 },
  { rank: 4, candidateId: 'erin', score: 1 },
  { rank: 5, candidateId: 'alice', score: 1 },
];
