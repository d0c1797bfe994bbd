import { campaignModel, connectMongo } from '@rallyboard/core/db';
import type { QueuedVote } from '@rallyboard/core/queue';
import type { Connection } from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomId, testConfig } from '../../../test/support/config.js';
import { createRiskAssessor } from '../../src/risk/assess.js';
import { openWorkerDeps, queuedVote } from '../support/deps.js';

const config = testConfig();
let mongo: Connection;
let deps: Awaited<ReturnType<typeof openWorkerDeps>>;

beforeAll(async () => {
  mongo = await connectMongo(config.mongo.uri, 'test');
  deps = await openWorkerDeps(config, mongo);
});
afterAll(async () => {
  await deps.close();
  await mongo.close();
});

async function campaign(): Promise<string> {
  const id = randomId('c');
  await campaignModel(mongo).create({
    _id: id,
    title: id,
    kind: 'vote',
    members: [{ candidateId: 'alice', name: 'alice' }],
    schedule: { startAt: new Date(), endAt: new Date(Date.now() + 86_400_000), timezone: 'Asia/Shanghai' },
    visibility: 'public',
    rules: {},
    status: 'live',
    createdBy: 'h-test',
  });
  return id;
}

const fromDevice = (voterId: string, deviceId: string, at: number): QueuedVote => ({
  ...queuedVote('alice', { voterId, acceptedAt: at }),
  context: { ip: `192.0.2.${voterId.length}`, deviceId, dwellMs: 5_000 },
});

describe('createRiskAssessor', () => {
  it('judges each vote from the votes before it, and answers a re-delivered batch the same without counting it twice', async () => {
    const boardId = await campaign();
    const assess = createRiskAssessor(deps);
    const now = Date.now();
    const votes = ['p-a', 'p-bb', 'p-ccc', 'p-dddd', 'p-eeeee'].map((voter, i) =>
      fromDevice(voter, 'dev-shared', now + i),
    );
    const first = await assess(boardId, votes);
    expect(first.map((d) => d.mode)).toEqual(['n', 'n', 'n', 'h', 'h']);
    expect(first.map((d) => d.assessment?.features.deviceAccounts)).toEqual([1, 2, 3, 4, 5]);
    expect(first[3]?.assessment?.text).toBe(
      "held for review (score 1.2): device dev-shared shared by 4 accounts in 24 h; the account's first vote here",
    );
    expect(first[3]?.assessment?.holdClusters).toEqual(['device:dev-shared']);

    const again = await assess(boardId, votes);
    expect(again).toEqual(first);
    // The next new vote sees five accounts before it, not ten.
    const [next] = await assess(boardId, [fromDevice('p-ffffff', 'dev-shared', now + 10)]);
    expect(next?.assessment?.features.deviceAccounts).toBe(6);
  });

  it('accepts as they are the votes it does not judge: no context, an unlike, a board without a campaign', async () => {
    const boardId = await campaign();
    const assess = createRiskAssessor(deps);
    const bare = queuedVote('alice', { voterId: 'p-old-deploy' });
    const unlike = { ...fromDevice('p-x', 'dev-x', Date.now()), action: 'unlike' as const };
    expect(await assess(boardId, [bare, unlike])).toEqual([{ mode: 'n' }, { mode: 'n' }]);
    const votes = ['p-1', 'p-22', 'p-333', 'p-4444'].map((v, i) => fromDevice(v, 'dev-y', Date.now() + i));
    expect((await assess(randomId('board'), votes)).map((d) => d.mode)).toEqual(['n', 'n', 'n', 'n']);
  });
});
