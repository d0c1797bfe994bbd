import type { LedgerVote } from '@rallyboard/core/db';
import type { RiskFeatures } from '@rallyboard/core/protocol';
import { type ClusterMembersWrite, recordClusterMembers } from '@rallyboard/core/redis';
import {
  clusterMemberships,
  formatClusterMember,
  holdWindowMs,
  knownAt,
  knownForMs,
  networksOf,
  type RiskSubject,
} from '@rallyboard/core/risk';
import type { WorkerDeps } from '../deps.js';
import type { RevealedMember } from '../risk/follow-up.js';
import { createRiskSettingsCache } from '../risk/settings.js';

/** A counted vote: its ledger record and, when risk control judged it, what was measured of it. */
export interface CountedVote {
  record: LedgerVote;
  features?: RiskFeatures | undefined;
}

/** A counted vote recorded as a member of a cluster. */
interface MemberVote {
  voteId: string;
  acceptedAt: number;
}

/** Who and where the vote is, as the rules name its clusters (workers/src/risk/assess.ts). */
function subjectOf(record: LedgerVote): RiskSubject | undefined {
  const context = record.context;
  if (!context) return undefined;
  return {
    candidateId: record.candidateId,
    voterId: record.voterId,
    ip: networksOf(context.ip).ip,
    deviceId: context.deviceId,
    fingerprint: context.fingerprint,
  };
}

/**
 * How much longer than its window a cluster's set keeps a member, past a newer one. A backlog's
 * holds (votes decided long after they were accepted) take back members of then, and a live
 * member recorded before they run (a quiet board's backlog is decided within a second; a
 * backlog's job retried after live ones) must not drop them: a backlog up to this deep keeps them.
 */
const PRUNE_GRACE_MS = 30 * 60_000;

/**
 * Below what acceptance time adding a member drops its set's older members: a member decided as
 * it comes (within PRUNE_GRACE_MS of its acceptance) drops those accepted more than a hold's
 * window and PRUNE_GRACE_MS before it, in acceptance time; a backlog's (decided later than that)
 * drops none, so its own later members never drop the earlier ones before their holds run.
 */
const pruneBelow = (score: number, windowMs: number, now: number): number | undefined =>
  now - score <= PRUNE_GRACE_MS ? score - windowMs - PRUNE_GRACE_MS : undefined;

/** The oldest and the newest acceptance time of a board's votes in the batch. */
function acceptedRange(theirs: readonly CountedVote[]): [number, number] {
  const times = theirs.map(({ record }) => record.acceptedAt.getTime());
  return [Math.min(...times), Math.max(...times)];
}

/**
 * Since when the board's members are recorded, for holds (review/hold-cluster.ts): `0` when this
 * batch counted the board's first vote (seq 1), so no counted vote of the board predates the
 * sets; otherwise now, and votes counted before it (by workers that did not record members yet,
 * or before Redis lost the sets) are found in the ledger. Set once (NX).
 */
const recordedSince = (theirs: readonly CountedVote[], now: number) =>
  theirs.some(({ record }) => record.seq === 1) ? 0 : now;

/**
 * Builds the step that records which clusters each counted judged vote is a member of, by its own
 * evidence (core/risk/evidence.ts): one sorted set per cluster under the board's hash tag,
 * `<voteId> <evidence>` by acceptance time, so a cluster's hold reads exactly its members
 * (review/hold-cluster.ts) instead of querying the ledger. Answers the members of clusters
 * already known (a vote was stopped for them within their hold's window), whose holds the
 * follow-up queues at once.
 *
 * Runs after the batch's ledger write: every vote id a hold reads from a set has its record. It
 * records re-delivered (duplicate) votes too, with the same members (their measurements are
 * stored), so a worker that died between the ledger write and this step loses no member.
 */
export function createMembershipRecorder(
  deps: Pick<WorkerDeps, 'redis' | 'keys' | 'ledger' | 'config'>,
): (votes: readonly CountedVote[]) => Promise<RevealedMember[]> {
  const settingsOf = createRiskSettingsCache(deps.ledger.db, deps.config.worker.riskSettingsCacheMs);
  return async (votes) => {
    const boards = new Map<string, CountedVote[]>();
    for (const vote of votes)
      boards.set(vote.record.boardId, [...(boards.get(vote.record.boardId) ?? []), vote]);
    const now = Date.now();
    /** Each cluster recorded now, with its members' votes and its stops read. */
    const recorded: { boardId: string; cluster: string; accepted: MemberVote[]; reveals: number[] }[] = [];
    // One script call per board (recordClusterMembers-1+.lua): a board's keys share its hash tag.
    await Promise.all(
      [...boards].map(async ([boardId, theirs]) => {
        if (!theirs.some((v) => v.features !== undefined)) return;
        const settings = await settingsOf(boardId);
        const k = deps.keys.board(boardId).risk;
        const [oldest, newest] = acceptedRange(theirs);
        const clusters = new Map<string, { members: ClusterMembersWrite['members']; votes: MemberVote[] }>();
        for (const { record, features } of theirs) {
          const subject = subjectOf(record);
          if (!subject || !features) continue;
          const acceptedAt = record.acceptedAt.getTime();
          for (const { cluster, evidence, keptMs } of clusterMemberships(features, subject, settings)) {
            const { members, votes } = clusters.get(cluster) ?? { members: [], votes: [] };
            clusters.set(cluster, { members, votes });
            votes.push({ voteId: record._id, acceptedAt });
            members.push({
              acceptedAt,
              member: formatClusterMember(record._id, evidence),
              pruneBelow: pruneBelow(acceptedAt, holdWindowMs(cluster), now),
              keepMs: keptMs,
            });
          }
        }
        // The stops around this batch's members (a stop at r knows r − window … r + knownFor).
        const writes = [...clusters].map(([cluster, { members }]) => ({
          cluster,
          knownFrom: oldest - knownForMs(cluster),
          knownTo: newest + holdWindowMs(cluster),
          members,
        }));
        const stops = await recordClusterMembers(deps.redis, k, recordedSince(theirs, now), writes);
        writes.forEach(({ cluster }, c) => {
          const accepted = clusters.get(cluster)?.votes ?? [];
          recorded.push({ boardId, cluster, accepted, reveals: stops[c] ?? [] });
        });
      }),
    );
    // A known cluster's members accepted around a vote stopped for it: the latest of each window
    // of acceptance time, whose hold reaches the others a window back, with their vote ids (their
    // jobs fail if the hold cannot be queued).
    return recorded.flatMap(({ boardId, cluster, accepted, reveals }) => {
      const window = holdWindowMs(cluster);
      const spans = new Map<number, { acceptedAt: number; voteIds: string[] }>();
      for (const { voteId, acceptedAt: at } of accepted) {
        if (!reveals.some((revealedAt) => knownAt(cluster, revealedAt, at))) continue;
        const span = Math.floor(at / window);
        const known = spans.get(span) ?? { acceptedAt: at, voteIds: [] };
        known.acceptedAt = Math.max(known.acceptedAt, at);
        known.voteIds.push(voteId);
        spans.set(span, known);
      }
      return [...spans.values()].map(({ acceptedAt, voteIds }) => ({
        boardId,
        cluster,
        acceptedAt,
        voteIds,
      }));
    });
  };
}
