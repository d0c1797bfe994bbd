// Reference (b) of the pipeline benchmark, a child process of main.ts (IPC): the least a queue
// consumer can do. `prefill` adds N jobs (addBulk, the same job options as ours) to a queue of
// its own prefix; `start` runs a plain BullMQ Worker, at our WORKER_CONCURRENCY, whose processor
// does one ZINCRBY per job. The parent times the drain by watching the sorted set.
import { VOTE_JOB_OPTIONS } from '@rallyboard/core/queue';
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import type { BareWorkerSpec, BareWorkerToParent, ParentToBareWorker } from './messages.js';

const send = (message: BareWorkerToParent, then?: () => void) =>
  process.send?.(message, undefined, undefined, () => then?.());
process.on('disconnect', () => process.exit(0));

let spec: BareWorkerSpec | undefined;
const connections: Redis[] = [];
let queue: Queue<{ candidateId: string }> | undefined;
let worker: Worker<{ candidateId: string }> | undefined;

function connect(url: string, blocking: boolean): Redis {
  const redis = new Redis(url, { maxRetriesPerRequest: blocking ? null : 2 });
  connections.push(redis);
  return redis;
}

async function prefill(s: BareWorkerSpec): Promise<void> {
  spec = s;
  const started = Date.now();
  queue = new Queue('votes', { connection: connect(s.redisUrl, false), prefix: s.queuePrefix });
  for (let first = 0; first < s.jobs; first += 1_000) {
    const count = Math.min(1_000, s.jobs - first);
    await queue.addBulk(
      Array.from({ length: count }, (_, i) => ({
        name: 'vote',
        data: { candidateId: s.candidates[(first + i) % s.candidates.length] ?? 'c' },
        opts: VOTE_JOB_OPTIONS,
      })),
    );
  }
  send({ type: 'prefilled', jobs: s.jobs, ms: Date.now() - started });
}

function start(s: BareWorkerSpec): void {
  const redis = connect(s.redisUrl, false);
  worker = new Worker<{ candidateId: string }>(
    'votes',
    async (job) => {
      await redis.zincrby(s.zsetKey, 1, job.data.candidateId);
    },
    { connection: connect(s.redisUrl, true), prefix: s.queuePrefix, concurrency: s.concurrency },
  );
  worker.on('error', () => {});
  send({ type: 'started' });
}

async function close(): Promise<void> {
  await worker?.close();
  await queue?.close();
  await Promise.all(connections.map((c) => c.quit().catch(() => c.disconnect())));
  send({ type: 'closed' }, () => process.exit(0));
}

const fail = (error: unknown) =>
  send({ type: 'error', message: error instanceof Error ? error.message : String(error) });

process.on('message', (message: ParentToBareWorker) => {
  if (message.type === 'prefill') prefill(message.spec).catch(fail);
  else if (message.type === 'start') {
    if (spec) start(spec);
    else fail(new Error('start before prefill'));
  } else if (message.type === 'close') close().catch(fail);
});
process.on('SIGTERM', () => void close().catch(() => process.exit(1)));
send({ type: 'ready' });
