import { connectMongo } from '@rallyboard/core/db';
import { dayOf, periodStart } from '@rallyboard/core/protocol';
import type { Connection } from 'mongoose';
import { afterAll, beforeAll, expect } from 'vitest';
import { testConfig } from '../../../test/support/config.js';
import { seedBoard } from '../../../test/support/stack.js';
import type { reconcile } from '../../src/recovery/reconcile.js';
import { createVoteApplier } from '../../src/votes/apply-votes.js';
import { openWorkerDeps, queuedVote } from '../support/deps.js';

export const config = testConfig();
export const TIMEZONE = 'Asia/Shanghai';
export const DAY_MS = 86_400_000;
export let mongo: Connection;
export let deps: Awaited<ReturnType<typeof openWorkerDeps>>;
export let apply: ReturnType<typeof createVoteApplier>;

/** Opens the workers' deps for the file, and closes them after it. */
export function useReconcileDeps(): void {
  beforeAll(async () => {
    mongo = await connectMongo(config.mongo.uri, 'test');
    deps = await openWorkerDeps(config, mongo);
    apply = createVoteApplier(deps);
  });
  afterAll(async () => {
    await deps.close();
    await mongo.close();
  });
}

/**
 * A vote board with votes over three days, recorded like the workers record them:
 * - two days ago: alice, bob;
 * - yesterday: bob, carol, carol;
 * - today: dave, alice, mallory (not a member: rejected).
 * All-time: bob 2 (seq 3), carol 2 (seq 5), alice 2 (seq 7), dave 1 (seq 6). 7 counted.
 */
export async function votedBoard() {
  const boardId = await seedBoard(config, deps.redis, mongo, ['alice', 'bob', 'carol', 'dave'], {
    timezone: TIMEZONE,
  });
  const now = Date.now();
  const plan: [string, number][] = [
    ['alice', 2],
    ['bob', 2],
    ['bob', 1],
    ['carol', 1],
    ['carol', 1],
    ['dave', 0],
    ['alice', 0],
    ['mallory', 0],
  ];
  const outcomes = await apply(
    plan.map(([candidateId, daysAgo]) => ({
      boardId,
      vote: queuedVote(candidateId, { acceptedAt: now - daysAgo * DAY_MS }),
    })),
  );
  expect(outcomes.filter((o) => o.verdict === 'counted')).toHaveLength(7);
  const days = [2, 1, 0].map((daysAgo) => dayOf(now - daysAgo * DAY_MS, TIMEZONE));
  // The weeks and months those days fall in (Monday weeks): one or two of each.
  const weeks = [...new Set(days.map((d) => periodStart(d, 'week')))];
  const months = [...new Set(days.map((d) => periodStart(d, 'month')))];
  return { boardId, days, weeks, months, keys: deps.keys.board(boardId) };
}

/** The names reconcile gives a board's windows: all, the days, then `week:` and `month:` periods. */
export const windowNames = (board: { days: string[]; weeks: string[]; months: string[] }) => [
  'all',
  ...board.days,
  ...board.weeks.map((w) => `week:${w}`),
  ...board.months.map((m) => `month:${m}`),
];

export const windowOf = (report: Awaited<ReturnType<typeof reconcile>>, window: string) => {
  const found = report.windows.find((w) => w.window === window);
  if (!found) throw new Error(`no window ${window} in the report`);
  return found;
};
