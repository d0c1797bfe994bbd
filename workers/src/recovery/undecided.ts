import type { VoteJob } from '@rallyboard/core/queue';
import type { Job, JobType } from 'bullmq';
import { type ReplayDeps, replayDeadLetters } from './replay.js';

/** Accepted votes of a board that no worker has decided: dead-lettered, or queued too long. */
export interface UndecidedReport {
  /** Jobs that failed for good, and their votes: replayed. */
  deadLettered: { jobs: number; votes: number };
  /** Jobs still queued (waiting, delayed, active) after the threshold, and their votes. */
  stuck: { jobs: number; votes: number; oldestMs: number };
  /** Of the stuck, delayed jobs (a retry's backoff) moved to run now. */
  promoted: number;
}

// A paused queue's jobs are in its wait list too.
const PENDING: JobType[] = ['wait', 'delayed', 'active', 'prioritized'];
const votesOf = (jobs: readonly Job<VoteJob>[]) =>
  jobs.reduce((n, job) => n + (Array.isArray(job.data?.votes) ? job.data.votes.length : 0), 0);

/**
 * Finds a board's accepted but undecided votes and sends them on: dead-lettered jobs are
 * replayed (see replay.ts), and jobs queued for longer than `olderThanMs` are reported, the
 * delayed ones promoted so they run now. Votes that keep a job undecided stay in the queue: this
 * never drops one.
 */
export async function replayUndecided(
  deps: ReplayDeps,
  boardId: string,
  options: { olderThanMs: number; nowMs?: number },
): Promise<UndecidedReport> {
  const now = options.nowMs ?? Date.now();
  // Pending first: a job replayed below is pending again, and not stuck.
  const pending = await deps.queue.getJobs(PENDING);
  const stuck = pending.filter(
    (job) => job.data?.boardId === boardId && now - job.timestamp > options.olderThanMs,
  );
  const replayed = await replayDeadLetters(deps, boardId);
  let promoted = 0;
  for (const job of stuck) {
    if ((await job.getState()) !== 'delayed') continue;
    try {
      await job.promote();
      promoted++;
    } catch {
      // it left the delayed set meanwhile: it runs anyway
    }
  }
  return {
    deadLettered: { jobs: replayed.jobs, votes: replayed.votes },
    stuck: {
      jobs: stuck.length,
      votes: votesOf(stuck),
      oldestMs: stuck.reduce((m, job) => Math.max(m, now - job.timestamp), 0),
    },
    promoted,
  };
}
