import type { VoteJob } from '@rallyboard/core/queue';
import type { Queue } from 'bullmq';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Resolves once every run of the board's jobs that was active when the fence went up has ended.
 * Runs that start later cannot apply (the fence turns them back), so they are not waited for:
 * under a steady stream, fenced jobs keep bouncing through the active list, and waiting for an
 * empty list would never end.
 * @returns how long it waited, in ms
 */
export async function settle(queue: Queue<VoteJob>, boardId: string, timeoutMs: number): Promise<number> {
  const started = Date.now();
  const runOf = (job: { id?: string | undefined; processedOn?: number | undefined }) =>
    `${job.id ?? ''}@${job.processedOn ?? 0}`;
  const ofBoard = (jobs: Awaited<ReturnType<Queue<VoteJob>['getActive']>>) =>
    jobs.filter((job) => (job.data as VoteJob | undefined)?.boardId === boardId).map(runOf);
  const before = new Set(ofBoard(await queue.getActive()));
  for (;;) {
    if (!ofBoard(await queue.getActive()).some((run) => before.has(run))) return Date.now() - started;
    if (Date.now() - started > timeoutMs) {
      throw new Error(`votes of board ${boardId} were still in flight after ${timeoutMs} ms; try again`);
    }
    await sleep(100);
  }
}
