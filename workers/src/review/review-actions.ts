import type { LedgerReview, LedgerVote } from '@rallyboard/core/db';
import { recordVotes } from '@rallyboard/core/db';
import { RISK_WINDOWS } from '@rallyboard/core/protocol';
import type { ReviewJob, ReviewJobResult } from '@rallyboard/core/queue';
import {
  type ApplyAction,
  type ApplyMode,
  applyVotes,
  createBoardCache,
  dayExpiresAt,
  quotaExpiresAt,
  type VoteToApply,
  type VoteVerdict,
  verdictFields,
  withLock,
} from '@rallyboard/core/redis';
import { inNetwork, networksOf } from '@rallyboard/core/risk';
import type { WorkerDeps } from '../deps.js';

/** A wave's earlier votes are held only when tapped as fast as a wave's (see candidateWaveShare). */
const WAVE_TAP_MS = RISK_WINDOWS.waveTapMs;

/** Votes re-read and moved under the campaign's review lock at a time. */
const CHUNK = 200;

/** A board whose votes cannot be applied now (fenced by a rebuild, or its state lost): retry later. */
export class BoardBusyError extends Error {}

type Record_ = LedgerVote;

/** What moving one vote takes: votes to apply (by id, exactly once) and what to write after. */
interface Move {
  apply: VoteToApply[];
  /** Given the verdicts of `apply`, the ledger writes: new records and the update of the vote. */
  write(verdicts: VoteVerdict[]): { inserts: LedgerVote[]; set: Partial<LedgerVote> };
}

/** The Mongo filter of the votes a job selects (then narrowed in code, see `matches`). */
function selectionFilter(job: ReviewJob): Record<string, unknown> {
  const boardId = job.campaignId;
  switch (job.kind) {
    case 'approve':
    case 'void': {
      const held = { boardId, 'review.state': 'held' };
      if ('voteIds' in job.select) return { ...held, _id: { $in: job.select.voteIds } };
      if ('reason' in job.select) return { ...held, 'risk.reasons.rule': job.select.reason };
      return {
        ...held,
        $or: [{ 'risk.clusters': job.select.cluster }, { 'review.cluster': job.select.cluster }],
      };
    }
    case 'void-by-rule': {
      const { rule } = job;
      return {
        boardId,
        action: { $in: ['vote', 'like'] },
        acceptedAt: { $gte: new Date(rule.from), $lt: new Date(rule.to) },
        ...(rule.candidateId ? { candidateId: rule.candidateId } : {}),
        ...(rule.voterId ? { voterId: rule.voterId } : {}),
        ...(rule.deviceId ? { 'context.deviceId': rule.deviceId } : {}),
      };
    }
    case 'hold-cluster': {
      const [kind = '', rest = ''] = splitCluster(job.cluster);
      const [value = '', candidateId] = rest.split('@');
      return {
        boardId,
        verdict: 'counted',
        action: { $in: ['vote', 'like'] },
        // Up to now: a vote of the cluster counted after the job was queued is as suspect.
        acceptedAt: { $gte: new Date(job.since), $lte: new Date(Math.max(job.until, Date.now())) },
        ...(kind === 'device' ? { 'context.deviceId': value } : {}),
        ...(kind === 'voter' ? { voterId: value } : {}),
        ...(kind === 'wave' ? { candidateId: value } : {}),
        ...(candidateId ? { candidateId } : {}),
      };
    }
  }
}

const splitCluster = (cluster: string) => {
  const at = cluster.indexOf(':');
  return [cluster.slice(0, at), cluster.slice(at + 1)] as const;
};

/** What the Mongo filter cannot say: networks, taps. */
function matches(job: ReviewJob, record: Record_): boolean {
  const ip = record.context?.ip;
  if (job.kind === 'void-by-rule' && job.rule.network)
    return ip !== undefined && inNetwork(ip, job.rule.network);
  if (job.kind === 'hold-cluster') {
    const [kind, rest] = splitCluster(job.cluster);
    const value = rest.split('@')[0] ?? '';
    if (kind === 'ip') return ip !== undefined && networksOf(ip).ip === value;
    if (kind === 'subnet') return ip !== undefined && networksOf(ip).net24 === value;
    // A wave: only the votes tapped as fast as a wave's (no dwell time counts as none); and
    // only a voter's first vote here (checked with the ledger, see firstVotes).
    if (kind === 'wave') return (record.context?.dwellMs ?? 0) < WAVE_TAP_MS;
    return kind === 'device' || kind === 'voter';
  }
  return true;
}

/**
 * Runs review jobs: approve or void held votes, void by rule, and hold a cluster's counted votes.
 * Each vote moves only from the state the job expects, under the campaign's review lock, and
 * every change to a ranking is a vote applied by applyVotes with its own id (the vote itself on
 * approval; `<id>.x` to take a counted vote back; `<id>.a` to count a taken-back vote again), so
 * a retried job, or the same job run twice, changes nothing the first run did. Ledger records
 * are written after Redis, idempotently, as the vote worker writes them.
 */
export function createReviewActions(
  deps: WorkerDeps,
): (
  job: ReviewJob,
  actionId: string,
  progress: (p: ReviewJobResult & { progress: number }) => Promise<void>,
) => Promise<ReviewJobResult> {
  const boards = createBoardCache(deps.redis, deps.keys, deps.config.ingest.boardCacheMs);

  function plan(
    job: ReviewJob,
    record: Record_,
    actionId: string,
    now: Date,
    retentionDays: number,
  ): Move | undefined {
    const review = record.review;
    const base = (voteId: string, action: ApplyAction, mode: ApplyMode): VoteToApply => ({
      voteId,
      candidateId: record.candidateId,
      action,
      mode,
      voterId: record.voterId,
      day: record.day,
      dayExpiresAt: dayExpiresAt(record.acceptedAt.getTime(), retentionDays),
      quotaExpiresAt: quotaExpiresAt(record.acceptedAt.getTime()),
    });
    const stamp = (state: LedgerReview['state'], extra: Partial<LedgerReview> = {}): LedgerReview => ({
      ...review,
      state,
      at: now,
      by: job.by,
      actionId,
      note: 'note' in job ? job.note : 'rule' in job ? job.rule.note : undefined,
      ...extra,
    });
    const derived = (voteId: string, verdict: VoteVerdict, fields: Partial<LedgerVote>): LedgerVote => ({
      _id: voteId,
      boardId: record.boardId,
      candidateId: record.candidateId,
      action: fields.action ?? record.action,
      voterId: record.voterId,
      ...verdictFields(verdict),
      day: record.day,
      acceptedAt: now,
      decidedAt: now,
      ...fields,
    });
    /** Takes a counted vote back with a retraction of its own id. */
    const retract = (state: LedgerReview['state'], extra: Partial<LedgerReview> = {}): Move => {
      const countingId = review?.credit ?? record._id;
      const retractionId = `${countingId}.x`;
      return {
        apply: [base(retractionId, 'retract', 'n')],
        write: ([verdict]) => ({
          inserts: [
            derived(retractionId, verdict as VoteVerdict, { action: 'retract', retracts: record._id }),
          ],
          set: { review: stamp(state, { retraction: retractionId, ...extra }) },
        }),
      };
    };
    const neverApplied = record.verdict === 'held';
    const retracted =
      record.verdict === 'counted' && review?.state === 'held' && review.retraction !== undefined;

    switch (job.kind) {
      case 'approve':
        if (review?.state !== 'held') return undefined;
        if (neverApplied) {
          return {
            apply: [base(record._id, record.action as ApplyAction, 'a')],
            write: ([verdict]) => ({
              inserts: [],
              set: { ...verdictFields(verdict as VoteVerdict), review: stamp('approved') },
            }),
          };
        }
        if (retracted) {
          const creditId = `${record._id}.a`;
          return {
            apply: [base(creditId, record.action as ApplyAction, 'a')],
            write: ([verdict]) => ({
              inserts: [derived(creditId, verdict as VoteVerdict, { restores: record._id })],
              set: { review: stamp('approved', { credit: creditId }) },
            }),
          };
        }
        return undefined;
      case 'void':
      case 'void-by-rule':
        if (review?.state === 'voided') return undefined;
        if (neverApplied) {
          return {
            apply: [base(record._id, record.action as ApplyAction, 'v')],
            write: ([verdict]) => ({
              inserts: [],
              set: { ...verdictFields(verdict as VoteVerdict), review: stamp('voided') },
            }),
          };
        }
        if (retracted) return { apply: [], write: () => ({ inserts: [], set: { review: stamp('voided') } }) };
        if (job.kind === 'void') return undefined;
        if (record.verdict !== 'counted' || record.delta !== 1) return undefined;
        return retract('voided');
      case 'hold-cluster':
        if (review !== undefined || record.verdict !== 'counted' || record.delta !== 1) return undefined;
        return retract('held', { cluster: job.cluster, by: 'risk' });
    }
  }

  /** Of the given votes, those that are their voter's first on the board (a brand-new account's). */
  async function firstVotes(boardId: string, records: readonly Record_[]): Promise<Set<string>> {
    const voters = [...new Set(records.flatMap((r) => (r.voterId === undefined ? [] : [r.voterId])))];
    const earliest = new Map<string, number>();
    const theirs = await deps.ledger
      .find({ boardId, voterId: { $in: voters } }, { voterId: 1, acceptedAt: 1 })
      .lean();
    for (const { voterId, acceptedAt } of theirs) {
      if (voterId === undefined) continue;
      earliest.set(
        voterId,
        Math.min(earliest.get(voterId) ?? Number.POSITIVE_INFINITY, acceptedAt.getTime()),
      );
    }
    return new Set(
      records
        .filter((r) => r.voterId !== undefined && r.acceptedAt.getTime() <= (earliest.get(r.voterId) ?? 0))
        .map((r) => r._id),
    );
  }

  return async (job, actionId, progress) => {
    const boardId = job.campaignId;
    const ids = (await deps.ledger.find(selectionFilter(job), { _id: 1 }).sort({ _id: 1 }).lean()).map(
      (r) => r._id,
    );
    const result: ReviewJobResult = { matched: 0, changed: 0, unchanged: 0 };
    for (let start = 0; start < ids.length; start += CHUNK) {
      const chunkIds = ids.slice(start, start + CHUNK);
      await withLock(
        deps.redis,
        deps.keys.reviewLock(boardId),
        async () => {
          const board = await boards.get(boardId);
          if (!board) throw new BoardBusyError(`board ${boardId} is not in Redis`);
          const records = (await deps.ledger.find({ _id: { $in: chunkIds } }).lean()) as Record_[];
          const now = new Date();
          const moves: { record: Record_; move: Move }[] = [];
          let selected = records.filter((record) => matches(job, record));
          if (job.kind === 'hold-cluster' && job.cluster.startsWith('wave:') && selected.length > 0) {
            const firsts = await firstVotes(boardId, selected);
            selected = selected.filter((record) => firsts.has(record._id));
          }
          for (const record of selected) {
            result.matched++;
            const move = plan(job, record, actionId, now, board.dailyRetentionDays);
            if (move) moves.push({ record, move });
            else result.unchanged++;
          }
          const toApply = moves.flatMap((m) => m.move.apply);
          let verdicts: VoteVerdict[] = [];
          if (toApply.length > 0) {
            const applied = await applyVotes(deps.redis, deps.keys, boardId, toApply, {
              dedupTtlSeconds: deps.config.votes.dedupTtlSeconds,
              origin: deps.instanceId,
            });
            if (applied.outcome !== 'applied')
              throw new BoardBusyError(`board ${boardId} is ${applied.outcome}`);
            verdicts = applied.verdicts;
          }
          let offset = 0;
          const inserts: LedgerVote[] = [];
          const updates: { id: string; from: Record_; set: Partial<LedgerVote> }[] = [];
          for (const { record, move } of moves) {
            const own = verdicts.slice(offset, offset + move.apply.length);
            offset += move.apply.length;
            const { inserts: extra, set } = move.write(own);
            inserts.push(...extra);
            updates.push({ id: record._id, from: record, set });
          }
          await recordVotes(deps.ledger, inserts);
          await Promise.all(
            updates.map(({ id, from, set }) => {
              const unset = Object.entries(set)
                .filter(([, v]) => v === undefined)
                .map(([k]) => k);
              const $set = Object.fromEntries(Object.entries(set).filter(([, v]) => v !== undefined));
              // Only from the state this run read: a concurrent change wins, and is not overwritten.
              return deps.ledger.collection.updateOne(
                { _id: id as never, verdict: from.verdict, 'review.state': from.review?.state ?? null },
                {
                  $set,
                  ...(unset.length > 0 ? { $unset: Object.fromEntries(unset.map((k) => [k, ''])) } : {}),
                },
              );
            }),
          );
          result.changed += updates.length;
        },
        { ttlMs: 60_000, waitMs: 60_000 },
      );
      await progress({ ...result, progress: Math.min(1, (start + chunkIds.length) / ids.length) });
    }
    return result;
  };
}
