import { loadConfig } from '@rallyboard/core/config';
import { connectMongo } from '@rallyboard/core/db';
import type { Connection } from 'mongoose';
import { afterAll, beforeAll, expect } from 'vitest';
import { randomId, testEnv } from './config.js';
import { expectAcceptedCountedRecorded, FAULT_CANDIDATES, sendVotes } from './fault-checks.js';
import { type OwnFerret, startOwnFerret } from './own-ferretdb.js';
import { type RunningProcess, startProcess } from './processes.js';
import { seedBoard, startTestServer, type TestServer } from './stack.js';

/**
 * A MongoDB outage for a test file: its own FerretDB (the run's shared one serves every other
 * test and is never stopped), the real server in process, and a real workers process.
 * @returns the scenario: votes before, during and after `outageMs` of MongoDB being down
 */
export function useMongoOutage(): (outageMs: number) => Promise<void> {
  let ferret: OwnFerret;
  let env: ReturnType<typeof testEnv>;
  let mongo: Connection;
  let server: TestServer;
  let worker: RunningProcess | undefined;

  beforeAll(async () => {
    ferret = await startOwnFerret(randomId('outage'));
    env = testEnv({ MONGODB_URI: ferret.uri, RISK_SETTINGS_CACHE_MS: '1000' });
    mongo = await connectMongo(ferret.uri, 'test');
    mongo.on('error', () => {});
    // The server's MongoDB connection is the test's: ingest does not read MongoDB for a vote.
    server = await startTestServer(loadConfig(env), mongo);
  }, 120_000);
  afterAll(async () => {
    worker?.child.kill('SIGKILL');
    await server?.close();
    await mongo?.close();
    await ferret?.close();
  });

  return async (outageMs) => {
    const config = loadConfig(env);
    const boards = [
      await seedBoard(config, server.deps.redis, mongo, FAULT_CANDIDATES),
      await seedBoard(config, server.deps.redis, mongo, FAULT_CANDIDATES),
    ];
    const accepted = new Map(boards.map((b) => [b, new Set<string>()]));
    worker = await startProcess('workers', env, 'workers started');

    await sendVotes(server, accepted, 600, 'before');
    await ferret.stop();
    const down = Date.now();
    // Ingest keeps answering 202 while MongoDB is down: those votes are promised too.
    await sendVotes(server, accepted, 600, 'during');
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, outageMs - (Date.now() - down))));
    await ferret.start();
    await sendVotes(server, accepted, 600, 'after');

    await expectAcceptedCountedRecorded(server, mongo, server.deps.voteQueue, accepted, 120_000);
    expect(worker.child.exitCode).toBeNull();
  };
}
