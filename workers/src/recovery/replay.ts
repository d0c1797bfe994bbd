import { boardIdSchema } from '@rallyboard/core/protocol';
import type { VoteJob } from '@rallyboard/core/queue';
import {
  clearDeadLetters,
  type KeyBuilder,
  type RedisClient,
  recordDeadLetter,
} from '@rallyboard/core/redis';
import type { Job, Queue } from 'bullmq';

export interface ReplayDeps {
  queue: Queue<VoteJob>;
  redis: RedisClient;
  keys: KeyBuilder;
}

/** What a replay sent back to the queue. */
export interface ReplayReport {
  jobs: number;
  votes: number;
  /** Board id → its votes replayed. */
  boards: Record<string, number>;
}

const PAGE = 1_000;

/** The dead-lettered (failed) vote jobs of one board, or of every board. */
async function deadLetteredJobs(queue: Queue<VoteJob>, boardId?: string): Promise<Job<VoteJob>[]> {
  const found: Job<VoteJob>[] = [];
  for (let start = 0; ; start += PAGE) {
    const page = await queue.getFailed(start, start + PAGE - 1);
    found.push(...page.filter((job) => boardId === undefined || job.data?.boardId === boardId));
    if (page.length < PAGE) return found;
  }
}

const votesOf = (job: Job<VoteJob>) => (Array.isArray(job.data?.votes) ? job.data.votes.length : 0);

/**
 * Sends one dead-lettered job back to the queue, as new. Its dead letter is cleared before the
 * retry, not after: a job that fails for good again at once (data no deploy can decide) is
 * recorded again by the workers' dead-letter handler meanwhile, and stays on the board's dead
 * letters, in the console's monitor and in the metrics' gauge.
 * @returns false when it was no longer failed (replayed or removed meanwhile)
 */
async function replayJob(deps: ReplayDeps, job: Job<VoteJob>): Promise<boolean> {
  const board = String(job.data?.boardId);
  const jobId = job.id as string;
  await clearDeadLetters(deps.redis, deps.keys, board, [jobId]);
  try {
    // As new: a replayed job has its attempts again, not a last one.
    await job.retry('failed', { resetAttemptsMade: true, resetAttemptsStarted: true });
    return true;
  } catch {
    // Still failed (the retry itself failed): it stays a dead letter, as the workers record one.
    if ((await job.getState()) === 'failed' && boardIdSchema.safeParse(board).success) {
      await recordDeadLetter(deps.redis, deps.keys, board, { id: jobId, votes: votesOf(job) });
    }
    return false; // or no longer failed: replayed or removed meanwhile
  }
}

/**
 * Sends dead-lettered vote jobs (failed for good) back to the queue, as new: each vote is then
 * decided once, whatever became of it before (a vote applied in Redis whose ledger write failed
 * comes back as a duplicate and is recorded). Clears each from its board's dead letters as it
 * goes; one that fails for good again is a dead letter again.
 * @param boardId one board's jobs; every board's when undefined
 */
export async function replayDeadLetters(deps: ReplayDeps, boardId?: string): Promise<ReplayReport> {
  const report: ReplayReport = { jobs: 0, votes: 0, boards: {} };
  for (const job of await deadLetteredJobs(deps.queue, boardId)) {
    if (!(await replayJob(deps, job))) continue;
    const board = String(job.data?.boardId);
    report.jobs++;
    report.votes += votesOf(job);
    report.boards[board] = (report.boards[board] ?? 0) + votesOf(job);
  }
  return report;
}
