import { type JobsOptions, Queue } from 'bullmq';
import { z } from 'zod';
import { entryIdSchema } from '../protocol/entries.js';
import type { RedisClient } from '../redis/connection.js';
import type { KeyBuilder } from '../redis/keys.js';

/**
 * The queue of entries' content checks (WeChat's content security), worked by the workers:
 * - `check`: ask WeChat about a new entry's text (msgSecCheck, answered at once) and images
 *   (mediaCheckAsync, answered later by push), then settle it;
 * - `verdict`: an image's verdict came in by push (the trace id), settle its entry;
 * - `expire`: the images' verdicts are overdue, the entry goes to the hosts marked unchecked.
 */
export const ENTRY_QUEUE = 'entries' as const;

export const entryJobSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('check'), entryId: entryIdSchema }),
  z.object({ kind: z.literal('verdict'), traceId: z.string().min(1).max(128) }),
  z.object({ kind: z.literal('expire'), entryId: entryIdSchema }),
]);
export type EntryJob = z.infer<typeof entryJobSchema>;

/** Each entry is checked once, each verdict settled once (BullMQ ids may not hold `:`). */
export const entryJobId = (job: EntryJob): string =>
  job.kind === 'verdict' ? `verdict.${job.traceId.replace(/:/g, '_')}` : `${job.kind}.${job.entryId}`;

/**
 * While WeChat does not answer, a check retries with exponential backoff from `retryMs` (10 s by
 * default: about 11 hours in all, the entry waiting unseen meanwhile); past that it goes to the
 * hosts unchecked.
 */
const entryJobOptions = (retryMs: number) =>
  ({
    attempts: 13,
    backoff: { type: 'exponential', delay: retryMs },
    removeOnComplete: { age: 7 * 86_400 },
    removeOnFail: { age: 30 * 86_400 },
  }) as const satisfies JobsOptions;

export function createEntryQueue(
  connection: RedisClient,
  keys: KeyBuilder,
  retryMs = 10_000,
): Queue<EntryJob> {
  return new Queue<EntryJob>(ENTRY_QUEUE, {
    connection,
    prefix: keys.queuePrefix,
    defaultJobOptions: entryJobOptions(retryMs),
  });
}

/** Queues an entry job, once per id (a pending or kept job of the id makes the add a no-op). */
export async function queueEntryJob(queue: Queue<EntryJob>, job: EntryJob, delayMs = 0): Promise<void> {
  await queue.add(job.kind, job, { jobId: entryJobId(job), ...(delayMs > 0 ? { delay: delayMs } : {}) });
}
