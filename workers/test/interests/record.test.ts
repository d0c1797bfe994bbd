import { connectMongo } from '@rallyboard/core/db';
import { readInterests, writeInterestTags } from '@rallyboard/core/redis';
import type { Connection } from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testConfig } from '../../../test/support/config.js';
import { seedBoard } from '../../../test/support/stack.js';
import { createVoteApplier } from '../../src/votes/apply-votes.js';
import { openWorkerDeps, queuedVote } from '../support/deps.js';

// What counted likes teach a participant's interests, as the vote worker records them.
const config = testConfig();
let mongo: Connection;
let deps: Awaited<ReturnType<typeof openWorkerDeps>>;
let apply: ReturnType<typeof createVoteApplier>;

beforeAll(async () => {
  mongo = await connectMongo(config.mongo.uri, 'test');
  deps = await openWorkerDeps(config, mongo);
  apply = createVoteApplier(deps);
});
afterAll(async () => {
  await deps.close();
  await mongo.close();
});

async function likeBoard(): Promise<string> {
  const boardId = await seedBoard(config, deps.redis, mongo, ['alice', 'bob'], { kind: 'like' });
  await writeInterestTags(deps.redis, deps.keys, {
    _id: boardId,
    tags: ['校园'],
    members: [
      { candidateId: 'alice', tags: ['摄影'] },
      { candidateId: 'bob', tags: ['音乐'] },
    ],
  });
  return boardId;
}

describe('interests from counted likes', () => {
  it("teach the candidate's and the campaign's tags, and mark what the participant touched", async () => {
    const boardId = await likeBoard();
    const verdicts = await apply([
      { boardId, vote: queuedVote('alice', { voterId: 'p-taste', action: 'like' }) },
      { boardId, vote: queuedVote('bob', { voterId: 'p-other', action: 'like' }) },
    ]);
    expect(verdicts).toMatchObject([{ verdict: 'counted' }, { verdict: 'counted' }]);
    const { interests, touched } = await readInterests(deps.redis, deps.keys, 'p-taste');
    expect([...interests.keys()].sort()).toEqual(['摄影', '校园']);
    expect(interests.get('摄影')).toBeCloseTo(0.5, 12);
    expect([...touched]).toEqual([`${boardId} alice`]);
  });

  it('are not taught twice by a batch delivered again', async () => {
    const boardId = await likeBoard();
    const batch = [{ boardId, vote: queuedVote('alice', { voterId: 'p-again', action: 'like' }) }];
    await apply(batch);
    const once = await deps.redis.zscore(deps.keys.interests.of('p-again'), '摄影');
    // The job dies after its writes and is run again: the same vote, a duplicate now.
    await apply(batch);
    expect(await deps.redis.zscore(deps.keys.interests.of('p-again'), '摄影')).toBe(once);
  });
});
