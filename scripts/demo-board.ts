import { syncBoard } from '@rallyboard/core/campaigns';
import type { Config } from '@rallyboard/core/config';
import {
  boardModel,
  type CampaignDoc,
  campaignModel,
  connectMongo,
  participantModel,
  recordLogin,
} from '@rallyboard/core/db';
import type { CampaignStatus } from '@rallyboard/core/protocol';
import {
  closeRedis,
  createKeys,
  createRedis,
  publishScreenChange,
  waitForReady,
  withLock,
} from '@rallyboard/core/redis';
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

/** How long the demo campaign runs from its seeding, or from its renewal. */
const DEMO_WINDOW_MS = 30 * 86_400_000;

/** The demo campaign as seeding left it: its status and end, and whether this seeding renewed it. */
export type SeededDemo = typeof DEMO_BOARD & { status: CampaignStatus; endAt: Date; renewed: boolean };

/**
 * Whether the demo campaign's window is over: it has ended, or its end has passed while it still
 * stands live, paused or frozen (the workers end it then). A status a host set while the window
 * runs, and an archived campaign, are the host's and kept.
 */
const windowOver = (campaign: Pick<CampaignDoc, 'status' | 'schedule'>, now: number): boolean =>
  campaign.status === 'ended' ||
  (['live', 'paused', 'frozen'].includes(campaign.status) &&
    new Date(campaign.schedule.endAt).getTime() <= now);

/**
 * Writes the demo campaign to the system of record (live for 30 days from its first seeding),
 * then its board, as the campaign routes do (the board record and its Redis registration with
 * the campaign's status and quotas). Idempotent: seeding again keeps the votes already cast and
 * a status a host has since changed, but a demo whose window is over (windowOver) is live again
 * for 30 days from now, its board with it, so that `npm start` always offers one to vote on.
 * Under the campaign's lock, as every change to a campaign is (the workers' end of it too).
 */
export async function seedDemoBoard(config: Config, now = Date.now()): Promise<SeededDemo> {
  const mongo = await connectMongo(config.mongo.uri, 'seed');
  const redis = createRedis(config.redis.url, 'command', 'seed');
  try {
    await waitForReady(redis);
    const keys = createKeys(config.keyPrefix);
    const deps = { redis, keys, config, boards: boardModel(mongo) };
    return await withLock(redis, keys.campaignLock(DEMO_BOARD.boardId), async () => {
      const campaigns = campaignModel(mongo);
      const before = await campaigns.findById(DEMO_BOARD.boardId, { status: 1, schedule: 1 }).lean();
      const renewed = before !== null && windowOver(before, now);
      const fresh = {
        schedule: {
          startAt: new Date(now),
          endAt: new Date(now + DEMO_WINDOW_MS),
          timezone: DEMO_BOARD.timezone,
        },
        status: 'live' as const,
      };
      const campaign = await campaigns
        .findOneAndUpdate(
          { _id: DEMO_BOARD.boardId },
          {
            $set: {
              title: DEMO_BOARD.title,
              kind: DEMO_BOARD.kind,
              members: DEMO_BOARD.members,
              rules: DEMO_BOARD.rules,
              visibility: 'public',
              ...(renewed ? fresh : {}),
            },
            // A renewed demo's screens show it live, not the last window's revealed ranking.
            ...(renewed ? { $unset: { revealedAt: 1 } } : {}),
            $setOnInsert: {
              description: 'A demo campaign seeded by npm start.',
              createdBy: 'demo',
              ...(before === null ? fresh : {}),
            },
          },
          { upsert: true, returnDocument: 'after' },
        )
        .lean<CampaignDoc>();
      if (!campaign) throw new Error('the demo campaign was not written');
      // A campaign seeded just now has no votes: its board is registered as a new one's. Seeded
      // before, its board Redis lost is a rebuild's (syncBoard leaves it, so its votes stay theirs).
      // Renewed, its board's status and end move with it (ingest reads them there).
      const synced = await syncBoard(
        deps,
        campaign,
        before === null ? { from: 'draft' } : renewed ? { from: before.status, origin: 'seed' } : {},
      );
      if (synced === 'board-missing') {
        console.warn(`Redis has lost the demo board: run \`npm run rebuild -- ${DEMO_BOARD.boardId}\``);
      }
      if (renewed) await publishScreenChange(redis, keys, DEMO_BOARD.boardId);
      return { ...DEMO_BOARD, status: campaign.status, endAt: new Date(campaign.schedule.endAt), renewed };
    });
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
