import { readLedgerVotesById } from '@rallyboard/core/db';
import type { ReviewJobResult } from '@rallyboard/core/queue';
import type { RedisClient } from '@rallyboard/core/redis';
import {
  clusterLabel,
  describeEvidence,
  type Evidence,
  parseClusterId,
  parseClusterMember,
} from '@rallyboard/core/risk';
import type { WorkerDeps } from '../deps.js';
import type { ReviewProgress, ReviewSteps } from './review-steps.js';
import { type HoldClusterJob, holdReach, LEDGER_HOLD_KINDS, ledgerHoldFilter } from './selection.js';

/** Members read from the ledger, and moved under the campaign's review lock, at a time. */
const CHUNK = 200;

/** A cluster's member as its set holds it: the vote, its own evidence, and its entries in the set. */
interface Member {
  voteId: string;
  evidence: Evidence[];
  /** The set's entries of the vote (more than one if it was recorded under other settings too). */
  entries: string[];
}

/** The cluster's members accepted from `since` up to `reach`, one per vote, oldest first. */
async function readMembers(redis: RedisClient, key: string, since: number, reach: number): Promise<Member[]> {
  const byVote = new Map<string, Member>();
  for (const entry of await redis.zrangebyscore(key, since, reach)) {
    const parsed = parseClusterMember(entry);
    if (!parsed) continue;
    const member = byVote.get(parsed.voteId);
    if (member) member.entries.push(entry);
    else byVote.set(parsed.voteId, { ...parsed, entries: [entry] });
  }
  return [...byVote.values()];
}

/** Why a counted vote is held with its cluster, kept as its review's note. */
const whyHeld = (cluster: string, evidence: readonly Evidence[]) =>
  `held with ${clusterLabel(cluster)}, by its own evidence: ${describeEvidence(evidence)}`;

const NOTHING: ReviewJobResult = { matched: 0, changed: 0, unchanged: 0 };

/**
 * Builds the run of a `hold-cluster` job: takes back the cluster's counted members, those the
 * vote worker recorded with their own evidence (votes/cluster-members.ts), read by vote id from
 * Redis and the ledger (no query over the ledger), each moved as any review move (a retraction
 * of its own id, exactly once; moves.ts) with its evidence as the review's note. Members done
 * with leave the set, so the next hold of the cluster reads only the newer ones.
 *
 * Votes counted before the board's members were recorded (`membersSince`: an upgrade, or Redis
 * lost the sets) are selected from the ledger as holds did before, for the kinds the ledger can
 * tell (LEDGER_HOLD_KINDS); a network's never are, as sharing an address is no evidence.
 */
export function createClusterHold(
  deps: Pick<WorkerDeps, 'redis' | 'keys' | 'ledger'>,
  steps: ReviewSteps,
): (job: HoldClusterJob, actionId: string, progress: ReviewProgress) => Promise<ReviewJobResult> {
  async function fromLedger(job: HoldClusterJob, actionId: string, recordedSince: string | null) {
    const before = recordedSince === null ? Number.POSITIVE_INFINITY : Number(recordedSince);
    const kind = parseClusterId(job.cluster)?.kind;
    if (!(job.since < before) || kind === undefined || !LEDGER_HOLD_KINDS.has(kind)) return { ...NOTHING };
    return steps.byLedger(job, actionId, async () => {}, ledgerHoldFilter(job, before));
  }

  return async (job, actionId, progress) => {
    const k = deps.keys.board(job.campaignId).risk;
    const key = k.clusterMembers(job.cluster);
    const [members, recordedSince] = await Promise.all([
      readMembers(deps.redis, key, job.since, holdReach(job)),
      deps.redis.get(k.membersSince),
    ]);
    const result = await fromLedger(job, actionId, recordedSince);
    for (let start = 0; start < members.length; start += CHUNK) {
      const chunk = members.slice(start, start + CHUNK);
      const evidence = new Map(chunk.map((m) => [m.voteId, m.evidence]));
      const moved = await steps.locked(job.campaignId, async () => {
        const records = await readLedgerVotesById(
          deps.ledger,
          chunk.map((m) => m.voteId),
        );
        const theirs = records.filter((r) => r.boardId === job.campaignId);
        await steps.moveRecords(job, actionId, theirs, result, (r) =>
          whyHeld(job.cluster, evidence.get(r._id) ?? []),
        );
        return new Set(theirs.map((r) => r._id));
      });
      // Done with: held now, or in a state no hold moves. After the moves, so a run that dies in
      // between is retried and finds them moved.
      const done = chunk.filter((m) => moved.has(m.voteId)).flatMap((m) => m.entries);
      if (done.length > 0) await deps.redis.zrem(key, ...done);
      await progress({ ...result, progress: Math.min(1, (start + chunk.length) / members.length) });
    }
    return result;
  };
}
