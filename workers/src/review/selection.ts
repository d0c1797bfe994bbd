import type { LedgerVote } from '@rallyboard/core/db';
import { BOARD_KINDS, RISK_WINDOWS } from '@rallyboard/core/protocol';
import type { ReviewJob } from '@rallyboard/core/queue';
import { type ClusterRef, holdWindowMs, inNetwork, knownForMs, parseClusterId } from '@rallyboard/core/risk';

/**
 * Which votes a review job takes from the ledger: a Mongo filter (selectionFilter), narrowed in
 * code where the filter cannot say it (createMatcher: networks, taps), and for a wave only each
 * voter's first vote on the board (holdsWave, see first-votes.ts). A cluster hold takes its
 * recorded members instead (hold-cluster.ts), and the ledger only for votes counted before the
 * board's members were recorded (ledgerHoldFilter).
 */

export type HoldClusterJob = Extract<ReviewJob, { kind: 'hold-cluster' }>;

/** A wave's earlier votes are held only when tapped as fast as a wave's (see candidateWaveShare). */
const WAVE_TAP_MS = RISK_WINDOWS.waveTapMs;

/**
 * The actions that added a count: a vote board's votes and a like board's likes, each named
 * after its board's kind (an unlike or a retraction is no vote to void or hold). A fresh array
 * per filter, as the query may keep it.
 */
const countingActions = () => ({ $in: [...BOARD_KINDS] });

/** The Mongo filter of the votes a job selects (then narrowed in code, see createMatcher). */
export function selectionFilter(job: ReviewJob): Record<string, unknown> {
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
        action: countingActions(),
        // A host's re-count is voided through the vote it restores, by that vote's own time.
        restores: { $exists: false },
        acceptedAt: { $gte: new Date(rule.from), $lt: new Date(rule.to) },
        ...(rule.candidateId ? { candidateId: rule.candidateId } : {}),
        ...(rule.voterId ? { voterId: rule.voterId } : {}),
        ...(rule.deviceId ? { 'context.deviceId': rule.deviceId } : {}),
      };
    }
    case 'hold-cluster':
      return ledgerHoldFilter(job, Number.POSITIVE_INFINITY);
  }
}

/**
 * Kinds of cluster whose counted votes the ledger can tell without a vote's own evidence (which
 * counted votes do not keep): its device, its voter, a first vote's tap. A network's are not:
 * sharing an address is no evidence (see core/risk/evidence.ts), so they are only ever the members
 * recorded with their own. Nor is an inviter's tree: a member is an invitee counted once the
 * links had brought several, which the ledger does not keep.
 */
export const LEDGER_HOLD_KINDS: ReadonlySet<string> = new Set(['device', 'voter', 'wave']);

/**
 * The latest acceptance a cluster hold reaches: the cluster's known time past the vote that
 * revealed it (risk's holds start a window before it, `since`; workers/src/risk/follow-up.ts),
 * as a member counted meanwhile would be held live. A vote decided long after it was accepted (a
 * backlog, a replayed job) is held with its own time's members, never with those counted since
 * by their own rules (an account's own: its ten minutes after, though its hold reaches the day
 * before).
 */
export const holdReach = (job: HoldClusterJob): number =>
  job.since + holdWindowMs(job.cluster) + knownForMs(job.cluster);

/** The ledger filter of a cluster's counted votes accepted from the job's `since` up to `before` (at most now). */
export function ledgerHoldFilter(job: HoldClusterJob, before: number): Record<string, unknown> {
  const ref = parseClusterId(job.cluster);
  // Up to now: a vote of the cluster counted after the job was queued is as suspect, within the hold's reach.
  const until = Math.min(before, Math.max(job.until, Date.now()) + 1, holdReach(job) + 1);
  return {
    boardId: job.campaignId,
    verdict: 'counted',
    action: countingActions(),
    // A re-count a host approved is no vote of the cluster's (its vote was held and decided).
    restores: { $exists: false },
    acceptedAt: { $gte: new Date(job.since), $lt: new Date(until) },
    // An id that does not read selects by time alone, and the matcher then takes none of it.
    ...(ref ? clusterFields(ref) : {}),
  };
}

/** The ledger fields a cluster pins down by equality; networks and taps are the matcher's. */
function clusterFields(ref: ClusterRef): Record<string, string> {
  return {
    ...(ref.kind === 'device' ? { 'context.deviceId': ref.subject } : {}),
    ...(ref.kind === 'voter' ? { voterId: ref.subject } : {}),
    ...(ref.kind === 'wave' ? { candidateId: ref.subject } : {}),
    ...(ref.candidateId ? { candidateId: ref.candidateId } : {}),
  };
}

/** What the Mongo filter cannot say, for one job: whether a record it selected is the job's. */
export function createMatcher(job: ReviewJob): (record: LedgerVote) => boolean {
  if (job.kind === 'void-by-rule' && job.rule.network) {
    const { network } = job.rule;
    return (record) => record.context?.ip !== undefined && inNetwork(record.context.ip, network);
  }
  if (job.kind === 'hold-cluster') {
    const ref = parseClusterId(job.cluster);
    return (record) => ref !== undefined && inCluster(ref, record);
  }
  return () => true;
}

/** Whether a counted vote the filter selected for a cluster is the cluster's, as the ledger tells it. */
function inCluster(ref: ClusterRef, record: LedgerVote): boolean {
  switch (ref.kind) {
    case 'wave':
      // Only the votes tapped as fast as a wave's (no dwell time counts as none); and only a
      // voter's first vote here (checked with the ledger, see firstVotes).
      return (record.context?.dwellMs ?? 0) < WAVE_TAP_MS;
    case 'device':
    case 'voter':
      return true;
    default:
      // A network's and an inviter's tree's members are those recorded with their own evidence
      // (LEDGER_HOLD_KINDS), and no rule holds a fingerprint: the ledger holds none of them.
      return false;
  }
}

/** Whether a job holds a wave, whose votes are only each voter's first on the board. */
export const holdsWave = (job: ReviewJob): boolean =>
  job.kind === 'hold-cluster' && parseClusterId(job.cluster)?.kind === 'wave';
