import { attachEntryImages, deleteEntryImages, type EntryDoc, strayEntryImages } from '@rallyboard/core/db';
import { toFieldIssues } from '@rallyboard/core/protocol';
import {
  ENTRY_QUEUE,
  type EntryJob,
  entryJobId,
  entryJobSchema,
  queueEntryJob,
} from '@rallyboard/core/queue';
import { type KeyBuilder, type RedisClient, withLock } from '@rallyboard/core/redis';
import { type Job, UnrecoverableError, Worker } from 'bullmq';
import { type Periodic, runEvery } from '../every.js';
import { type CheckDeps, checkEntry, expireEntry } from './checks.js';
import { settleEntry } from './settle.js';

export interface EntryWorkerDeps extends CheckDeps {
  redis: RedisClient;
  keys: KeyBuilder;
}

type Outcome = EntryDoc['status'] | 'missing';

/** A check asks WeChat up to 1 + 9 times (5 s timeout each): the lock outlasts that. */
const LOCK = { ttlMs: 120_000, waitMs: 30_000 };

async function runEntryJob(job: Job<EntryJob>, deps: EntryWorkerDeps): Promise<Outcome> {
  const parsed = entryJobSchema.safeParse(job.data);
  if (!parsed.success) {
    const issues = toFieldIssues(parsed.error, 'data');
    throw new UnrecoverableError(
      `invalid entry job: ${issues.map((i) => `${i.path} ${i.message}`).join('; ')}`,
    );
  }
  const data = parsed.data;
  const entryId =
    data.kind === 'verdict'
      ? (await deps.entries.entries.findOne({ 'images.traceId': data.traceId }, { _id: 1 }).lean())?._id
      : data.entryId;
  // A verdict that arrived before its trace id was saved: the check settles the entry after saving it.
  if (entryId === undefined) return 'missing';
  return withLock(
    deps.redis,
    deps.keys.entryLock(entryId),
    async () => {
      const entry = await deps.entries.entries.findById(entryId).lean<EntryDoc>();
      if (!entry) return 'missing';
      // Decided by the checks on an earlier run whose review message was not queued: queue it
      // (once: the event's job id is the entry's).
      if (entry.decidedBy === 'auto' && (entry.status === 'approved' || entry.status === 'rejected')) {
        await deps.notify(entry);
        return entry.status;
      }
      if (data.kind === 'check') {
        return checkEntry(deps, entry, job.attemptsMade + 1 >= (job.opts.attempts ?? 1));
      }
      if (data.kind === 'expire') return expireEntry(deps, entry);
      return settleEntry(deps, entry);
    },
    LOCK,
  );
}

/**
 * The BullMQ worker of the entries queue: content checks of new entries, image verdicts that
 * came by push, and overdue verdicts (checks.ts, settle.ts). Each runs under the entry's lock.
 */
export function createEntryWorker(deps: EntryWorkerDeps, connection: RedisClient): Worker<EntryJob, Outcome> {
  const worker = new Worker<EntryJob, Outcome>(ENTRY_QUEUE, (job) => runEntryJob(job, deps), {
    connection,
    prefix: deps.keys.queuePrefix,
    concurrency: 4,
    autorun: false,
  });
  worker.on('error', (error) => deps.logger.error({ err: error }, 'entry worker error'));
  worker.on('failed', (job, error) =>
    deps.logger.warn({ jobId: job?.id, attemptsMade: job?.attemptsMade, err: error }, 'entry job failed'),
  );
  return worker;
}

/** How old a pending entry is before the sweep makes sure its check is queued. */
const SWEEP_AFTER_MS = 60_000;

/** How long an uploaded image may wait for an entry to name it before it is deleted. */
const STRAY_AFTER_MS = 86_400_000;

/**
 * One pass of the sweep:
 * - every entry pending for over a minute gets its check queued (a no-op while the job is kept),
 *   or retried when its job failed for good (a store that did not answer 13 times): an entry whose
 *   job was never added, or gave up, is checked all the same;
 * - images uploaded a day ago that no entry names are deleted. An image an entry names is kept
 *   even if it was never marked as the entry's (the mark failed after the entry was written).
 */
export async function sweepEntries(deps: EntryWorkerDeps): Promise<void> {
  const pending = await deps.entries.entries
    .find({ status: 'pending', createdAt: { $lt: new Date(deps.now() - SWEEP_AFTER_MS) } }, { _id: 1 })
    .limit(1_000)
    .lean();
  for (const { _id } of pending) {
    const check: EntryJob = { kind: 'check', entryId: _id };
    const job = await deps.queue.getJob(entryJobId(check));
    if (!job) await queueEntryJob(deps.queue, check);
    // A check or a deadline that gave up is tried again (one at a time: another sweep may race).
    for (const kind of ['check', 'expire'] as const) {
      const given = kind === 'check' ? job : await deps.queue.getJob(entryJobId({ kind, entryId: _id }));
      if (given && (await given.isFailed())) await given.retry('failed').catch(() => undefined);
    }
  }
  const strays = await strayEntryImages(deps.mongo, new Date(deps.now() - STRAY_AFTER_MS));
  if (strays.length === 0) return;
  const named = await deps.entries.entries
    .find({ 'images.imageId': { $in: strays } }, { 'images.imageId': 1 })
    .lean<Pick<EntryDoc, '_id' | 'images'>[]>();
  const kept = new Set(named.flatMap((e) => e.images.map((i) => i.imageId)));
  // Named but never marked as the entry's: marked now, so they stop coming back as strays.
  for (const e of named) {
    await attachEntryImages(
      deps.mongo,
      e.images.map((i) => i.imageId).filter((id) => strays.includes(id)),
      e._id,
    );
  }
  await deleteEntryImages(
    deps.mongo,
    strays.filter((id) => !kept.has(id)),
  );
}

/** The sweep, every minute. A pass catches its own failures. */
export function startEntrySweep(deps: EntryWorkerDeps, everyMs = 60_000): Periodic {
  return runEvery(async () => {
    try {
      await sweepEntries(deps);
    } catch (error) {
      deps.logger.warn({ err: error }, 'entry sweep failed');
    }
  }, everyMs);
}
