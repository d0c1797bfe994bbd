import { loadConfig } from '@rallyboard/core/config';
import { connectMongo } from '@rallyboard/core/db';
import type { Connection } from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testEnv } from '../support/config.js';
import { expectAcceptedCountedRecorded, FAULT_CANDIDATES, sendVotes } from '../support/fault-checks.js';
import { type RunningProcess, startProcess } from '../support/processes.js';
import { eventually, seedBoard, startTestServer, type TestServer } from '../support/stack.js';
import { startTcpProxy, type TcpProxy, throughProxy } from '../support/tcp-proxy.js';

const CRASHES = 6;
const env = testEnv();
const config = loadConfig(env);
let proxy: TcpProxy;
let workerEnv: typeof env;
let mongo: Connection;
let server: TestServer;
let worker: RunningProcess | undefined;

beforeAll(async () => {
  mongo = await connectMongo(config.mongo.uri, 'test');
  server = await startTestServer(config, mongo);
  // The workers reach MongoDB over a slow link: a job stays in hand at least one ledger round
  // trip (300 ms) after it is taken, so a kill right after can always catch it active.
  const { hostname, port } = new URL(config.mongo.uri);
  proxy = await startTcpProxy({ host: hostname, port: Number(port) }, { latencyMs: 150 });
  // Short locks so a killed worker's jobs are found stalled and re-delivered within seconds.
  workerEnv = {
    ...env,
    MONGODB_URI: throughProxy(config.mongo.uri, proxy),
    WORKER_LOCK_DURATION_MS: '2000',
    WORKER_STALLED_INTERVAL_MS: '1000',
  };
});
afterAll(async () => {
  worker?.child.kill('SIGKILL');
  await server.close();
  await mongo.close();
  await proxy.close();
});

describe(`when the worker process crash-loops ${CRASHES} times, each time with the same job in hand`, () => {
  it('counts and records every vote it accepted, exactly once, with no manual step', async () => {
    const boards = [
      await seedBoard(config, server.deps.redis, mongo, FAULT_CANDIDATES),
      await seedBoard(config, server.deps.redis, mongo, FAULT_CANDIDATES),
    ];
    const accepted = new Map(boards.map((b) => [b, new Set<string>()]));
    await sendVotes(server, accepted, 1_000, 'queued');
    const queue = server.deps.voteQueue;
    let tracked: string | undefined;
    let runs = 0;
    for (let crash = 1; crash <= CRASHES; crash++) {
      const running = await startProcess('workers', workerEnv, 'workers started');
      worker = running;
      // The first worker's first job, then that job again each time it is re-delivered.
      await eventually(
        async () => {
          if (tracked === undefined) tracked = (await queue.getActive(0, 0))[0]?.id;
          const job = tracked === undefined ? undefined : await queue.getJob(tracked);
          return job !== undefined && (await job.getState()) === 'active' && job.attemptsStarted > runs;
        },
        30_000,
        `job ${tracked ?? '(the first)'} in hand, crash ${crash}`,
      );
      running.child.kill('SIGKILL');
      await running.exited;
      runs = (await queue.getJob(tracked as string))?.attemptsStarted ?? runs;
      await sendVotes(server, accepted, 100, `crash-${crash}`);
    }
    expect(runs).toBeGreaterThanOrEqual(CRASHES);
    worker = await startProcess('workers', workerEnv, 'workers started');
    await expectAcceptedCountedRecorded(server, mongo, queue, accepted, 120_000);
    worker.child.kill('SIGTERM');
    await worker.exited;
  }, 300_000);
});
