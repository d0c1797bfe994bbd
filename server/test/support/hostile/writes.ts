import { createHash } from 'node:crypto';
import { type KeyBuilder, type RedisClient, scanKeys } from '@rallyboard/core/redis';
import type { Queue } from 'bullmq';
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
  /**
   * Redis key under the test's prefix (`prefix:…` and the queue's `{prefix}:…`) → digest of its
   * DUMP and when it expires (epoch ms, -1 for never).
   */
  keys: Map<string, { digest: string; expiresAt: number }>;
  /** When the snapshot was taken (epoch ms). */
  at: number;
}

export interface WriteTargets {
  voteQueue: Queue;
  mongo: Connection;
  redis: RedisClient;
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

async function redisKeys(redis: RedisClient, prefix: string): Promise<WriteSnapshot['keys']> {
  // One pass over the keyspace for both forms, `prefix:…` and the queue's `{prefix}:…`. The
  // server is shared (and holds other runs' keys): a large COUNT keeps the round trips few.
  const keys: string[] = [];
  for await (const batch of scanKeys(redis, `*${prefix}[:}]*`, 50_000)) {
    keys.push(...(batch as string[]));
  }
  const pipeline = redis.pipeline();
  for (const key of keys) pipeline.dumpBuffer(key).pexpiretime(key);
  const answers = (await pipeline.exec()) ?? [];
  const out: WriteSnapshot['keys'] = new Map();
  keys.forEach((key, i) => {
    const dump = answers[2 * i]?.[1];
    const expiresAt = answers[2 * i + 1]?.[1];
    // A key that expired between SCAN and DUMP is simply gone.
    if (Buffer.isBuffer(dump) && typeof expiresAt === 'number') {
      out.set(key, { digest: digest(dump), expiresAt });
    }
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
  return { queue, documents: docs, keys, at: Date.now() };
}

function changed<V>(
  kind: string,
  before: Map<string, V>,
  after: Map<string, V>,
  same: (a: V, b: V) => boolean,
  expired: (v: V) => boolean = () => false,
): string[] {
  const out: string[] = [];
  for (const [key, value] of after) {
    const was = before.get(key);
    if (was === undefined) out.push(`${kind} added: ${key}`);
    else if (!same(was, value)) out.push(`${kind} changed: ${key}`);
  }
  for (const [key, value] of before)
    if (!after.has(key) && !expired(value)) out.push(`${kind} removed: ${key}`);
  return out;
}

/** What was written between two snapshots, one line per job state, document or key; empty for nothing. */
export function writesBetween(before: WriteSnapshot, after: WriteSnapshot): string[] {
  const queue = JOB_STATES.filter((state) => before.queue[state] !== after.queue[state]).map(
    (state) => `votes queue ${state}: ${before.queue[state]} → ${after.queue[state]}`,
  );
  return [
    ...queue,
    ...changed('document', before.documents, after.documents, (a, b) => a === b),
    // A key with a TTL that was up by the second snapshot expired (a limiter's window, a cache entry): no write.
    ...changed(
      'redis key',
      before.keys,
      after.keys,
      (a, b) => a.digest === b.digest && a.expiresAt === b.expiresAt,
      (v) => v.expiresAt >= 0 && v.expiresAt <= after.at,
    ),
  ];
}
