import { type AlertDoc, alertModel, alertView, recordAlert } from '@rallyboard/core/db';
import { RISK_WINDOWS, type RiskAlert } from '@rallyboard/core/protocol';
import type { ReviewJob } from '@rallyboard/core/queue';
import { holdWindowMs, knownForMs } from '@rallyboard/core/risk';
import type { WorkerDeps } from '../deps.js';
import type { RiskDecision } from './assess.js';

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
 * A cluster's hold runs right after the batch that stopped one of its votes, and once more this
 * much later, for the members counted meanwhile (by batches of other jobs and processes that were
 * still writing, and while the cluster's votes kept being stopped); a vote stopped during that
 * time queues nothing more. So each cluster gets at most two holds per this time (for the votes
 * accepted in each of its windows), and none is later than this after the vote that revealed it.
 */
const HOLD_EVERY_MS = 2_000;
/** The most entries a cluster's known set keeps (two per window of acceptance time). */
const KNOWN_ENTRIES = 200;
/** Risk's own hold jobs are kept a day once done (hosts' actions: the queue's 30 days). */
const HOLD_KEPT_SECONDS = 86_400;
/** A counted member of a cluster that was already known when it was recorded (votes/cluster-members.ts). */
export interface RevealedMember {
  boardId: string;
  cluster: string;
  acceptedAt: number;
}

/** The same alert is raised at most once per this window. */
const ALERT_WINDOW_MS = RISK_WINDOWS.shortMs;

const ADVICE = {
  'candidate-spike':
    'Look at where the votes come from (networks, devices, new accounts) in the monitor. A spike right after you called for votes, or after the candidate shared the campaign, is usually real; hold off judging until the review queue shows clusters.',
  cluster:
    'Open the review queue grouped by cluster. If the votes are one person or one script, void them; if it is a family phone, an office or a campus network, approve them.',
} as const;

/**
 * Marks a cluster known around a stopped vote accepted at `acceptedAt`: two entries per window of
 * acceptance time, its first and its latest stopped vote's (the members known around them leave
 * no gap between), so a live reveal never hides a backlog's older one. At most KNOWN_ENTRIES, the
 * oldest dropped first; kept (on the clock) as long as a member of then may still be decided
 * within its reach: the window and the known time.
 */
async function markKnown(
  deps: Pick<WorkerDeps, 'redis' | 'keys'>,
  boardId: string,
  cluster: string,
  acceptedAt: number,
): Promise<void> {
  const known = deps.keys.board(boardId).risk.clusterKnown(cluster);
  const window = holdWindowMs(cluster);
  const keep = window + knownForMs(cluster);
  const span = Math.floor(acceptedAt / window);
  const replies = await deps.redis
    .pipeline()
    .zadd(known, 'LT', acceptedAt, `${span}:first`)
    .zadd(known, 'GT', acceptedAt, `${span}:last`)
    .zremrangebyrank(known, 0, -(KNOWN_ENTRIES + 1))
    .pexpire(known, keep, 'NX')
    .pexpire(known, keep, 'GT')
    .exec();
  const failed = replies?.find(([error]) => error !== null);
  if (failed) throw failed[0];
}

/**
 * What follows a batch's decisions, after its ledger records are written: alerts (a candidate's
 * spike, each cluster risk control stopped votes of) and holds of a cluster's counted members
 * (hold-cluster review jobs, see review/hold-cluster.ts). Alerts are stored once per window and published to the
 * server, which pushes them to hosts.
 */
export function createRiskFollowUp(
  deps: WorkerDeps,
): (votes: readonly DecidedVote[], members?: readonly RevealedMember[]) => Promise<void> {
  const alerts = alertModel(deps.ledger.db);

  /** True once per `ttl` for a key (SET NX EX): the dedupe of alerts and holds. */
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

  /**
   * Queues a cluster's holds (see HOLD_EVERY_MS), unless a vote stopped just before queued them.
   * A stopped vote also marks the cluster known (knownForMs: its hold's window, ten minutes for an
   * account's own), so that a member counted meanwhile, accepted around it (knownAt), is held when
   * it is recorded, not at the cluster's next stopped vote.
   */
  async function queueHold(
    { boardId, acceptedAt }: { boardId: string; acceptedAt: number },
    cluster: string,
    reveals: boolean,
  ): Promise<void> {
    const r = deps.keys.board(boardId).risk;
    const now = Date.now();
    const window = holdWindowMs(cluster);
    // A vote decided long after it was accepted (the backlog after an outage, a replayed job) is
    // held with the members of its own time: its hold reaches from a window before it to its known
    // time after (review/selection.ts, holdReach), and it makes its cluster known for the members accepted
    // around it (knownAt), never for those counted since by their own rules.
    if (reveals) await markKnown(deps, boardId, cluster, acceptedAt);
    // At most two holds per HOLD_EVERY_MS for each window of acceptance time: a backlog decides
    // a cluster's votes of many minutes within seconds, and each window's need a hold of their own.
    const held = r.clusterHeld(cluster, Math.floor(acceptedAt / window));
    if ((await deps.redis.set(held, '1', 'PX', HOLD_EVERY_MS, 'NX')) !== 'OK') return;
    const job: ReviewJob = {
      kind: 'hold-cluster',
      campaignId: boardId,
      cluster,
      since: acceptedAt - window,
      until: now,
      by: 'risk',
    };
    const opts = { removeOnComplete: { age: HOLD_KEPT_SECONDS } };
    await deps.reviewQueue.addBulk([
      { name: 'hold-cluster', data: job, opts },
      {
        name: 'hold-cluster',
        data: { ...job, until: now + HOLD_EVERY_MS },
        opts: { ...opts, delay: HOLD_EVERY_MS },
      },
    ]);
  }

  return async (votes, members = []) => {
    const work: Promise<unknown>[] = members.map((m) => queueHold(m, m.cluster, false));
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
      for (const cluster of assessment.holdClusters) work.push(queueHold(vote, cluster, true));
    }
    const results = await Promise.allSettled(work);
    for (const r of results) {
      if (r.status === 'rejected') deps.logger.error({ err: r.reason }, 'risk follow-up failed');
    }
  };
}
