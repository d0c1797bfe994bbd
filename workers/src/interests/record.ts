import type { LedgerVote } from '@rallyboard/core/db';
import {
  type InterestUpdate,
  type KeyBuilder,
  likeWeight,
  type RedisClient,
  recordInterests,
  tagsOfCandidate,
} from '@rallyboard/core/redis';

type RecordDeps = { redis: RedisClient; keys: Pick<KeyBuilder, 'interests'> };

/**
 * Records, after a batch's ledger write, what its counted votes and likes teach the
 * recommendations (docs/rewards.md): each voter's touched candidates, and for each counted like
 * the candidate's and its campaign's tags, weighted by when it was accepted (interests.ts). One
 * HMGET per campaign of the batch for the tags and one pipeline for the writes.
 */
export function createInterestRecorder(deps: RecordDeps): (records: readonly LedgerVote[]) => Promise<void> {
  return async (records) => {
    const acts = records.filter(
      (r) =>
        r.verdict === 'counted' &&
        r.voterId !== undefined &&
        r.restores === undefined &&
        (r.delta ?? 0) > 0 &&
        (r.action === 'vote' || r.action === 'like'),
    );
    if (acts.length === 0) return;
    const likesByBoard = new Map<string, Set<string>>();
    for (const r of acts) {
      if (r.action === 'like')
        likesByBoard.set(r.boardId, (likesByBoard.get(r.boardId) ?? new Set()).add(r.candidateId));
    }
    const tags = new Map<string, Map<string, string[]>>();
    await Promise.all(
      [...likesByBoard].map(async ([boardId, candidates]) => {
        tags.set(boardId, await tagsOfCandidate(deps.redis, deps.keys, boardId, [...candidates]));
      }),
    );
    const updates = new Map<string, InterestUpdate>();
    for (const r of acts) {
      const participantId = r.voterId ?? '';
      const update: InterestUpdate = updates.get(participantId) ?? {
        participantId,
        touched: [],
        weights: new Map(),
      };
      updates.set(participantId, update);
      update.touched.push(`${r.boardId} ${r.candidateId}`);
      if (r.action !== 'like') continue;
      const weight = likeWeight(new Date(r.acceptedAt).getTime());
      for (const tag of tags.get(r.boardId)?.get(r.candidateId) ?? []) {
        update.weights.set(tag, (update.weights.get(tag) ?? 0) + weight);
      }
    }
    // Those who turned personalised recommendations off teach nothing: the script reads their
    // flag in the same step as it writes.
    await recordInterests(deps.redis, deps.keys, [...updates.values()]);
  };
}
