import { createBatcher } from '@rallyboard/core/batch';
import { type LedgerVote, recordEachVote } from '@rallyboard/core/db';
import { createBoardCache, tallyVerdicts } from '@rallyboard/core/redis';
import type { WorkerDeps } from '../deps.js';
import { createInterestRecorder } from '../interests/record.js';
import type { ApplyMetrics } from '../metrics/recorders.js';
import { createRewardMarker } from '../rewards/mark.js';
import { createRiskAssessor } from '../risk/assess.js';
import { createRiskFollowUp, type DecidedVote, type LostHolds } from '../risk/follow-up.js';
import { createReferralAttributor } from './attribute-referrals.js';
import { type BoardSteps, settleBoardVotes } from './board-votes.js';
import { type CountedVote, createMembershipRecorder } from './cluster-members.js';
import { createMissingBoardCheck } from './missing-board.js';
import type { BatchItem, Failed, SettledVote, Slot, VoteOutcome } from './settled.js';

export type { BatchItem, Failed, VoteOutcome } from './settled.js';

/**
 * Builds the work of one worker batch: the votes of concurrently processed jobs, applied with
 * one applyVotes script call per board (per `batchMax` votes), then recorded with unordered
 * insertManys by group commit (at most `LEDGER_BATCH_MAX` records each, one at a time).
 *
 * Order matters. Redis first: the script decides each vote and marks its id in the same atomic
 * step. Then the ledger. If the process dies in between, the jobs are re-delivered; the script
 * finds the markers and answers the same verdicts as duplicates, changing nothing, and the
 * ledger write happens then. The ledger write is idempotent by vote id, so dying after it is
 * harmless too. Jobs complete only after both. A record the ledger refuses on its own (a bug's
 * invalid record) fails that vote alone: its job fails and is retried, then dead-lettered, while
 * the votes written with it in the same insertMany, of its job or others, stand.
 */
export function createVoteApplier(
  deps: WorkerDeps,
): (items: BatchItem[]) => Promise<(VoteOutcome | Failed)[]> {
  const { config, logger } = deps;
  const boards = createBoardCache(deps.redis, deps.keys, config.ingest.boardCacheMs);
  // The ledger is written by group commit: one insertMany at a time, holding every record that
  // arrived while the previous one ran. A store with one writer (FerretDB on SQLite) takes large
  // batches far better than many small concurrent ones; Redis was already updated, so this
  // delays only the jobs' completion, not what watchers see.
  const ledger = createBatcher<LedgerVote, Error | undefined>({
    maxItems: config.worker.ledgerBatchMax,
    maxWaitMs: config.worker.batchWaitMs,
    maxConcurrent: 1,
    async run(batch) {
      const started = performance.now();
      const refused = await recordEachVote(deps.ledger, batch);
      deps.metrics?.apply.ledgerWrite(batch.length, (performance.now() - started) / 1_000);
      return refused;
    },
  });
  const steps: BoardSteps = {
    deps,
    board: (boardId) => boards.get(boardId),
    assess: createRiskAssessor(deps),
    missing: createMissingBoardCheck(deps, boards),
  };
  const attributeReferrals = createReferralAttributor(deps);
  const recordMembers = createMembershipRecorder(deps);
  const followUp = createRiskFollowUp(deps);
  const markRewards = createRewardMarker(deps);
  const recordInterests = createInterestRecorder(deps);

  return async (items) => {
    const started = performance.now();
    const decidedAt = new Date();
    const settled = await Promise.all(
      [...slotsByBoard(items)].map(([boardId, slots]) => settleBoardVotes(steps, boardId, slots, decidedAt)),
    );
    const all = settled.flat();
    const refused = await refusedRecords(all, (record) => ledger.add(record));
    for (const [record, error] of refused) {
      logger.error({ voteId: record._id, err: error }, 'the ledger refused a record');
    }
    // What follows is for the votes on record; a refused one's job fails, and its re-run (a
    // duplicate then) follows up as any re-delivered vote does.
    const votes = refused.size === 0 ? all : all.filter((v) => !v.record || !refused.has(v.record));
    const records = votes.flatMap((v) => (v.record ? [v.record] : []));
    // Only counted votes make referrals, and only once they are on record. Cluster members too,
    // before the follow-up queues this batch's holds, so those holds see this batch's members.
    // And the voters whose counted votes may earn rewards, marked for the rewards pass.
    // What counted likes teach the recommendations, of the votes decided just now (a redelivered
    // duplicate taught already): never failing the batch.
    const redelivered = new Set(votes.flatMap((v) => (v.record && !v.decided ? [v.record] : [])));
    const [, revealed] = await Promise.all([
      attributeReferrals(records, redelivered),
      recordMembers(countedOf(votes)),
      markRewards(records),
      recordInterests(votes.flatMap((v) => (v.decided && v.record ? [v.record] : []))).catch(
        (error: unknown) => logger.warn({ err: error }, 'could not record interests'),
      ),
    ]);
    // Dashboard tallies, alerts and cluster holds: after the ledger. Tallies and alerts never fail
    // the batch; a hold that could not be queued fails its votes' jobs, since nothing else would
    // queue it again: their retry answers duplicates and follows them up again.
    const decided = votes.flatMap((v) => (v.decided ? [v.decided] : []));
    const [lost] = await Promise.all([
      followUp(
        [...decided.map((d) => d.vote), ...votes.flatMap((v) => (v.stoppedAgain ? [v.stoppedAgain] : []))],
        revealed,
      ),
      ...[...tallies(decided)].map(([boardId, counts]) =>
        tallyVerdicts(deps.redis, deps.keys, boardId, counts).catch((error: unknown) =>
          logger.warn({ err: error, boardId }, 'could not tally verdicts'),
        ),
      ),
    ]);
    if (deps.metrics) recordBatch(deps.metrics.apply, items.length, started, votes);
    return inBatchOrder(all, failures(all, refused, votes, lost));
  };
}

/**
 * The votes whose jobs fail, with why: those whose records the ledger refused, and those of the
 * votes on record whose cluster holds could not be queued (a stopped vote's, or a counted member's
 * of a known cluster).
 */
function failures(
  all: readonly SettledVote[],
  refused: ReadonlyMap<LedgerVote, Error>,
  onRecord: readonly SettledVote[],
  lost: LostHolds,
): Map<SettledVote, unknown> {
  const failed = new Map<SettledVote, unknown>();
  for (const v of all) {
    const error = v.record && refused.get(v.record);
    if (error) failed.set(v, error);
  }
  const lostMembers = new Map<string, unknown>();
  for (const [subject, error] of lost) {
    if ('voteIds' in subject) for (const voteId of subject.voteIds) lostMembers.set(voteId, error);
  }
  for (const v of onRecord) {
    for (const stopped of [v.decided?.vote, v.stoppedAgain]) {
      if (stopped && lost.has(stopped)) failed.set(v, lost.get(stopped));
    }
    const voteId = v.record?._id;
    if (voteId !== undefined && lostMembers.has(voteId)) failed.set(v, lostMembers.get(voteId));
  }
  return failed;
}

/** Writes the batch's records: those the ledger refused, with why. */
async function refusedRecords(
  votes: readonly SettledVote[],
  write: (record: LedgerVote) => Promise<Error | undefined>,
): Promise<Map<LedgerVote, Error>> {
  const records = votes.flatMap((v) => (v.record ? [v.record] : []));
  const answers = await Promise.all(records.map(write));
  const refused = new Map<LedgerVote, Error>();
  answers.forEach((error, i) => {
    const record = records[i];
    if (error && record) refused.set(record, error);
  });
  return refused;
}

/** A batch's size and time, its decided votes' verdicts, and risk's judgements of them. */
function recordBatch(metrics: ApplyMetrics, size: number, started: number, votes: readonly SettledVote[]) {
  metrics.batch(size, (performance.now() - started) / 1_000);
  const decided = votes.filter((v) => v.decided && v.record);
  metrics.verdicts(decided.map((v) => v.record?.verdict ?? 'unchanged'));
  metrics.judged(
    decided.flatMap(({ decided: d }) => {
      const assessment = d?.vote.decision.assessment;
      return assessment
        ? [{ verdict: assessment.verdict, rules: assessment.reasons.map((r) => r.rule) }]
        : [];
    }),
  );
}

/** The counted votes, with what was measured of those risk control judged. */
const countedOf = (votes: readonly SettledVote[]): CountedVote[] =>
  votes.flatMap(({ record, features }) => (record?.verdict === 'counted' ? [{ record, features }] : []));

/** The batch's votes by board, each with its place in the batch. */
export function slotsByBoard(items: readonly BatchItem[]): Map<string, Slot[]> {
  const byBoard = new Map<string, Slot[]>();
  items.forEach((item, at) => {
    const slots = byBoard.get(item.boardId) ?? [];
    slots.push({ at, item });
    byBoard.set(item.boardId, slots);
  });
  return byBoard;
}

/** Each board's dashboard tallies of the votes decided now: field → votes. */
function tallies(decided: readonly { tally: string | undefined; vote: DecidedVote }[]) {
  const byBoard = new Map<string, Map<string, number>>();
  for (const { tally, vote } of decided) {
    if (tally === undefined) continue;
    const counts = byBoard.get(vote.boardId) ?? new Map<string, number>();
    counts.set(tally, (counts.get(tally) ?? 0) + 1);
    byBoard.set(vote.boardId, counts);
  }
  return byBoard;
}

/** The outcomes in the order of the batch's items (each item is settled exactly once). */
const inBatchOrder = (
  votes: readonly SettledVote[],
  failed: ReadonlyMap<SettledVote, unknown>,
): (VoteOutcome | Failed)[] =>
  [...votes]
    .sort((a, b) => a.at - b.at)
    .map((v) => (failed.has(v) ? { verdict: 'failed', failed: failed.get(v) } : v.outcome));
