import { randomUUID } from 'node:crypto';
import {
  archiveEndedPeriods,
  type BoardDoc,
  campaignModel,
  readLedgerState,
  registrationOf,
  rewardModels,
  rewriteArchives,
} from '@rallyboard/core/db';
import { AppError, dayOf, weekStartOf } from '@rallyboard/core/protocol';
import type { VoteJob } from '@rallyboard/core/queue';
import { hasQuotas, withLock } from '@rallyboard/core/redis';
import type { Queue } from 'bullmq';
import { ARCHIVE_GRACE_MS } from '../archives/archiver.js';
import { REVIEW_LOCK_MS } from '../review/review-actions.js';
import { type RewardRestoreReport, restoreCampaignRewards } from '../rewards/restore.js';
import { afterFailure, fence, keepFence, statusToSettle } from './fence.js';
import { installWindows } from './install-windows.js';
import type { RecoveryDeps } from './reconcile.js';
import { replayDeadLetters } from './replay.js';
import { restoreLikes } from './restore-likes.js';
import { dropUnrecordedMarkers, restoreMarkers } from './restore-markers.js';
import { quotaDays, restoreQuotas } from './restore-quotas.js';
import { settle } from './settle.js';

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
  /**
   * How long the fence outlives the rebuild's last renewal (it is renewed every third of it):
   * a rebuild that dies frees its board within it. @default settleTimeoutMs + 10 minutes
   */
  fenceTtlMs?: number;
}

export interface RebuildReport {
  boardId: string;
  ledgerRecords: number;
  seq: number;
  members: number;
  /** Retained days installed. */
  days: number;
  /** Retained periods installed: the days, and the weeks and months. */
  periods: number;
  /** Ended periods' archives written again from the ledger, or written for the first time. */
  archives: number;
  markersRestored: number;
  /** Markers of votes the ledger does not have (applied, never recorded): removed, so they apply again. */
  markersDropped: number;
  likeSets: number;
  /** Voters' quota counters written (their day's and their total), for a board with quotas. */
  quotaCounters: number;
  settledInMs: number;
  /** The board's dead-lettered jobs (failed for good) sent back to the queue, and their votes. */
  replayed: { jobs: number; votes: number };
  /** Its campaign's rewards put back in Redis: the list of campaigns with rules, the coupon stock. */
  rewards: RewardRestoreReport;
}

/**
 * Restores a board's Redis state from the ledger, ties included, while votes keep arriving.
 *
 * 1. Fence: register the board again from MongoDB (with its campaign's status if Redis lost it),
 *    and set its fence (one transaction). From here no vote of the board applies; workers put such jobs
 *    back on the delayed set.
 *    Its dead-lettered jobs (failed for good) go back to the queue: the markers step 4 drops
 *    include their votes applied before a ledger write failed, and they must count again.
 * 2. Settle: wait until every run of the board's jobs active at the fence has ended. Every vote
 *    applied before the fence has then either been recorded, or its job went back to the queue
 *    (a dead worker's) and will run again after the fence. The same for review: wait until the
 *    campaign's review lock is free, so a chunk of moves applied before the fence is recorded.
 * 3. Read the ledger once.
 * 4. Markers: restore the marker of every vote decided within the markers' life (so a re-run
 *    job cannot count it again) and drop markers of votes the ledger lacks (applied, never
 *    recorded: their jobs will run again and count them then).
 * 5. Like sets: rewritten from each voter's last counted like or unlike. Quota counters:
 *    rewritten from the voters' counted votes (totals, today and yesterday).
 * 6. Install (one script): rankings and totals of all-time and of the retained days, weeks and
 *    months (folded from the ledger's days), seq never lowered, the board frozen in the same
 *    step if its campaign froze meanwhile (a freeze refused while fenced), fence lifted, watchers
 *    told to resync; under the campaign's lock, with the board's record (candidates, groups) as
 *    it is then, and any other move of the board's status to its campaign's made after it.
 * 7. Rewards: its campaign put back on the workers' list of campaigns with reward rules, its
 *    voters in line to be worked out again, and its coupon pools' stock restored from MongoDB
 *    (rewards/restore.ts): Redis lost them with the board, if it lost it.
 * 8. Archives: every ended period's archive written again from the ledger (rewriteArchives), and
 *    the ended periods without one archived.
 *
 * A failure before step 4 lifts the fence (the board is as it was). From step 4 on the fence is
 * held, without expiry (from step 1 for a board Redis lost): a failure, or the rebuild's death,
 * leaves the board fenced, its votes waiting, until a rebuild run again installs it
 * (RebuildIncomplete).
 */
export async function rebuild(
  deps: RecoveryDeps,
  boardId: string,
  options: RebuildOptions,
): Promise<RebuildReport> {
  let at = 'fence';
  const step = (name: string, detail?: Record<string, unknown>) => {
    at = name;
    options.onStep?.(name, detail);
  };
  const recorded = await deps.boards.findById(boardId).lean();
  if (!recorded) throw new AppError('BOARD_NOT_FOUND', { message: `board ${boardId} is not in MongoDB` });
  const board = await withCampaignGroups(deps, recorded);
  const token = randomUUID();

  const registration = registrationOf(board);
  step('fence');
  const held = { token, ttlMs: options.fenceTtlMs ?? options.settleTimeoutMs + 600_000 };
  const fenced = keepFence(deps, boardId, { ...held, ...(await fence(deps, boardId, registration, held)) });
  try {
    // Before the markers go: a vote whose ledger write failed for good is in a failed job, and
    // dropping its marker takes it off the board. Replayed, it runs after the fence and counts.
    step('replay dead letters');
    const { jobs, votes } = await replayDeadLetters({ ...deps, queue: options.queue }, boardId);
    step('settle');
    const settledInMs = await settle(options.queue, boardId, options.settleTimeoutMs);
    // Review moves a chunk at a time under the campaign's review lock, Redis first, then the
    // ledger: a chunk that applied before the fence has written the ledger once the lock is free
    // (one that applies after it is refused, and retried after the rebuild).
    step('review');
    // A chunk holds the lock while it runs (renewed, up to ten minutes; until 2026-12-07 a
    // minute, after which a rebuild went ahead in the middle of a slow one). Wait for it for what
    // is left of the settle timeout, or a chunk's minute at least, and fail (lifting the fence,
    // unless the board was not whole already) rather than restore beside a chunk still moving:
    // the fence outlasts both waits.
    await withLock(deps.redis, deps.keys.reviewLock(boardId), async () => {}, {
      ttlMs: 10_000,
      waitMs: Math.max(REVIEW_LOCK_MS + 5_000, options.settleTimeoutMs - settledInMs),
    });
    const quotas = board.kind === 'vote' && hasQuotas(registration.quotas);
    const restored = await restore(
      deps,
      boardId,
      { board, quotas, token, fenced },
      { ...options, onStep: step },
    );
    return { ...restored, settledInMs, replayed: { jobs, votes } };
  } catch (error) {
    throw await afterFailure(deps, boardId, { token, held: fenced.held(), step: at }, error);
  } finally {
    fenced.stop();
  }
}

/** The board record as MongoDB has it now (`before` if it is gone), with its campaign's groups. */
async function currentBoard(deps: RecoveryDeps, boardId: string, before: BoardDoc): Promise<BoardDoc> {
  const recorded = await deps.boards.findById(boardId).lean();
  return recorded ? withCampaignGroups(deps, recorded) : before;
}

/**
 * The board record with its candidates' groups as its campaign has them: a board recorded before
 * group boards has none, until now (the record is corrected, as a campaign sync would).
 */
async function withCampaignGroups(deps: RecoveryDeps, board: BoardDoc): Promise<BoardDoc> {
  const campaign = await campaignModel(deps.boards.db).findById(board._id, { members: 1 }).lean();
  if (!campaign) return board;
  const groupOf = new Map(campaign.members.map((m) => [m.candidateId, m.group]));
  const members = board.members.map(({ candidateId, name }) => {
    const group = groupOf.get(candidateId);
    return { candidateId, name, ...(group === undefined ? {} : { group }) };
  });
  if (members.every((m, i) => m.group === board.members[i]?.group)) return board;
  await deps.boards.updateOne({ _id: board._id }, { $set: { members } });
  return { ...board, members };
}

/**
 * Steps 3 to 7, once the board is fenced and settled: its state from its ledger.
 * @param rebuilding.quotas whether the board counts quotas (then its counters are rewritten)
 * @param rebuilding.token the fence, lifted by the install
 * @param rebuilding.fenced `hold` before the first step that rewrites the board; `stillFenced`
 *   throws unless the fence still holds: checked before each later step
 */
async function restore(
  deps: RecoveryDeps,
  boardId: string,
  {
    board,
    quotas,
    token,
    fenced,
  }: {
    board: BoardDoc;
    quotas: boolean;
    token: string;
    fenced: Pick<ReturnType<typeof keepFence>, 'stillFenced' | 'hold'>;
  },
  options: RebuildOptions,
): Promise<Omit<RebuildReport, 'settledInMs' | 'replayed'>> {
  const step = options.onStep ?? (() => {});
  step('read ledger');
  // The rebuild's moment, before the read: it keeps only what the steps below restore, the
  // verdicts of votes whose markers still live and the quota use of the days still limited.
  const nowMs = Date.now();
  const state = await readLedgerState(deps.ledger, boardId, {
    verdicts: { decidedAfter: new Date(nowMs - options.dedupTtlSeconds * 1_000) },
    ...(quotas ? { quotas: { days: quotaDays(nowMs, board.timezone) } } : {}),
  });

  // From here the board is rewritten: its fence is held (no expiry), so that a failure, or the
  // rebuild's death, leaves it fenced until a rebuild run again installs it.
  await fenced.hold();
  step('markers', { votes: state.verdicts.size });
  const markersRestored = await restoreMarkers(deps, boardId, state.verdicts, {
    nowMs,
    dedupTtlSeconds: options.dedupTtlSeconds,
  });
  const markersDropped = await dropUnrecordedMarkers(deps, boardId, state.verdicts);

  await fenced.stillFenced();
  step('likes');
  const memberIds = board.members.map((m) => m.candidateId);
  const likeSets = await restoreLikes(deps, boardId, memberIds, state.likes);

  await fenced.stillFenced();
  step('quotas');
  const quotaCounters = await restoreQuotas(deps, boardId, quotas ? state.quotas : undefined, { nowMs });

  step('install');
  // Under the campaign's lock, with the board as it is then: a host's edit of candidates or
  // groups during the rebuild (made under that lock, the record first, then Redis's member
  // groups) is in the groups installed, which then say what the member groups hash says (until
  // 2026-12-07 the record read before the fence was installed, and a group move made meanwhile
  // left the group boards out of step with the members' groups for good).
  const { seq, days, periods, members } = await withLock(
    deps.redis,
    deps.keys.campaignLock(boardId),
    async () => {
      const current = await currentBoard(deps, boardId, board);
      const status = await statusToSettle(deps, boardId, options.origin);
      const installed = await installWindows(deps, boardId, state, {
        fence: token,
        origin: options.origin,
        nowMs,
        dailyRetentionDays: current.dailyRetentionDays,
        weekStartsOn: weekStartOf(current),
        groups: registrationOf(current).groups ?? new Map(),
        members: current.members.map((m) => m.candidateId),
        // A freeze refused while fenced, made in the install's step: the board's day now.
        ...(status.freeze ? { freezeDay: dayOf(Date.now(), current.timezone) } : {}),
      });
      await status.settle();
      return { ...installed, members: current.members.length };
    },
    // A host's edit holds the lock for a moment; a large board's install may take longer than
    // the lock's life, so it is renewed while the install runs. The wait is long: markers and like
    // sets are already rewritten, and a rebuild that gave up here would leave its board fenced,
    // half restored, until it is run again (its fence is held meanwhile).
    { ttlMs: 10_000, waitMs: 600_000, renew: { forMs: 600_000 } },
  );

  step('rewards');
  // Only the campaign's list entry, marks and coupon stock live in Redis alone; safe when Redis lost nothing.
  const rewards = await restoreCampaignRewards({ ...deps, rewards: rewardModels(deps.boards.db) }, boardId);

  step('archives');
  // Every archive written again from the ledger, and every ended period without one archived.
  const rewritten = await rewriteArchives(deps, boardId);
  const { created } = await archiveEndedPeriods(deps, boardId, { graceMs: ARCHIVE_GRACE_MS });
  const archives = rewritten + created;
  return {
    boardId,
    ledgerRecords: state.records,
    seq,
    members,
    days,
    periods,
    archives,
    markersRestored,
    markersDropped,
    likeSets,
    quotaCounters,
    rewards,
  };
}
