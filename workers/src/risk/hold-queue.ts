import type { ReviewJob } from '@rallyboard/core/queue';
import { holdWindowMs, knownForMs } from '@rallyboard/core/risk';
import type { WorkerDeps } from '../deps.js';

/**
 * A cluster's hold runs right after the batch that stopped one of its votes, and once more this
 * much later, for the members counted meanwhile (by batches of other jobs and processes that were
 * still writing, and while the cluster's votes kept being stopped); a vote stopped during that
 * time queues nothing more. So each cluster gets at most two holds per this time (for the votes
 * accepted in each of its windows; two more when two processes stop its votes in the same
 * instant), and none is later than this after the vote that revealed it.
 */
const HOLD_EVERY_MS = 2_000;
/** The most entries a cluster's known set keeps (two per window of acceptance time). */
const KNOWN_ENTRIES = 200;
/** A cluster's hold, as the review queue takes it. */
type HoldJob = Extract<ReviewJob, { kind: 'hold-cluster' }>;
/** Risk's own hold jobs are kept a day once done (hosts' actions: the queue's 30 days). */
const HOLD_KEPT_SECONDS = 86_400;

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
 * Builds the step that queues a cluster's holds (hold-cluster review jobs, review/hold-cluster.ts)
 * for a vote stopped for it, or a member counted while it was known. It throws when the holds
 * could not be queued (nor the cluster marked known): the caller fails the votes' jobs, whose
 * retry queues them again, since nothing else would.
 */
export function createHoldQueue(
  deps: Pick<WorkerDeps, 'redis' | 'keys' | 'reviewQueue' | 'logger'>,
): (at: { boardId: string; acceptedAt: number }, cluster: string, reveals: boolean) => Promise<void> {
  /** The holds this process is queueing, by their dedupe key: votes stopped together share one. */
  const queueing = new Map<string, Promise<void>>();

  /**
   * Queues a cluster's holds (see HOLD_EVERY_MS), unless a vote stopped just before queued them;
   * votes stopped together in this process share one add, and its failure.
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
    const running = queueing.get(held);
    if (running) return running;
    const adding = addHolds(held, {
      kind: 'hold-cluster',
      campaignId: boardId,
      cluster,
      since: acceptedAt - window,
      until: now,
      by: 'risk',
    }).finally(() => queueing.delete(held));
    queueing.set(held, adding);
    return adding;
  }

  /**
   * Adds a cluster's two holds (now, and HOLD_EVERY_MS later), unless `held` says they were added
   * within HOLD_EVERY_MS. It is set only once they are added: set before, a failed add (Redis
   * reconnecting) would keep the retry of its votes, and the cluster's other stopped votes, from
   * queueing them for that long, and a job done meanwhile never comes back. Two processes stopping
   * votes of one cluster in the same instant may both add: holds are idempotent.
   */
  async function addHolds(held: string, job: HoldJob): Promise<void> {
    if ((await deps.redis.exists(held)) === 1) return;
    const opts = { removeOnComplete: { age: HOLD_KEPT_SECONDS } };
    await deps.reviewQueue.addBulk([
      { name: 'hold-cluster', data: job, opts },
      {
        name: 'hold-cluster',
        data: { ...job, until: job.until + HOLD_EVERY_MS },
        opts: { ...opts, delay: HOLD_EVERY_MS },
      },
    ]);
    // Queued: a dedupe key that could not be set costs only holds queued again, which are idempotent.
    await deps.redis
      .set(held, '1', 'PX', HOLD_EVERY_MS)
      .catch((error: unknown) => deps.logger.warn({ err: error, key: held }, 'could not mark a hold queued'));
  }

  return queueHold;
}
