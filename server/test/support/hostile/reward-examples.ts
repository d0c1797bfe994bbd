import type { HostileFixture } from './fixture.js';
import type { ValidExample } from './requests.js';

/**
 * The valid examples of the incentives routes (examples.ts): reward rules, coupon pools, my rewards,
 * lotteries, the grants' CSV, donation matching and like-to-unlock content.
 */
export function rewardExamples(fixture: HostileFixture): Record<string, ValidExample> {
  const { boardId, asHost, asParticipant } = fixture;
  return {
    'GET /api/campaigns/:campaignId/reward-rules': { params: { campaignId: boardId } },
    'GET /api/campaigns/:campaignId/host/reward-rules': {
      params: { campaignId: boardId },
      authorization: asHost,
    },
    'POST /api/campaigns/:campaignId/reward-rules': {
      params: { campaignId: boardId },
      body: { name: '每日积分', trigger: { kind: 'every-nth', n: 3 }, reward: { kind: 'points', points: 5 } },
      authorization: asHost,
    },
    'PATCH /api/campaigns/:campaignId/reward-rules/:ruleId': {
      params: { campaignId: boardId, ruleId: fixture.rewards.ruleId },
      body: { enabled: true },
      authorization: asHost,
    },
    'GET /api/campaigns/:campaignId/coupon-pools': { params: { campaignId: boardId }, authorization: asHost },
    'POST /api/campaigns/:campaignId/coupon-pools': {
      params: { campaignId: boardId },
      body: { name: '奶茶券', perParticipant: 1, expiresAt: '2099-01-01T00:00:00Z' },
      authorization: asHost,
    },
    'POST /api/campaigns/:campaignId/coupon-pools/:poolId/codes': {
      params: { campaignId: boardId, poolId: fixture.rewards.poolId },
      body: { csv: 'code\nHOSTILE-0001\nHOSTILE-0002' },
      authorization: asHost,
    },
    'POST /api/campaigns/:campaignId/coupon-pools/:poolId/redeem': {
      params: { campaignId: boardId, poolId: fixture.rewards.poolId },
      body: { code: 'HOSTILE-0009' },
      authorization: asHost,
    },
    'GET /api/me/rewards': { query: { campaignId: boardId }, authorization: asParticipant },
    'GET /api/campaigns/:campaignId/lotteries': { params: { campaignId: boardId } },
    'GET /api/campaigns/:campaignId/host/lotteries': {
      params: { campaignId: boardId },
      authorization: asHost,
    },
    'GET /api/campaigns/:campaignId/export/grants.csv': {
      params: { campaignId: boardId },
      authorization: asHost,
    },
    'GET /api/campaigns/:campaignId/matches': { params: { campaignId: boardId } },
    'GET /api/campaigns/:campaignId/host/matches': { params: { campaignId: boardId }, authorization: asHost },
    'POST /api/campaigns/:campaignId/matches': {
      params: { campaignId: boardId },
      body: { sponsor: '爱心企业', cause: '图书角', perVoteFen: 50, capFen: 10_000, candidateId: 'alice' },
      authorization: asHost,
    },
    'GET /api/campaigns/:campaignId/export/matching.csv': {
      params: { campaignId: boardId },
      authorization: asHost,
    },
    'POST /api/campaigns/:campaignId/unlockables': {
      params: { campaignId: fixture.likeBoardId },
      body: {
        candidateId: 'alice',
        title: '花絮',
        text: '排练那天',
        unlock: { kind: 'shared-goal', likes: 10 },
      },
      authorization: asHost,
    },
    'GET /api/campaigns/:campaignId/unlockables': { params: { campaignId: boardId }, authorization: asHost },
    'GET /api/me/unlockables': { query: { campaignId: boardId }, authorization: asParticipant },
    'GET /api/me/recommendations': { query: { limit: '5' }, authorization: asParticipant },
    'PUT /api/me/recommendation-settings': { body: { personalized: true }, authorization: asParticipant },
    'POST /api/campaigns/:campaignId/lotteries': {
      // A draft: a lottery is added before its campaign starts.
      params: { campaignId: fixture.campaignId },
      body: { name: '幸运抽奖', prizes: [{ name: '一等奖', count: 1 }], perParticipant: 1 },
      authorization: asHost,
    },
    'POST /api/campaigns/:campaignId/lotteries/:lotteryId/draw': {
      params: { campaignId: fixture.endedId, lotteryId: fixture.rewards.lotteryId },
      authorization: asHost,
    },
    'GET /api/campaigns/:campaignId/lotteries/:lotteryId/tickets': {
      params: { campaignId: fixture.endedId, lotteryId: fixture.rewards.drawnLotteryId },
      query: { page: '0' },
    },
  };
}
