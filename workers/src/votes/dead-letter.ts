import { type AlertDoc, alertModel, alertView, recordAlert } from '@rallyboard/core/db';
import { boardIdSchema, voteIdSchema } from '@rallyboard/core/protocol';
import type { VoteJob } from '@rallyboard/core/queue';
import { keepMarkersOf, recordDeadLetter } from '@rallyboard/core/redis';
import { type Job, UnrecoverableError } from 'bullmq';
import type { WorkerDeps } from '../deps.js';

const ADVICE =
  'These votes were accepted (answered 202) but are not counted. Fix what the alert names, then run ' +
  '`npm run replay -- <campaign>`: each vote is then counted once, as if it had never been delayed.';

/** True when the job will not run again by itself: no attempt left, or an unrecoverable error. */
export function failedForGood(job: Job<VoteJob>, error: Error): boolean {
  const unrecoverable = error instanceof UnrecoverableError || error.name === 'UnrecoverableError';
  return unrecoverable || job.attemptsMade >= (job.opts.attempts ?? 1);
}

/** The well-formed vote ids of a job's data (a dead letter's may be anything). */
function voteIdsOf(data: Partial<VoteJob> | undefined): string[] {
  if (!Array.isArray(data?.votes)) return [];
  return data.votes.flatMap((vote: unknown) => {
    const id = voteIdSchema.safeParse((vote as { voteId?: unknown } | null)?.voteId);
    return id.success ? [id.data] : [];
  });
}

/**
 * What happens to a vote job that failed for good: it stays in BullMQ's failed set (its votes
 * are there to replay), keeps its votes' markers until then (keepMarkersOf), is counted on its
 * board's dead letters (the console's monitor shows them) and raises a host alert, once per
 * failure. Never throws: it runs from an event handler.
 */
export function createDeadLetterHandler(
  deps: Pick<WorkerDeps, 'redis' | 'keys' | 'ledger' | 'logger'>,
): (job: Job<VoteJob>, error: Error) => Promise<void> {
  const alerts = alertModel(deps.ledger.db);
  return async (job, error) => {
    const data = job.data as Partial<VoteJob> | undefined;
    const votes = Array.isArray(data?.votes) ? data.votes.length : 0;
    const boardId = boardIdSchema.safeParse(data?.boardId);
    deps.logger.error(
      { jobId: job.id, boardId: data?.boardId, votes, err: error },
      'vote job failed for good: dead-lettered (npm run replay)',
    );
    if (!boardId.success || job.id === undefined) return;
    try {
      // Before it is on record: a replay, however late, must find what its votes did.
      await keepMarkersOf(deps.redis, deps.keys, boardId.data, voteIdsOf(data));
    } catch (failure) {
      // The dead letter and its alert go on record all the same: a host must hear of it.
      deps.logger.error({ jobId: job.id, err: failure }, "could not keep a dead-lettered job's vote markers");
    }
    try {
      await recordDeadLetter(deps.redis, deps.keys, boardId.data, { id: job.id, votes });
      const at = new Date(job.finishedOn ?? Date.now());
      const doc: AlertDoc = {
        _id: `${boardId.data}:dead-letter:${job.id}:${at.getTime()}`,
        campaignId: boardId.data,
        kind: 'dead-letter',
        subject: job.id,
        text: `${votes} accepted votes are not counted: their job failed for good (${error.message.slice(0, 200)}).`,
        advice: ADVICE,
        data: { jobId: job.id, votes, error: error.message.slice(0, 200) },
        at,
      };
      if (await recordAlert(alerts, doc)) {
        await deps.redis.publish(deps.keys.riskAlerts, JSON.stringify(alertView(doc)));
      }
    } catch (failure) {
      deps.logger.error({ jobId: job.id, err: failure }, 'could not record a dead-lettered vote job');
    }
  };
}
