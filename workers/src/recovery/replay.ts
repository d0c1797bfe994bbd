import type { VoteJob } from '@rallyboard/core/queue';
import { clearDeadLetters, type KeyBuilder, type RedisClient } from '@rallyboard/core/redis';
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
 * Sends dead-lettered vote jobs (failed for good) back to the queue, as new: each vote is then
 * decided once, whatever became of it before (a vote applied in Redis whose ledger write failed
 * comes back as a duplicate and is recorded). Clears them from their boards' dead letters.
 * @param boardId one board's jobs; every board's when undefined
 */
export async function replayDeadLetters(deps: ReplayDeps, boardId?: string): Promise<ReplayReport> {
  const report: ReplayReport = { jobs: 0, votes: 0, boards: {} };
  const replayed = new Map<string, string[]>();
  for (const job of await deadLetteredJobs(deps.queue, boardId)) {
    try {
      // As new: a replayed job has its attempts again, not a last one.
      await job.retry('failed', { resetAttemptsMade: true, resetAttemptsStarted: true });
    } catch {
      continue; // no longer failed: replayed or removed meanwhile
    }
    const board = String(job.data?.boardId);
    report.jobs++;
    report.votes += votesOf(job);
    report.boards[board] = (report.boards[board] ?? 0) + votesOf(job);
    replayed.set(board, [...(replayed.get(board) ?? []), job.id as string]);
  }
  for (const [board, jobIds] of replayed) await clearDeadLetters(deps.redis, deps.keys, board, jobIds);
  return report;
}
