import { connectMongo } from '@rallyboard/core/db';
import type { RankUpdate } from '@rallyboard/core/protocol';
import type { Connection } from 'mongoose';
import { afterAll, beforeAll, expect } from 'vitest';
import { testConfig } from '../../../test/support/config.js';
import { collectUpdates, connectSocket, type TestSocket } from '../../../test/support/socket.js';
import {
  eventually,
  startTestServer,
  startTestWorker,
  type TestServer,
} from '../../../test/support/stack.js';
import { castVote } from '../../../test/support/votes.js';

/**
 * What the board relay's tests share (they were one file, board-relay.test.ts): a server and a
 * vote worker on a fast relay tick and a small top N, watchers, votes and checks of the updates.
 * Each test file that imports this has a config, a database and a key prefix of its own.
 */

export const TICK_MS = 100;
export const TOP_N = 3;
export const config = testConfig({ RELAY_TICK_MS: String(TICK_MS), LEADERBOARD_TOP_N: String(TOP_N) });
export let server: TestServer;
export let mongo: Connection;
let worker: Awaited<ReturnType<typeof startTestWorker>>;
/** Every socket the file opened, disconnected after its tests. */
export const sockets: TestSocket[] = [];

/** Starts the file's server and vote worker before its tests; closes them and the sockets after. */
export function useRelayStack(): void {
  beforeAll(async () => {
    mongo = await connectMongo(config.mongo.uri, 'test');
    server = await startTestServer(config, mongo);
    worker = await startTestWorker(config, mongo);
  });
  afterAll(async () => {
    for (const socket of sockets) socket.disconnect();
    await worker.close();
    await server.close();
    await mongo.close();
  });
}

/** A watcher: a socket that collects the `rank:updated` it receives, with when each arrived. */
export async function watcher() {
  const socket = await connectSocket(server.url);
  sockets.push(socket);
  const updates = collectUpdates(socket);
  const arrivals: number[] = [];
  socket.on('rank:updated', () => arrivals.push(Date.now()));
  return { socket, updates, arrivals };
}

/** POSTs votes one after another (each must be accepted). */
export async function votes(boardId: string, candidateIds: string[]): Promise<void> {
  for (const candidateId of candidateIds) {
    const res = await castVote(server, boardId, candidateId);
    expect(res.status).toBe(202);
  }
}

export const untilSeq = (updates: RankUpdate[], seq: number) =>
  eventually(async () => updates.some((u) => u.seq >= seq), 10_000, `a rank:updated at seq ${seq}`);

/** Each update after the first takes up from the seq the previous one ended at. */
export function expectChained(updates: RankUpdate[]): void {
  updates.slice(1).forEach((update, i) => {
    expect(update.fromSeq, `update ${i + 1}`).toBe((updates[i] as RankUpdate).seq);
    expect(update.seq).toBeGreaterThan(update.fromSeq);
  });
}
