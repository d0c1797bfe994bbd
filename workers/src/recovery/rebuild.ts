import { randomUUID } from 'node:crypto';
import {
  campaignModel,
  type LedgerState,
  type LedgerTally,
  readLedgerState,
  registrationOf,
} from '@rallyboard/core/db';
import { AppError, dayOf } from '@rallyboard/core/protocol';
import type { VoteJob } from '@rallyboard/core/queue';
import {
  fenceBoard,
  hasQuotas,
  installBoard,
  liftFence,
  listDays,
  quotaExpiresAt,
  type WindowState,
  withLock,
} from '@rallyboard/core/redis';
import type { Queue } from 'bullmq';
import type { RecoveryDeps } from './reconcile.js';

export interface RebuildOptions {
  /** The votes queue, to see which of the board's jobs are in flight. */
  queue: Queue<VoteJob>;
  /** How long to wait for in-flight jobs of the board. */
  settleTimeoutMs: number;
  /** How long a vote id's marker lives (VOTE_DEDUP_TTL_SECONDS). */
  dedupTtlSeconds: number;
  origin: string;
  /** Called as the rebuild moves from step to step. */
  onStep?: (step: string, detail?: Record<string, unknown>) => void;
}

export interface RebuildReport {
  boardId: string;
  ledgerRecords: number;
  seq: number;
  members: number;
  days: number;
  markersRestored: number;
  /** Markers of votes the ledger does not have (applied, never recorded): removed, so they apply again. */
  markersDropped: number;
  likeSets: number;
  /** Voters' quota counters written (their day's and their total), for a board with quotas. */
  quotaCounters: number;
  settledInMs: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Resolves once every run of the board's jobs that was active when the fence went up has ended.
 * Runs that start later cannot apply (the fence turns them back), so they are not waited for:
 * under a steady stream, fenced jobs keep bouncing through the active list, and waiting for an
 * empty list would never end.
 */
async function settle(queue: Queue<VoteJob>, boardId: string, timeoutMs: number): Promise<number> {
  const started = Date.now();
  const runOf = (job: { id?: string | undefined; processedOn?: number | undefined }) =>
    `${job.id ?? ''}@${job.processedOn ?? 0}`;
  const ofBoard = (jobs: Awaited<ReturnType<Queue<VoteJob>['getActive']>>) =>
    jobs.filter((job) => (job.data as VoteJob | undefined)?.boardId === boardId).map(runOf);
  const before = new Set(ofBoard(await queue.getActive()));
  for (;;) {
    if (!ofBoard(await queue.getActive()).some((run) => before.has(run))) return Date.now() - started;
    if (Date.now() - started > timeoutMs) {
      throw new Error(`votes of board ${boardId} were still in flight after ${timeoutMs} ms; try again`);
    }
    await sleep(100);
  }
}

/**
 * Rewrites a board's quota counters from the ledger: every voter's total, and the day's counts
 * for today and yesterday (board timezone; older days no longer limit anyone). Counters of a
 * board without quotas are removed.
 */
async function restoreQuotas(
  deps: RecoveryDeps,
  boardId: string,
  quotas: LedgerState['quotas'] | undefined,
  options: { nowMs: number; timezone: string },
): Promise<number> {
  const { redis, keys } = deps;
  const k = keys.board(boardId);
  for await (const batch of redis.scanStream({ match: k.quotaPattern, count: 1_000 })) {
    if ((batch as string[]).length > 0) await redis.del(...(batch as string[]));
  }
  if (!quotas) return 0;
  const recent = new Set([
    dayOf(options.nowMs, options.timezone),
    dayOf(options.nowMs - 86_400_000, options.timezone),
  ]);
  const expiresAt = quotaExpiresAt(options.nowMs);
  let written = 0;
  let pipeline = redis.pipeline();
  const flush = async (force = false) => {
    if (force || pipeline.length >= 5_000) {
      await pipeline.exec();
      pipeline = redis.pipeline();
    }
  };
  for (const [voterId, total] of quotas.totals) {
    pipeline.hset(k.quotaTotals, voterId, total);
    written++;
    await flush();
  }
  for (const [day, voters] of quotas.days) {
    if (!recent.has(day)) continue;
    for (const [voterId, members] of voters) {
      const key = k.quotaDay(day, voterId);
      const dayCount = [...members.values()].reduce((sum, n) => sum + n, 0);
      pipeline.hset(key, { '*': dayCount, ...Object.fromEntries(members) });
      pipeline.expireat(key, expiresAt);
      written++;
      await flush();
    }
  }
  await flush(true);
  return written;
}

function windowState(tallies: {
  total: number;
  members: Map<string, { count: number; lastSeq: number }>;
}): WindowState {
  return {
    total: tallies.total,
    members: [...tallies.members]
      .filter(([, t]) => t.count !== 0 || t.lastSeq !== 0)
      .map(([candidateId, t]) => ({ candidateId, count: t.count, seq: t.lastSeq })),
  };
}

/**
 * Restores a board's Redis state from the ledger, ties included, while votes keep arriving.
 *
 * 1. Fence: register the board again from MongoDB, with its campaign's status, and set its
 *    fence (one transaction). From
 *    here no vote of the board applies; workers put such jobs back on the delayed set.
 * 2. Settle: wait until every run of the board's jobs active at the fence has ended. Every vote
 *    applied before the fence has
 *    then either been recorded, or its job went back to the queue (a dead worker's) and will
 *    run again after the fence.
 * 3. Read the ledger once.
 * 4. Markers: restore the marker of every decided vote (so a re-run job cannot count it again)
 *    and drop markers of votes the ledger lacks (applied, never recorded: their jobs will run
 *    again and count them then).
 * 5. Like sets: rewritten from each voter's last counted like or unlike. Quota counters:
 *    rewritten from the voters' counted votes (totals, today and yesterday).
 * 6. Install (one script): rankings and totals of all-time and retained days, seq never lowered,
 *    fence lifted, watchers told to resync.
 */
export async function rebuild(
  deps: RecoveryDeps,
  boardId: string,
  options: RebuildOptions,
): Promise<RebuildReport> {
  const { redis, keys } = deps;
  const step = options.onStep ?? (() => {});
  const board = await deps.boards.findById(boardId).lean();
  if (!board) throw new AppError('BOARD_NOT_FOUND', { message: `board ${boardId} is not in MongoDB` });
  const k = keys.board(boardId);
  const token = randomUUID();

  const registration = registrationOf(board);
  step('fence');
  // The campaign's status goes back on the board with the registration (ingest reads it there).
  // Under the campaign's lock: a lifecycle move cannot slip in between reading and writing it.
  const campaigns = campaignModel(deps.boards.db);
  await withLock(redis, keys.campaignLock(boardId), async () => {
    const campaign = await campaigns.findById(boardId, { status: 1 }).lean();
    await fenceBoard(
      redis,
      keys,
      { ...registration, ...(campaign ? { status: campaign.status } : {}) },
      { token, ttlMs: options.settleTimeoutMs + 600_000 },
    );
  });
  try {
    step('settle');
    const settledInMs = await settle(options.queue, boardId, options.settleTimeoutMs);

    step('read ledger');
    const quotas = board.kind === 'vote' && hasQuotas(registration.quotas);
    const state = await readLedgerState(deps.ledger, boardId, { verdicts: true, quotas });

    step('markers', { votes: state.verdicts.size });
    const nowMs = Date.now();
    let markersRestored = 0;
    let pipeline = redis.pipeline();
    for (const [voteId, { text, decidedAt }] of state.verdicts) {
      const ttl = options.dedupTtlSeconds - Math.floor((nowMs - decidedAt.getTime()) / 1000);
      if (ttl <= 0) continue;
      pipeline.set(k.vote(voteId), text, 'EX', ttl);
      markersRestored++;
      if (pipeline.length >= 5_000) {
        await pipeline.exec();
        pipeline = redis.pipeline();
      }
    }
    await pipeline.exec();
    let markersDropped = 0;
    const prefix = k.vote('');
    for await (const batch of redis.scanStream({
      match: `${prefix.replace(/[*?[\]\\]/g, '\\$&')}*`,
      count: 1_000,
    })) {
      const orphans = (batch as string[]).filter((key) => !state.verdicts.has(key.slice(prefix.length)));
      if (orphans.length > 0) markersDropped += await redis.del(...orphans);
    }

    step('likes');
    const likeMembers = new Set([...board.members.map((m) => m.candidateId), ...state.likes.keys()]);
    pipeline = redis.pipeline();
    for (const candidateId of likeMembers) {
      pipeline.del(k.likes(candidateId));
      const voters = [...(state.likes.get(candidateId) ?? [])];
      for (let i = 0; i < voters.length; i += 1_000)
        pipeline.sadd(k.likes(candidateId), ...voters.slice(i, i + 1_000));
    }
    await pipeline.exec();

    step('quotas');
    const quotaCounters = await restoreQuotas(deps, boardId, quotas ? state.quotas : undefined, {
      nowMs,
      timezone: board.timezone,
    });

    step('install');
    const nowSec = Math.floor(nowMs / 1000);
    // Every day the ledger has, and every day Redis has: a day only Redis has holds changes the
    // ledger never recorded (their markers were dropped above), so it is installed empty.
    const empty = { total: 0, members: new Map<string, LedgerTally>() };
    const dayNames = new Set([...state.days.keys(), ...(await listDays(redis, keys, boardId))]);
    const allDays = [...dayNames].sort().map((day) => ({
      day,
      // A day ends within two days of its UTC date, whatever the timezone.
      expiresAt: Date.parse(`${day}T00:00:00Z`) / 1000 + (board.dailyRetentionDays + 2) * 86_400,
      ...windowState(state.days.get(day) ?? empty),
    }));
    const days = allDays.filter((d) => d.expiresAt > nowSec);
    const expired = allDays
      .filter((d) => d.expiresAt <= nowSec)
      .flatMap((d) => [k.day(d.day).scores, k.day(d.day).total]);
    if (expired.length > 0) await redis.del(...expired);
    const seq = await installBoard(redis, keys, boardId, {
      fence: token,
      seq: state.seq,
      all: windowState(state.all),
      days,
      origin: options.origin,
    });
    return {
      boardId,
      ledgerRecords: state.records,
      seq,
      members: board.members.length,
      days: days.length,
      markersRestored,
      markersDropped,
      likeSets: likeMembers.size,
      quotaCounters,
      settledInMs,
    };
  } catch (error) {
    await liftFence(redis, keys, boardId, token);
    throw error;
  }
}
