import type { Config } from '@rallyboard/core/config';
import { boardModel, connectMongo } from '@rallyboard/core/db';
import { closeRedis, createKeys, createRedis, registerBoard, waitForReady } from '@rallyboard/core/redis';

/** The demo board `npm start` seeds: a small popularity vote. */
export const DEMO_BOARD = {
  boardId: 'demo',
  title: '年度人气之星评选 (demo)',
  kind: 'vote' as const,
  timezone: 'Asia/Shanghai',
  dailyRetentionDays: 8,
  members: [
    { candidateId: 'c01', name: '林小夏' },
    { candidateId: 'c02', name: '陈一鸣' },
    { candidateId: 'c03', name: '王若溪' },
    { candidateId: 'c04', name: '赵子航' },
    { candidateId: 'c05', name: '周语桐' },
  ],
};

/**
 * Writes the demo board to the system of record, then registers it in Redis. Idempotent:
 * seeding again keeps the votes already cast.
 */
export async function seedDemoBoard(config: Config): Promise<typeof DEMO_BOARD> {
  const mongo = await connectMongo(config.mongo.uri, 'seed');
  const redis = createRedis(config.redis.url, 'command', 'seed');
  try {
    await waitForReady(redis);
    await boardModel(mongo).updateOne(
      { _id: DEMO_BOARD.boardId },
      {
        $set: {
          title: DEMO_BOARD.title,
          kind: DEMO_BOARD.kind,
          timezone: DEMO_BOARD.timezone,
          dailyRetentionDays: DEMO_BOARD.dailyRetentionDays,
          members: DEMO_BOARD.members,
        },
      },
      { upsert: true },
    );
    await registerBoard(redis, createKeys(config.keyPrefix), {
      boardId: DEMO_BOARD.boardId,
      title: DEMO_BOARD.title,
      kind: DEMO_BOARD.kind,
      timezone: DEMO_BOARD.timezone,
      dailyRetentionDays: DEMO_BOARD.dailyRetentionDays,
      candidateIds: DEMO_BOARD.members.map((m) => m.candidateId),
    });
    return DEMO_BOARD;
  } finally {
    await closeRedis(redis);
    await mongo.close();
  }
}
