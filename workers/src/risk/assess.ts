import type { VoteContext } from '@rallyboard/core/protocol';
import type { QueuedVote } from '@rallyboard/core/queue';
import {
  type AppliedVerdict,
  type ApplyMode,
  assessVotes,
  cachedWechatRiskRanks,
  formatKeptAssessment,
  type KeptAssessment,
  parseKeptAssessment,
  type VoteToAssess,
} from '@rallyboard/core/redis';
import { assessVote, explainAssessment, networksOf } from '@rallyboard/core/risk';
import type { WorkerDeps } from '../deps.js';
import { zip } from '../zip.js';
import { createInviterLookup } from './inviters.js';
import { createRiskSettingsCache } from './settings.js';

/** Risk control's decision for one vote of a batch. */
export interface RiskDecision {
  mode: ApplyMode;
  /** The assessment, when the vote was measured; kept in the ledger unless accepted. */
  assessment?: KeptAssessment | undefined;
}

const ACCEPT: RiskDecision = { mode: 'n' };
const MODES = { accept: 'n', review: 'h', reject: 'x' } as const;

const decisionOf = (assessment: KeptAssessment): RiskDecision => ({
  mode: MODES[assessment.verdict],
  assessment,
});

/**
 * What applyVotes keeps of a decision beside the vote's marker, for its re-delivery: the
 * assessment of a vote risk control did not accept; nothing for an accepted one, so most votes
 * cost the script no write and the batch no round trip.
 */
export function keptOf(decision: RiskDecision): string | undefined {
  const { assessment } = decision;
  return assessment && assessment.verdict !== 'accept' ? formatKeptAssessment(assessment) : undefined;
}

/**
 * A re-delivered vote's decision, for its record and its follow-up: its first run's, as kept with
 * its marker, never what the campaign's settings (changed since, or risk control switched off)
 * would decide now; none kept means its first run accepted it. A counted vote has none: a host
 * may have approved it since it was held. A marker saying risk control stopped the vote but with
 * nothing kept was written before assessments were kept (an older deploy), or by a rebuild from
 * the ledger (which has the record, so only the follow-up needs it): the decision of now is the
 * best left then, when it agrees with the marker.
 */
export function firstDecision(verdict: AppliedVerdict, now: RiskDecision): RiskDecision {
  if (verdict.verdict === 'counted') return ACCEPT;
  const kept = verdict.assessment === undefined ? undefined : parseKeptAssessment(verdict.assessment);
  if (kept) return decisionOf(kept);
  const stoppedAs =
    verdict.verdict === 'held'
      ? 'h'
      : verdict.verdict === 'rejected' && verdict.reason === 'RISK_REJECTED'
        ? 'x'
        : undefined;
  return stoppedAs !== undefined && now.mode === stoppedAs ? now : ACCEPT;
}

/** A vote risk control judges: a participant's vote or like, with its request context. */
interface JudgedVote {
  /** Its place in the batch. */
  at: number;
  vote: QueuedVote;
  voterId: string;
  context: VoteContext;
}

/** The vote as one to judge, or none: an unlike, or a vote without a voter or context (older deploys). */
function judgedOf(vote: QueuedVote, at: number): JudgedVote[] {
  if (vote.action === 'unlike' || vote.voterId === undefined || vote.context === undefined) return [];
  return [{ at, vote, voterId: vote.voterId, context: vote.context }];
}

/** What the script measures of a judged vote: its networks, and who else it is tied to. */
function subjectOf(
  { vote, voterId, context }: JudgedVote,
  inviters: ReadonlyMap<string, string>,
  ranks: ReadonlyMap<string, number>,
): VoteToAssess {
  const networks = networksOf(context.ip);
  return {
    voteId: vote.voteId,
    voterId,
    acceptedAt: vote.acceptedAt,
    candidateId: vote.candidateId,
    ip: networks.ip,
    net24: networks.net24,
    net16: networks.net16,
    deviceId: context.deviceId,
    fingerprint: context.fingerprint,
    inviterId: context.shareToken ? inviters.get(context.shareToken) : undefined,
    dwellMs: context.dwellMs,
    wechatRiskRank: ranks.get(voterId),
  };
}

/**
 * Builds the step that judges a board's votes before they are applied: measure them all in one
 * script call (assessVotes-5+.lua), then apply the campaign's rules to each (assessVote, pure).
 * Votes that carry no context (older deploys, likes being taken back) are accepted as they are.
 */
export function createRiskAssessor(
  deps: WorkerDeps,
): (boardId: string, votes: readonly QueuedVote[]) => Promise<RiskDecision[]> {
  const settingsOf = createRiskSettingsCache(deps.ledger.db, deps.config.worker.riskSettingsCacheMs);
  const invitersOf = createInviterLookup(deps.ledger.db);
  return async (boardId, votes) => {
    const settings = await settingsOf(boardId);
    const judged = settings.enabled ? votes.flatMap((vote, at) => judgedOf(vote, at)) : [];
    if (judged.length === 0) return votes.map(() => ACCEPT);
    const tokens = judged.flatMap((j) => (j.context.shareToken ? [j.context.shareToken] : []));
    const [inviters, ranks] = await Promise.all([
      tokens.length > 0 ? invitersOf(boardId, tokens) : Promise.resolve(new Map<string, string>()),
      cachedWechatRiskRanks(
        deps.redis,
        deps.keys,
        judged.map((j) => j.voterId),
      ),
    ]);
    const subjects = judged.map((j) => subjectOf(j, inviters, ranks));
    const features = await assessVotes(deps.redis, deps.keys, boardId, subjects, {
      ttlSeconds: deps.config.votes.dedupTtlSeconds,
      fastTapMs: settings.rules.fastTap.threshold,
    });
    const decisions: RiskDecision[] = votes.map(() => ACCEPT);
    // The script answers one vote's features per subject, in order.
    for (const [[{ at }, subject], measured] of zip(zip(judged, subjects), features)) {
      const assessment = assessVote(measured, subject, settings);
      decisions[at] = decisionOf({ ...assessment, text: explainAssessment(assessment) });
    }
    return decisions;
  };
}
