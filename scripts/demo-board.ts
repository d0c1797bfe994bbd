import { syncBoard } from '@rallyboard/core/campaigns';
import type { Config } from '@rallyboard/core/config';
import { boardModel, campaignModel, connectMongo, participantModel, recordLogin } from '@rallyboard/core/db';
import { closeRedis, createKeys, createRedis, waitForReady } from '@rallyboard/core/redis';
import { createTokenSigner } from '@rallyboard/server/auth';

/** The demo campaign `npm start` seeds: a small popularity vote, live, public, 20 votes a day each. */
export const DEMO_BOARD = {
  boardId: 'demo',
  title: '年度人气之星评选 (demo)',
  kind: 'vote' as const,
  timezone: 'Asia/Shanghai',
  rules: { votesPerUserPerDay: 20, votesPerUserPerCandidatePerDay: 10 },
  members: [
    { candidateId: 'c01', name: '林小夏' },
    { candidateId: 'c02', name: '陈一鸣' },
    { candidateId: 'c03', name: '王若溪' },
    { candidateId: 'c04', name: '赵子航' },
    { candidateId: 'c05', name: '周语桐' },
  ],
};

/**
 * Writes the demo campaign to the system of record (live for 30 days from its first seeding),
 * then its board, as the campaign routes do (the board record and its Redis registration with
 * the campaign's status and quotas). Idempotent: seeding again keeps the votes already cast and
 * a status a host has since changed.
 */
export async function seedDemoBoard(config: Config): Promise<typeof DEMO_BOARD> {
  const mongo = await connectMongo(config.mongo.uri, 'seed');
  const redis = createRedis(config.redis.url, 'command', 'seed');
  try {
    await waitForReady(redis);
    const now = Date.now();
    const seededBefore = (await campaignModel(mongo).exists({ _id: DEMO_BOARD.boardId })) !== null;
    const campaign = await campaignModel(mongo)
      .findOneAndUpdate(
        { _id: DEMO_BOARD.boardId },
        {
          $set: {
            title: DEMO_BOARD.title,
            kind: DEMO_BOARD.kind,
            members: DEMO_BOARD.members,
            rules: DEMO_BOARD.rules,
            visibility: 'public',
          },
          $setOnInsert: {
            description: 'A demo campaign seeded by npm start.',
            schedule: {
              startAt: new Date(now),
              endAt: new Date(now + 30 * 86_400_000),
              timezone: DEMO_BOARD.timezone,
            },
            status: 'live',
            createdBy: 'demo',
          },
        },
        { upsert: true, returnDocument: 'after' },
      )
      .lean();
    if (!campaign) throw new Error('the demo campaign was not written');
    // A campaign seeded just now has no votes: its board is registered as a new one's. Seeded
    // before, its board Redis lost is a rebuild's (syncBoard leaves it, so its votes stay theirs).
    const synced = await syncBoard(
      { redis, keys: createKeys(config.keyPrefix), config, boards: boardModel(mongo) },
      campaign,
      seededBefore ? {} : { from: 'draft' },
    );
    if (synced === 'board-missing') {
      console.warn(`Redis has lost the demo board: run \`npm run rebuild -- ${DEMO_BOARD.boardId}\``);
    }
    return DEMO_BOARD;
  } finally {
    await closeRedis(redis);
    await mongo.close();
  }
}

/** The WeChat user the demo votes as, as if signed in through WeChat (`POST /api/auth/wechat`). */
const DEMO_VOTER = { appId: 'wxdemo', openid: 'o-demo' };

/**
 * Records the demo participant and signs a participant token for it, with the config's secret,
 * so a vote can be tried from a shell without the mini-program. The token lives
 * PARTICIPANT_TOKEN_TTL_SECONDS; `npm run seed` signs a fresh one.
 */
export async function demoParticipantToken(
  config: Config,
): Promise<{ participantId: string; token: string; expiresAt: Date }> {
  const mongo = await connectMongo(config.mongo.uri, 'seed');
  try {
    const participant = await recordLogin(participantModel(mongo), {
      appId: config.wechat.appId ?? DEMO_VOTER.appId,
      openid: DEMO_VOTER.openid,
    });
    const signed = await createTokenSigner(config.auth).participant({ participantId: participant._id });
    return { participantId: participant._id, ...signed };
  } finally {
    await mongo.close();
  }
}

/** Shell lines that cast one vote on the demo board with a participant token, ready to paste. */
export function voteCommand(baseUrl: string, candidateId: string, token: string): string {
  return [
    `TOKEN=${token}`,
    `curl -X POST ${baseUrl}/api/boards/${DEMO_BOARD.boardId}/votes -H "authorization: Bearer $TOKEN" -H 'content-type: application/json' -d '{"candidateId":"${candidateId}"}'`,
  ].join('\n');
}
