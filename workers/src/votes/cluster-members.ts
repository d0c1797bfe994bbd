import type { LedgerVote } from '@rallyboard/core/db';
import type { RiskFeatures } from '@rallyboard/core/protocol';
import {
  clusterMemberships,
  formatClusterMember,
  holdWindowMs,
  knownAt,
  knownForMs,
  networksOf,
  type RiskSubject,
} from '@rallyboard/core/risk';
import type { ChainableCommander } from 'ioredis';
import type { WorkerDeps } from '../deps.js';
import type { RevealedMember } from '../risk/follow-up.js';
import { createRiskSettingsCache } from '../risk/settings.js';

/** A counted vote: its ledger record and, when risk control judged it, what was measured of it. */
export interface CountedVote {
  record: LedgerVote;
  features?: RiskFeatures | undefined;
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
 * Adds a member to its cluster's set and keeps the set long enough. A member decided as it comes
 * (within PRUNE_GRACE_MS of its acceptance) drops those accepted more than a hold's window and
 * PRUNE_GRACE_MS before it, in acceptance time; a backlog's (decided later than that) drops
 * none, so its own later members never drop the earlier ones before their holds run.
 */
function addMember(
  pipeline: ChainableCommander,
  key: string,
  score: number,
  member: string,
  windowMs: number,
  keepMs: number,
  now: number,
) {
  pipeline.zadd(key, score, member);
  if (now - score <= PRUNE_GRACE_MS)
    pipeline.zremrangebyscore(key, '-inf', `(${score - windowMs - PRUNE_GRACE_MS}`);
  // The expiry only ever grows: NX sets it on a new set, GT lengthens it.
  pipeline.pexpire(key, keepMs, 'NX');
  pipeline.pexpire(key, keepMs, 'GT');
}

/** The oldest and the newest acceptance time of a board's votes in the batch. */
function acceptedRange(theirs: readonly CountedVote[]): [number, number] {
  const times = theirs.map(({ record }) => record.acceptedAt.getTime());
  return [Math.min(...times), Math.max(...times)];
}

/** The acceptance times of a cluster's stopped votes, from its `clusterKnown` set (`ZRANGEBYSCORE … WITHSCORES`). */
function revealTimes(reply: unknown): number[] {
  if (!Array.isArray(reply)) return [];
  return reply.filter((_, i) => i % 2 === 1).map(Number);
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
    // One pipeline per board: a board's keys share its hash tag, and a Redis Cluster refuses a
    // pipeline over several masters.
    const pipelines: ChainableCommander[] = [];
    /**
     * Each cluster recorded now, with its members' acceptance times and where the ZSCORE of its
     * `clusterKnown` (the acceptance time of its latest stopped vote, if it is known) is answered.
     */
    const recorded = new Map<
      string,
      { boardId: string; cluster: string; accepted: number[]; pipeline: number; answer: number }
    >();
    for (const [boardId, theirs] of boards) {
      if (!theirs.some((v) => v.features !== undefined)) continue;
      const settings = await settingsOf(boardId);
      const k = deps.keys.board(boardId).risk;
      const pipeline = deps.redis.pipeline();
      pipelines.push(pipeline);
      pipeline.set(k.membersSince, String(recordedSince(theirs, now)), 'NX');
      const [oldest, newest] = acceptedRange(theirs);
      for (const { record, features } of theirs) {
        const subject = subjectOf(record);
        if (!subject || !features) continue;
        const acceptedAt = record.acceptedAt.getTime();
        for (const { cluster, evidence, keptMs } of clusterMemberships(features, subject, settings)) {
          const key = k.clusterMembers(cluster);
          addMember(
            pipeline,
            key,
            acceptedAt,
            formatClusterMember(record._id, evidence),
            holdWindowMs(cluster),
            keptMs,
            now,
          );
          const seen = recorded.get(`${boardId} ${cluster}`);
          if (seen) seen.accepted.push(acceptedAt);
          else {
            // The stops around this batch's members (a stop at r knows r − window … r + knownFor).
            const [from, to] = [oldest - knownForMs(cluster), newest + holdWindowMs(cluster)];
            pipeline.zrangebyscore(k.clusterKnown(cluster), from, to, 'WITHSCORES');
            recorded.set(`${boardId} ${cluster}`, {
              boardId,
              cluster,
              accepted: [acceptedAt],
              pipeline: pipelines.length - 1,
              answer: pipeline.length - 1,
            });
          }
        }
      }
    }
    if (pipelines.length === 0) return [];
    const replies = await Promise.all(pipelines.map(async (pipeline) => (await pipeline.exec()) ?? []));
    const failed = replies.flat().find(([error]) => error !== null);
    if (failed) throw failed[0];
    // A known cluster's members accepted around a vote stopped for it: the latest of each window
    // of acceptance time, whose hold reaches the others a window back.
    return [...recorded.values()].flatMap(({ boardId, cluster, accepted, pipeline, answer }) => {
      const reveals = revealTimes(replies[pipeline]?.[answer]?.[1]);
      const window = holdWindowMs(cluster);
      const latest = new Map<number, number>();
      for (const at of accepted) {
        if (!reveals.some((revealedAt) => knownAt(cluster, revealedAt, at))) continue;
        const span = Math.floor(at / window);
        latest.set(span, Math.max(latest.get(span) ?? at, at));
      }
      return [...latest.values()].map((acceptedAt) => ({ boardId, cluster, acceptedAt }));
    });
  };
}
