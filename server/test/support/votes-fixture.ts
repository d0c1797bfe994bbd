import { connectMongo } from '@rallyboard/core/db';
import type { ErrorBody } from '@rallyboard/core/protocol';
import type { VoteJob } from '@rallyboard/core/queue';
import type { Job } from 'bullmq';
import type { Connection } from 'mongoose';
import { afterAll, beforeAll, expect } from 'vitest';
import { testConfig } from '../../../test/support/config.js';
import { asParticipant } from '../../../test/support/participants.js';
import { seedBoard, startTestServer, type TestServer } from '../../../test/support/stack.js';

/**
 * What the tests of POST /api/boards/:boardId/votes share (they were one file, votes.test.ts):
 * the server, which nothing consumes the queue of, two boards, and the requests and reads of a
 * vote. Each test file that imports this has a config, a database and a key prefix of its own.
 */

// A wide gathering window, so concurrent requests reliably share a queue add.
export const config = testConfig({ INGEST_BATCH_WAIT_MS: '50' });
export let server: TestServer;
export let mongo: Connection;
/** A vote board with alice and bob. */
export let boardId: string;
/** A like board with alice and bob. */
export let likeBoardId: string;

/** Starts the file's server and seeds its two boards before its tests; closes them after. */
export function useVotesServer(): void {
  beforeAll(async () => {
    mongo = await connectMongo(config.mongo.uri, 'test');
    server = await startTestServer(config, mongo);
    boardId = await seedBoard(config, server.deps.redis, mongo, ['alice', 'bob']);
    likeBoardId = await seedBoard(config, server.deps.redis, mongo, ['alice', 'bob'], { kind: 'like' });
  });
  afterAll(async () => {
    await server.close();
    await mongo.close();
  });
}

/** The jobs on the queue that carry votes of `board` (nothing consumes them in these files). */
export async function jobsOf(board: string): Promise<Job<VoteJob>[]> {
  const jobs = await server.deps.voteQueue.getJobs(['waiting', 'prioritized', 'delayed', 'active']);
  return jobs.filter((job) => job.data.boardId === board);
}
export const queuedVotes = async (board: string) => (await jobsOf(board)).flatMap((job) => job.data.votes);

/** A vote id: a random or key-derived body and a mac naming the board and participant. */
export const VOTE_ID = /^(k[A-Za-z0-9_-]{22}|r[0-9a-f]{32})\.[A-Za-z0-9_-]{16}$/;

/** The participant the requests of these files vote as, unless they say otherwise. */
export const VOTER = 'p-voter-1';

interface PostOptions {
  type?: string;
  idempotencyKey?: string;
  /** The participant to sign a token for (default VOTER), or `null` for no token at all. */
  as?: string | null;
  headers?: Record<string, string>;
  url?: string;
}

export async function post(
  path: string,
  body: string | undefined,
  options: PostOptions = {},
): Promise<Response> {
  const headers: Record<string, string> = {
    ...(options.as === null ? {} : await asParticipant(config, options.as ?? VOTER)),
    ...options.headers,
  };
  if (body !== undefined) headers['content-type'] = options.type ?? 'application/json';
  if (options.idempotencyKey !== undefined) headers['idempotency-key'] = options.idempotencyKey;
  return fetch(`${options.url ?? server.url}${path}`, {
    method: 'POST',
    headers,
    ...(body === undefined ? {} : { body }),
  });
}
export const vote = (board: string, body: Record<string, unknown>, idempotencyKey?: string) =>
  post(
    `/api/boards/${board}/votes`,
    JSON.stringify(body),
    idempotencyKey === undefined ? {} : { idempotencyKey },
  );
export const errorOf = async (res: Response) => ((await res.json()) as ErrorBody).error;

export async function accepted(res: Response): Promise<string> {
  expect(res.status).toBe(202);
  const body = (await res.json()) as { voteId: string; status: string };
  expect(body.status).toBe('queued');
  return body.voteId;
}
