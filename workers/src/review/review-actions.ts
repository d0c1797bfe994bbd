import {
  countReviewVotes,
  type LedgerModel,
  type LedgerVote,
  type LikeAct,
  readLedgerVotes,
  readLedgerVotesById,
  readLikeActsSince,
  refreshArchives,
  selectReviewVoteIdPage,
} from '@rallyboard/core/db';
import type { ReviewJob, ReviewJobResult } from '@rallyboard/core/queue';
import { createBoardCache, withLock } from '@rallyboard/core/redis';
import type { WorkerDeps } from '../deps.js';
import { applyMoves, BoardBusyError, type PlannedMove } from './apply-moves.js';
import { firstVotes } from './first-votes.js';
import { createClusterHold } from './hold-cluster.js';
import { type MoveInput, planMove, takenBack } from './moves.js';
import type { ReviewProgress, ReviewSteps } from './review-steps.js';
import { createMatcher, holdsWave, selectionFilter } from './selection.js';

/**
 * The review lock's time-to-live, renewed while a chunk of moves runs (a dead worker's frees within
 * it), and how long a job waits for it.
 */
export const REVIEW_LOCK_MS = 60_000;

/**
 * How long a chunk may keep renewing it: a chunk of 200 moves takes seconds on MongoDB and under
 * a minute on a large FerretDB ledger; one still running after this is taken for hung, and the
 * lock lapses for the others (a review job waiting, a rebuild).
 */
const REVIEW_CHUNK_MAX_MS = 10 * 60_000;

/** Votes selected, then re-read and moved under the campaign's review lock, at a time. */
const CHUNK = 200;

const at = (d: Date | number) => new Date(d).getTime();

/**
 * Each of `likes` with its voter's own acts on the same member that `follows` (one ledger read for
 * them all, from the earliest `from` of them).
 */
async function laterActs(
  ledger: LedgerModel,
  likes: readonly LedgerVote[],
  from: (like: LedgerVote) => number,
  follows: (act: LikeAct, like: LedgerVote) => boolean,
): Promise<[LedgerVote, LikeAct[]][]> {
  if (likes.length === 0) return [];
  const acts = await readLikeActsSince(
    ledger,
    likes[0]?.boardId ?? '',
    [...new Set(likes.flatMap((r) => (r.voterId === undefined ? [] : [r.voterId])))],
    new Date(Math.min(...likes.map(from))),
  );
  return likes.map((r) => [
    r,
    acts.filter((l) => l.voterId === r.voterId && l.candidateId === r.candidateId && follows(l, r)),
  ]);
}

/**
 * Of the likes a hold took back, those whose voter unliked the same member after the hold (their
 * own act, which took effect: counted, or unchanged as there was no like to take): approving one
 * must not give it back over that. A like of theirs since makes the like stand already.
 */
async function likesActedOnSince(
  ledger: LedgerModel,
  job: ReviewJob,
  records: readonly LedgerVote[],
): Promise<Set<string>> {
  if (job.kind !== 'approve') return new Set();
  const heldAt = (r: LedgerVote) => at(r.review?.at ?? r.decidedAt);
  const taken = records.filter(
    (r) => r.action === 'like' && r.verdict === 'counted' && r.review?.retraction !== undefined,
  );
  const acted = await laterActs(ledger, taken, heldAt, (l, r) => at(l.decidedAt) > heldAt(r));
  return new Set(
    acted
      .filter(
        ([, since]) => since.sort((a, b) => at(a.acceptedAt) - at(b.acceptedAt)).at(-1)?.action === 'unlike',
      )
      .map(([r]) => r._id),
  );
}

/**
 * Of the counted likes a retraction would take back (a cluster's hold, a void by rule), those
 * whose voter unliked the same member after them: the like that stands now, if any, is a later
 * one of theirs, with none of the cluster's evidence, which the script would take instead.
 * Acts are in the order the board applied them: by decision, and within one batch (one decision
 * time) by acceptance, as its script takes them.
 */
async function likesWithdrawnSince(
  ledger: LedgerModel,
  job: ReviewJob,
  records: readonly LedgerVote[],
): Promise<Set<string>> {
  if (job.kind !== 'hold-cluster' && job.kind !== 'void-by-rule') return new Set();
  const likes = records.filter((r) => r.action === 'like' && r.verdict === 'counted');
  const after = (l: LikeAct, r: LedgerVote) =>
    at(l.decidedAt) > at(r.decidedAt) ||
    (at(l.decidedAt) === at(r.decidedAt) && at(l.acceptedAt) > at(r.acceptedAt));
  const acted = await laterActs(ledger, likes, (r) => at(r.decidedAt), after);
  return new Set(acted.filter(([, since]) => since.some((l) => l.action === 'unlike')).map(([r]) => r._id));
}

/**
 * For a void: the votes taken back by a hold whose re-count (`<id>.a`) the board has applied, an
 * approval that stopped before its ledger write. Its marker says so; one read for those that can.
 */
async function creditsOnBoard(
  deps: Pick<WorkerDeps, 'redis' | 'keys'>,
  job: ReviewJob,
  records: readonly LedgerVote[],
): Promise<Set<string>> {
  if (job.kind !== 'void' && job.kind !== 'void-by-rule') return new Set();
  const retracted = records.filter(takenBack);
  if (retracted.length === 0) return new Set();
  const board = deps.keys.board(job.campaignId);
  const pipeline = deps.redis.pipeline();
  for (const r of retracted) pipeline.exists(board.vote(`${r._id}.a`));
  const answers = (await pipeline.exec()) ?? [];
  return new Set(
    retracted.flatMap((r, i) => {
      const [error, found] = answers[i] ?? [new Error('no answer')];
      if (error) throw error;
      return found === 1 ? [r._id] : [];
    }),
  );
}

/** What planning the moves of a chunk's records needs besides them, read once for the chunk. */
async function whatMovesKnow(
  deps: Pick<WorkerDeps, 'redis' | 'keys' | 'ledger'>,
  job: ReviewJob,
  records: readonly LedgerVote[],
): Promise<(voteId: string) => Pick<MoveInput, 'actedSince' | 'creditApplied' | 'withdrawnSince'>> {
  const [acted, credited, withdrawn] = await Promise.all([
    likesActedOnSince(deps.ledger, job, records),
    creditsOnBoard(deps, job, records),
    likesWithdrawnSince(deps.ledger, job, records),
  ]);
  return (voteId) => ({
    actedSince: acted.has(voteId),
    creditApplied: credited.has(voteId),
    withdrawnSince: withdrawn.has(voteId),
  });
}

/**
 * For a void by rule: the records of its moves that wrote an earlier action's approval down
 * instead (moves.ts, decidedBefore), read again, for the rule to take back as the later action.
 */
async function approvalsFinished(
  deps: Pick<WorkerDeps, 'ledger'>,
  job: ReviewJob,
  planned: readonly PlannedMove[],
): Promise<LedgerVote[]> {
  const finished = job.kind === 'void-by-rule' ? planned.filter((p) => p.move.finished) : [];
  if (finished.length === 0) return [];
  const again = await readLedgerVotesById(
    deps.ledger,
    finished.map((p) => p.record._id),
  );
  return again.filter((r) => r.review?.state === 'approved');
}

/**
 * Runs review jobs: approve or void held votes, void by rule, and hold a cluster's counted votes.
 * Each vote moves only from the state the job expects, under the campaign's review lock, and
 * every change to a ranking is a vote applied by applyVotes with its own id (see moves.ts), so a
 * retried job, or the same job run twice, changes nothing the first run did. Ledger records are
 * written after Redis, idempotently, as the vote worker writes them.
 */
export function createReviewActions(
  deps: WorkerDeps,
): (job: ReviewJob, actionId: string, progress: ReviewProgress) => Promise<ReviewJobResult> {
  const boards = createBoardCache(deps.redis, deps.keys, deps.config.ingest.boardCacheMs);
  /** Per running job (its action id): the days of every vote it matched, for the archives. */
  const touched = new Map<string, Set<string>>();

  /**
   * Runs `work` under the campaign's review lock: review jobs move a campaign's votes one chunk at
   * a time. The lock is renewed while the chunk runs, up to REVIEW_CHUNK_MAX_MS: a rebuild waiting
   * for it, or another review job, does not go ahead in the middle of a chunk a slow ledger drags.
   */
  const locked = <T>(campaignId: string, work: () => Promise<T>) =>
    withLock(deps.redis, deps.keys.reviewLock(campaignId), work, {
      ttlMs: REVIEW_LOCK_MS,
      waitMs: REVIEW_LOCK_MS,
      renew: { forMs: REVIEW_CHUNK_MAX_MS },
    });

  /** Moves records read under the lock, adding to `result`; `whyOf` gives a hold's note per vote. */
  async function moveRecords(
    job: ReviewJob,
    actionId: string,
    records: readonly LedgerVote[],
    result: ReviewJobResult,
    whyOf?: (record: LedgerVote) => string | undefined,
  ): Promise<void> {
    const boardId = job.campaignId;
    const board = await boards.get(boardId);
    if (!board) throw new BoardBusyError(`board ${boardId} is not in Redis`);
    const planned: PlannedMove[] = [];
    const known = await whatMovesKnow(deps, job, records);
    const of = { job, actionId, now: new Date(), retentionDays: board.dailyRetentionDays };
    for (const record of records) {
      result.matched++;
      const move = planMove({ ...of, record, why: whyOf?.(record), ...known(record._id) });
      if (move) planned.push({ record, move });
      else result.unchanged++;
    }
    // A cluster hold moves only votes no review has touched, re-read under the lock: by id (see setReviewedVotesById).
    await applyMoves(deps, boardId, planned, {
      compare: job.kind !== 'hold-cluster',
      weekStartsOn: board.weekStartsOn,
    });
    result.changed += planned.length;
    // A rule that found an approval on the board, half made, wrote it down: it takes the vote
    // back now, counted in `result` once (one vote this job moved, whichever pass moved it).
    const again = await approvalsFinished(deps, job, planned);
    if (again.length > 0) await moveRecords(job, actionId, again, { ...result }, whyOf);
    const days = touched.get(actionId) ?? new Set<string>();
    for (const record of records) days.add(record.day);
    touched.set(actionId, days);
  }

  /** Moves one chunk of the job's votes selected from the ledger, re-read under the lock. */
  async function moveChunk(job: ReviewJob, actionId: string, ids: string[], result: ReviewJobResult) {
    const records = await readLedgerVotes(deps.ledger, ids);
    let selected = records.filter(createMatcher(job));
    if (holdsWave(job) && selected.length > 0) {
      const firsts = await firstVotes(deps.ledger, job.campaignId, selected);
      selected = selected.filter((record) => firsts.has(record._id));
    }
    await moveRecords(job, actionId, selected, result, () =>
      job.kind === 'hold-cluster'
        ? 'counted before its cluster’s members were recorded: selected from the ledger'
        : undefined,
    );
  }

  /** Runs a job over the votes a ledger filter selects (the job's own unless given), a page at a time. */
  async function byLedger(
    job: ReviewJob,
    actionId: string,
    progress: ReviewProgress,
    filter = selectionFilter(job),
  ): Promise<ReviewJobResult> {
    // For the progress only: votes that match meanwhile are moved too, and it stays at most 1.
    const total = await countReviewVotes(deps.ledger, filter);
    const result: ReviewJobResult = { matched: 0, changed: 0, unchanged: 0 };
    let seen = 0;
    let after: string | undefined;
    for (;;) {
      // A page of ids at a time, by id: never every id the filter matches at once.
      const chunkIds = await selectReviewVoteIdPage(deps.ledger, filter, after, CHUNK);
      if (chunkIds.length === 0) break;
      await locked(job.campaignId, () => moveChunk(job, actionId, chunkIds, result));
      seen += chunkIds.length;
      after = chunkIds.at(-1);
      await progress({ ...result, progress: total === 0 ? 1 : Math.min(1, seen / total) });
      if (chunkIds.length < CHUNK) break;
    }
    return result;
  }

  const steps: ReviewSteps = { locked, moveRecords, byLedger };
  const holdCluster = createClusterHold(deps, steps);
  return async (job, actionId, progress) => {
    try {
      const result = await (job.kind === 'hold-cluster'
        ? holdCluster(job, actionId, progress)
        : byLedger(job, actionId, progress));
      // The ended periods its votes count for follow them: each archive is written again from the
      // ledger, once for the whole job and outside its lock, with the correction on record. The
      // days of every vote it matched, moved now or by a run before (a retried job finds its
      // moves done and still refreshes them).
      const days = touched.get(actionId);
      if (days && days.size > 0) {
        await refreshArchives(
          { ledger: deps.ledger, boards: deps.boards, archives: deps.archives },
          job.campaignId,
          days,
        );
      }
      return result;
    } finally {
      touched.delete(actionId);
    }
  };
}
