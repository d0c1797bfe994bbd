import { boardModel, connectMongo } from '@rallyboard/core/db';
import type { ErrorBody } from '@rallyboard/core/protocol';
import { readBoardMeta } from '@rallyboard/core/redis';
import type { Connection } from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLiveCampaign, registerCampaignBoard } from '../../../test/support/campaigns.js';
import { randomId, testConfig } from '../../../test/support/config.js';
import { asParticipant } from '../../../test/support/participants.js';
import { startTestServer, type TestServer } from '../../../test/support/stack.js';
import { loseBoardState } from '../support/boards.js';

// The end by the clock: the end job may run late (the workers down, the campaign's lock busy),
// and a vote accepted from the end on must not count meanwhile.
const config = testConfig();
let server: TestServer;
let mongo: Connection;
let clock = Date.now();

beforeAll(async () => {
  mongo = await connectMongo(config.mongo.uri, 'test');
  server = await startTestServer(config, mongo, { now: () => clock });
});
afterAll(async () => {
  await server.close();
  await mongo.close();
});

/** A live campaign ending at `endAt`, its board registered as the server registers it. */
async function liveUntil(endAt: number): Promise<string> {
  const id = randomId('camp');
  const campaign = await createLiveCampaign(mongo, id, {
    candidateIds: ['alice'],
    schedule: { startAt: new Date(endAt - 86_400_000), endAt: new Date(endAt), timezone: 'Asia/Shanghai' },
  });
  const { redis, keys } = server.deps;
  await registerCampaignBoard({ redis, keys, config, boards: boardModel(mongo) }, campaign);
  // Ingest reads the end from the board Redis has, not from MongoDB.
  expect((await readBoardMeta(redis, keys, id))?.endAt).toBe(endAt);
  return id;
}

async function vote(boardId: string, idempotencyKey?: string): Promise<Response> {
  return fetch(`${server.url}/api/boards/${boardId}/votes`, {
    method: 'POST',
    headers: {
      ...(await asParticipant(config, 'p-late')),
      'content-type': 'application/json',
      ...(idempotencyKey === undefined ? {} : { 'idempotency-key': idempotencyKey }),
    },
    body: JSON.stringify({ candidateId: 'alice' }),
  });
}

const queued = async (boardId: string) =>
  (await server.deps.voteQueue.getJobs(['waiting', 'prioritized', 'delayed', 'active']))
    .filter((job) => job.data.boardId === boardId)
    .flatMap((job) => job.data.votes);

describe('POST /api/boards/:boardId/votes at the end of a campaign still live', () => {
  it('takes a vote until the end, and refuses one accepted at the end or after with 409 CAMPAIGN_NOT_LIVE', async () => {
    const endAt = Date.now() + 3_600_000;
    const boardId = await liveUntil(endAt);
    clock = endAt - 1;
    expect((await vote(boardId)).status).toBe(202);
    for (const at of [endAt, endAt + 60_000]) {
      clock = at;
      const res = await vote(boardId);
      expect(res.status).toBe(409);
      expect(((await res.json()) as ErrorBody).error).toMatchObject({
        code: 'CAMPAIGN_NOT_LIVE',
        details: { status: 'live', endAt: new Date(endAt).toISOString() },
      });
    }
    const votes = await queued(boardId);
    expect(votes).toHaveLength(1);
    expect(votes[0]?.acceptedAt).toBe(endAt - 1);
  });

  it('answers a retry of a vote accepted before the end with its id, after the end', async () => {
    const endAt = Date.now() + 3_600_000;
    const boardId = await liveUntil(endAt);
    clock = endAt - 1;
    const first = await vote(boardId, 'the-last-vote');
    expect(first.status).toBe(202);
    clock = endAt + 1_000;
    const retry = await vote(boardId, 'the-last-vote');
    expect(retry.status).toBe(202);
    expect(await retry.json()).toEqual(await first.json());
    expect(await queued(boardId)).toHaveLength(1);
  });

  it('refuses it too while Redis has lost the board, from the campaign in MongoDB', async () => {
    const endAt = Date.now() + 3_600_000;
    const boardId = await liveUntil(endAt);
    await loseBoardState(server.deps.redis, server.deps.keys, boardId);
    clock = endAt;
    const res = await vote(boardId);
    expect(res.status).toBe(409);
    expect(((await res.json()) as ErrorBody).error.code).toBe('CAMPAIGN_NOT_LIVE');
    expect(await queued(boardId)).toEqual([]);
  });
});
