import type { JobsOptions, Queue } from 'bullmq';
/**
 * Adds a job under its id even if BullMQ still keeps a finished one of that id (completed or
 * failed for good, kept for days), which would make the add a no-op: the finished job is removed
 * first. A pending one (waiting, delayed or running) is kept, and the add is a no-op.
 */
export async function addAgain<D>(
  queue: Queue<D>,
  name: string,
  data: D,
  opts: JobsOptions & { jobId: string },
): Promise<void> {
  const existing = await queue.getJob(opts.jobId);
  if (existing && ((await existing.isCompleted()) || (await existing.isFailed()))) await existing.remove();
  // BullMQ types the name and data of a Queue<D> through conditional types a generic D leaves open.
  await queue.add(name as never, data as never, opts);
}
