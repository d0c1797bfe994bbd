import { createHash } from 'node:crypto';
import type { KeyBuilder } from '@rallyboard/core/redis';
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Connection } from 'mongoose';

/**
 * Everything a request could have written: take one before and one after, and list what
 * changed. Counting is not enough (a limiter's counter or an upserted document changes in
 * place), so each Redis key and each document is kept with a digest of its value.
 */
export interface WriteSnapshot {
  /** The votes queue's job count in every state. */
  queue: Record<string, number>;
  /** `collection/_id` → digest of the document, for every collection of the test database. */
  documents: Map<string, string>;
  /** Redis key under the test's prefix (`prefix:…` and the queue's `{prefix}:…`) → digest of its DUMP. */
  keys: Map<string, string>;
}

export interface WriteTargets {
  voteQueue: Queue;
  mongo: Connection;
  redis: Redis;
  keys: KeyBuilder;
}

/** Every state a BullMQ job can be in. */
const JOB_STATES = [
  'waiting',
  'waiting-children',
  'prioritized',
  'delayed',
  'active',
  'completed',
  'failed',
] as const;

const digest = (value: string | Buffer) => createHash('sha256').update(value).digest('base64url');

async function redisKeys(redis: Redis, prefix: string): Promise<Map<string, string>> {
  // One pass over the keyspace for both forms, `prefix:…` and the queue's `{prefix}:…`. The
  // server is shared (and holds other runs' keys): a large COUNT keeps the round trips few.
  const keys: string[] = [];
  for await (const batch of redis.scanStream({ match: `*${prefix}[:}]*`, count: 50_000 })) {
    keys.push(...(batch as string[]));
  }
  const pipeline = redis.pipeline();
  for (const key of keys) pipeline.dumpBuffer(key);
  const dumps = (await pipeline.exec()) ?? [];
  const out = new Map<string, string>();
  keys.forEach((key, i) => {
    const dump = dumps[i]?.[1];
    // A key that expired between SCAN and DUMP is simply gone.
    if (Buffer.isBuffer(dump)) out.set(key, digest(dump));
  });
  return out;
}

async function documents(mongo: Connection): Promise<Map<string, string>> {
  const db = mongo.db;
  if (db === undefined) throw new Error('MongoDB connection is not open');
  const names = (await db.listCollections({}, { nameOnly: true }).toArray()).map((c) => c.name);
  const all = await Promise.all(names.map((name) => db.collection(name).find({}).toArray()));
  const out = new Map<string, string>();
  names.forEach((name, i) => {
    for (const doc of all[i] ?? [])
      out.set(`${name}/${JSON.stringify(doc._id)}`, digest(JSON.stringify(doc)));
  });
  return out;
}

export async function snapshotWrites(targets: WriteTargets): Promise<WriteSnapshot> {
  const [queue, docs, keys] = await Promise.all([
    targets.voteQueue.getJobCounts(...JOB_STATES),
    documents(targets.mongo),
    redisKeys(targets.redis, targets.keys.prefix),
  ]);
  return { queue, documents: docs, keys };
}

function changed(kind: string, before: Map<string, string>, after: Map<string, string>): string[] {
  const out: string[] = [];
  for (const [key, value] of after) {
    if (!before.has(key)) out.push(`${kind} added: ${key}`);
    else if (before.get(key) !== value) out.push(`${kind} changed: ${key}`);
  }
  for (const key of before.keys()) if (!after.has(key)) out.push(`${kind} removed: ${key}`);
  return out;
}

/** What was written between two snapshots, one line per job state, document or key; empty for nothing. */
export function writesBetween(before: WriteSnapshot, after: WriteSnapshot): string[] {
  const queue = JOB_STATES.filter((state) => before.queue[state] !== after.queue[state]).map(
    (state) => `votes queue ${state}: ${before.queue[state]} → ${after.queue[state]}`,
  );
  return [
    ...queue,
    ...changed('document', before.documents, after.documents),
    ...changed('redis key', before.keys, after.keys),
  ];
}
