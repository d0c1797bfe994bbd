import { type AlertDoc, alertModel, alertView, recordAlert } from '@rallyboard/core/db';
import { RISK_WINDOWS, type RiskAlert } from '@rallyboard/core/protocol';
import type { WorkerDeps } from '../deps.js';
import type { RiskDecision } from './assess.js';
import { createHoldQueue } from './hold-queue.js';

/** A decided vote, as risk control's follow-up sees it. */
export interface DecidedVote {
  boardId: string;
  candidateId: string;
  acceptedAt: number;
  decision: RiskDecision;
  /** Whether risk control stopped it (held, or rejected as RISK_REJECTED) just now. */
  stopped: boolean;
}

/**
 * Counted members of a cluster that was already known when they were recorded
 * (votes/cluster-members.ts): the latest of one window of acceptance time, and their vote ids.
 */
export interface RevealedMember {
  boardId: string;
  cluster: string;
  acceptedAt: number;
  voteIds: readonly string[];
}

/**
 * The votes and members whose holds could not be queued (or their cluster marked known), with
 * why: their jobs must fail, so that a retry (a duplicate then) queues them again.
 */
export type LostHolds = Map<DecidedVote | RevealedMember, unknown>;

/** The same alert is raised at most once per this window. */
const ALERT_WINDOW_MS = RISK_WINDOWS.shortMs;

const ADVICE = {
  'candidate-spike':
    'Look at where the votes come from (networks, devices, new accounts) in the monitor. A spike right after you called for votes, or after the candidate shared the campaign, is usually real; hold off judging until the review queue shows clusters.',
  cluster:
    'Open the review queue grouped by cluster. If the votes are one person or one script, void them; if it is a family phone, an office or a campus network, approve them.',
} as const;

/**
 * What follows a batch's decisions, after its ledger records are written: alerts (a candidate's
 * spike, each cluster risk control stopped votes of) and holds of a cluster's counted members
 * (hold-cluster review jobs, see review/hold-cluster.ts). Alerts are stored once per window and published to the
 * server, which pushes them to hosts; one that fails is logged, never failing the batch. A hold
 * that could not be queued is answered (LostHolds): nothing else would queue it again, so its
 * votes' jobs fail and their retry, a duplicate, follows up again.
 */
export function createRiskFollowUp(
  deps: WorkerDeps,
): (votes: readonly DecidedVote[], members?: readonly RevealedMember[]) => Promise<LostHolds> {
  const alerts = alertModel(deps.ledger.db);
  const queueHold = createHoldQueue(deps);

  /** True once per `ttl` for a key (SET NX EX): the dedupe of alerts. */
  const first = async (key: string, ttlSeconds: number) =>
    (await deps.redis.set(key, '1', 'EX', ttlSeconds, 'NX')) === 'OK';

  async function raise(
    boardId: string,
    alert: Omit<AlertDoc, '_id' | 'campaignId' | 'advice' | 'kind'> & { kind: keyof typeof ADVICE },
  ): Promise<void> {
    const r = deps.keys.board(boardId).risk;
    if (!(await first(r.alerted(alert.kind, alert.subject), ALERT_WINDOW_MS / 1000))) return;
    const doc: AlertDoc = {
      ...alert,
      _id: `${boardId}:${alert.kind}:${alert.subject}:${Math.floor(alert.at.getTime() / ALERT_WINDOW_MS)}`,
      campaignId: boardId,
      advice: ADVICE[alert.kind],
    };
    if (await recordAlert(alerts, doc)) {
      const view: RiskAlert = alertView(doc);
      await deps.redis.publish(deps.keys.riskAlerts, JSON.stringify(view));
    }
  }

  /** A hold's queueing, whose failure is answered for `of` (LostHolds). */
  const holding = (lost: LostHolds, of: DecidedVote | RevealedMember, queued: Promise<void>) =>
    queued.catch((error: unknown) => {
      deps.logger.error({ err: error, boardId: of.boardId }, 'could not queue a cluster hold');
      if (!lost.has(of)) lost.set(of, error);
    });

  return async (votes, members = []) => {
    const lost: LostHolds = new Map();
    const work: Promise<unknown>[] = members.map((m) => holding(lost, m, queueHold(m, m.cluster, false)));
    for (const vote of votes) {
      const assessment = vote.decision.assessment;
      if (!assessment) continue;
      const spike = assessment.reasons.find((r) => r.rule === 'candidateSpike');
      if (spike) {
        work.push(
          raise(vote.boardId, {
            kind: 'candidate-spike',
            subject: vote.candidateId,
            text: `Candidate ${vote.candidateId}: ${spike.text}.`,
            data: {
              recent: assessment.features.candidateRecent,
              baseline: assessment.features.candidateBaseline,
              ratio: spike.value,
              newAccountShare: assessment.features.candidateNewShare,
            },
            at: new Date(vote.acceptedAt),
          }),
        );
      }
      if (!vote.stopped) continue;
      const reasons = assessment.reasons.filter((r) => r.rule !== 'candidateSpike');
      for (const cluster of assessment.clusters) {
        work.push(
          raise(vote.boardId, {
            kind: 'cluster',
            subject: cluster,
            text: `Votes stopped from ${cluster}: ${reasons.map((r) => r.text).join('; ')}.`,
            data: { score: assessment.score, rules: reasons.map((r) => r.rule).join(',') },
            at: new Date(vote.acceptedAt),
          }),
        );
      }
      for (const cluster of assessment.holdClusters) {
        work.push(holding(lost, vote, queueHold(vote, cluster, true)));
      }
    }
    // An alert that could not be raised is logged, never failing the batch (docs/risk.md).
    const results = await Promise.allSettled(work);
    for (const r of results) {
      if (r.status === 'rejected') deps.logger.error({ err: r.reason }, 'risk follow-up failed');
    }
    return lost;
  };
}
