import type { Config } from '@rallyboard/core/config';
import { VOTE_JOB, type VoteJob } from '@rallyboard/core/queue';
import { closeRedis } from '@rallyboard/core/redis';
import { type Job, type Queue, Worker } from 'bullmq';
import { testRedis } from '../../../test/support/stack.js';

/**
 * Adds a vote job and puts it in the failed set, as a worker of an older deploy left it when its
 * attempts ran out. No worker may be running on the queue: this one takes the next job.
 */
export async function deadLetterJob(
  config: Config,
  queue: Queue<VoteJob>,
  data: VoteJob,
): Promise<Job<VoteJob>> {
  const added = await queue.add(VOTE_JOB, data, { attempts: 1 });
  const connection = await testRedis(config, 'worker');
  const taker = new Worker<VoteJob>(queue.name, undefined, {
    connection,
    ...(queue.opts.prefix === undefined ? {} : { prefix: queue.opts.prefix }),
  });
  try {
    const job = await taker.getNextJob('taker');
    if (job?.id !== added.id) throw new Error(`took job ${job?.id}, not ${added.id}`);
    await job.moveToFailed(new Error('insertMany failed'), 'taker');
    return added;
  } finally {
    await taker.close();
    await closeRedis(connection);
  }
}
