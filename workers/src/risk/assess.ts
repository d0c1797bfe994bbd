import type { RiskAssessment } from '@rallyboard/core/protocol';
import type { QueuedVote } from '@rallyboard/core/queue';
import { type ApplyMode, assessVotes, cachedWechatRiskRanks } from '@rallyboard/core/redis';
import { assessVote, explainAssessment, networksOf } from '@rallyboard/core/risk';
import type { WorkerDeps } from '../deps.js';
import { createInviterLookup } from './inviters.js';
import { createRiskSettingsCache } from './settings.js';

/** Risk control's decision for one vote of a batch. */
export interface RiskDecision {
  mode: ApplyMode;
  /** The assessment, when the vote was measured; kept in the ledger unless accepted. */
  assessment?: (RiskAssessment & { text: string; holdClusters: string[] }) | undefined;
}

const ACCEPT: RiskDecision = { mode: 'n' };
const MODES = { accept: 'n', review: 'h', reject: 'x' } as const;

/** Whether risk control judges a vote: a participant's vote or like with its request context. */
const judged = (vote: QueuedVote) =>
  vote.action !== 'unlike' && vote.voterId !== undefined && vote.context !== undefined;

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
    const indexes = votes.flatMap((v, i) => (settings.enabled && judged(v) ? [i] : []));
    if (indexes.length === 0) return votes.map(() => ACCEPT);
    const judgedVotes = indexes.map((i) => votes[i] as QueuedVote);
    const tokens = judgedVotes.flatMap((v) => (v.context?.shareToken ? [v.context.shareToken] : []));
    const [inviters, ranks] = await Promise.all([
      tokens.length > 0 ? invitersOf(boardId, tokens) : Promise.resolve(new Map<string, string>()),
      cachedWechatRiskRanks(
        deps.redis,
        deps.keys,
        judgedVotes.map((v) => v.voterId as string),
      ),
    ]);
    const subjects = judgedVotes.map((v) => {
      const context = v.context as NonNullable<QueuedVote['context']>;
      const networks = networksOf(context.ip);
      return {
        voteId: v.voteId,
        voterId: v.voterId as string,
        acceptedAt: v.acceptedAt,
        candidateId: v.candidateId,
        ip: networks.ip,
        net24: networks.net24,
        net16: networks.net16,
        deviceId: context.deviceId,
        fingerprint: context.fingerprint,
        inviterId: context.shareToken ? inviters.get(context.shareToken) : undefined,
        dwellMs: context.dwellMs,
        wechatRiskRank: ranks.get(v.voterId as string),
      };
    });
    const features = await assessVotes(deps.redis, deps.keys, boardId, subjects, {
      ttlSeconds: deps.config.votes.dedupTtlSeconds,
    });
    const decisions: RiskDecision[] = votes.map(() => ACCEPT);
    indexes.forEach((voteIndex, n) => {
      const assessment = assessVote(
        features[n] as NonNullable<(typeof features)[number]>,
        subjects[n] as (typeof subjects)[number],
        settings,
      );
      decisions[voteIndex] = {
        mode: MODES[assessment.verdict],
        assessment: { ...assessment, text: explainAssessment(assessment) },
      };
    });
    return decisions;
  };
}
