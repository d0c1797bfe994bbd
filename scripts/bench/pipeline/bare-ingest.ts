// Reference (a) of the pipeline benchmark, a child process of main.ts (IPC): the least an
// ingest can do. A bare express app whose one route awaits one BullMQ `queue.add` per request
// and answers 202: no validation, no board check, no batching. The jobs carry the same options
// as ours. Env: BENCH_REDIS_URL, BENCH_QUEUE_PREFIX.
import type { AddressInfo } from 'node:net';
import { VOTE_JOB_OPTIONS } from '@rallyboard/core/queue';
import { Queue } from 'bullmq';
import express from 'express';
import { Redis } from 'ioredis';
import type { BareIngestToParent } from './messages.js';

const send = (message: BareIngestToParent) => process.send?.(message);
process.on('disconnect', () => process.exit(0));

const redisUrl = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
const prefix = process.env.BENCH_QUEUE_PREFIX ?? '{bare}';

const connection = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
const queue = new Queue<{ candidateId: string }>('votes', { connection, prefix });

const app = express();
app.disable('x-powered-by');
app.use(express.json());
app.post('/api/boards/:boardId/votes', async (req, res) => {
  const candidateId: unknown = req.body?.candidateId;
  if (typeof candidateId !== 'string') {
    res.status(400).json({ error: { code: 'INVALID_INPUT', message: 'candidateId' } });
    return;
  }
  try {
    await queue.add('vote', { candidateId }, VOTE_JOB_OPTIONS);
    res.status(202).json({ status: 'queued' });
  } catch {
    res.status(503).json({ error: { code: 'SERVICE_UNAVAILABLE', message: 'queue add failed' } });
  }
});

const server = app.listen(0, '127.0.0.1', () => {
  send({ type: 'ready', port: (server.address() as AddressInfo).port });
});

const stop = async () => {
  server.closeAllConnections();
  server.close();
  await queue.close();
  await connection.quit().catch(() => connection.disconnect());
  process.exit(0);
};
process.on('SIGTERM', () => void stop());
process.on('SIGINT', () => void stop());
