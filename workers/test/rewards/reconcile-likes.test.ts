import { connectMongo, type RewardGrantDoc, rewardModels } from '@rallyboard/core/db';
import type { Connection } from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomId, testConfig } from '../../../test/support/config.js';
import { seedBoard } from '../../../test/support/stack.js';
import { reconcileRewards } from '../../src/rewards/reconcile.js';
import { createVoteApplier } from '../../src/votes/apply-votes.js';
import { openWorkerDeps, queuedVote } from '../support/deps.js';

// On a like board a like counts while it stands: the rewards that make a participant one of a
// candidate's supporters (a milestone, the end's top) follow their like, and an unlike takes them
// back as a void would; those that counted acts as they came (every n-th) keep a withdrawn like.
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

/**
 * A like board whose alice has reached a milestone of one like and ended first: a milestone rule,
 * an end rule and a like-counting rule, each giving points.
 */
async function likeCampaign() {
  const campaignId = await seedBoard(config, deps.redis, mongo, ['alice', 'bob'], { kind: 'like' });
  const rule = (name: string, trigger: Record<string, unknown>, fields: Record<string, unknown> = {}) => ({
    _id: randomId('rr'),
    campaignId,
    name,
    trigger,
    reward: { kind: 'points', points: 10 },
    enabled: true,
    createdAt: new Date(),
    createdBy: 'h-test',
    ...fields,
  });
  await rewardModels(mongo).rules.insertMany([
    rule('一赞里程碑', { kind: 'milestone', candidateId: 'alice', count: 1 }, { reached: true }),
    rule('冠军支持者', { kind: 'campaign-end', top: 1 }, { endTop: ['alice'] }),
    rule('每赞积分', { kind: 'every-nth', n: 1 }),
  ]);
  const act = (participantId: string, action: 'like' | 'unlike', candidateId = 'alice') =>
    apply([{ boardId: campaignId, vote: queuedVote(candidateId, { action, voterId: participantId }) }]);
  /** The participant's grants, rule name → status, after a rewards pass over them. */
  const rewardsOf = async (participantId: string): Promise<Record<string, string>> => {
    await reconcileRewards({ ...deps, rewards: rewardModels(mongo) }, campaignId, [participantId]);
    const grants = await rewardModels(mongo)
      .grants.find({ campaignId, participantId })
      .lean<RewardGrantDoc[]>();
    const rules = await rewardModels(mongo).rules.find({ campaignId }).lean();
    const nameOf = new Map(rules.map((r) => [r._id, r.name]));
    return Object.fromEntries(grants.map((g) => [`${nameOf.get(g.ruleId)} ${g.key}`, g.status]));
  };
  return { act, rewardsOf };
}

describe('a like withdrawn', () => {
  it('takes back the milestone and end rewards it earned, and liking again earns them back', async () => {
    const { act, rewardsOf } = await likeCampaign();
    const [fan, other] = [randomId('p-fan'), randomId('p-other')];
    // Another participant's like keeps alice at the milestone throughout.
    await act(other, 'like');
    await act(fan, 'like');
    const earned = {
      '一赞里程碑 milestone:1': 'active',
      '冠军支持者 end:top1': 'active',
      '每赞积分 nth:1': 'active',
    };
    expect(await rewardsOf(fan)).toEqual(earned);

    await act(fan, 'unlike');
    expect(await rewardsOf(fan)).toEqual({
      '一赞里程碑 milestone:1': 'revoked',
      '冠军支持者 end:top1': 'revoked',
      // Counted as it came: a withdrawn like keeps its every n-th (docs/rewards.md).
      '每赞积分 nth:1': 'active',
    });

    await act(fan, 'like');
    expect(await rewardsOf(fan)).toEqual(earned);
  });

  it('of another candidate leaves a supporter’s standing like of alice earning', async () => {
    const { act, rewardsOf } = await likeCampaign();
    const fan = randomId('p-fan');
    await act(fan, 'like', 'bob');
    await act(fan, 'like');
    await act(fan, 'unlike', 'bob');
    expect(await rewardsOf(fan)).toMatchObject({
      '一赞里程碑 milestone:1': 'active',
      '冠军支持者 end:top1': 'active',
    });
  });
});
